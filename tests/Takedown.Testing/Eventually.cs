namespace Takedown.Testing;

public static class Eventually
{
    /// <summary>Polls until <paramref name="probe"/> returns a value that satisfies <paramref name="done"/>; fails with the last value seen.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
                return last;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for {what ?? "the condition"}; last value: {last}");
            await Task.Delay(100);
        }
    }
}
