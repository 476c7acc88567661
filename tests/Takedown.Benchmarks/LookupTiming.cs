using System.Diagnostics;
using System.Globalization;

namespace Takedown.Benchmarks;

/// <summary>Lookups spread over threads (thread t takes lookups t, t + threads, …), each timed on its own.</summary>
public sealed record LookupTiming(double PerSecond, double PerCpuSecond, double P50, double P99, double Max, long Matches)
{
    /// <param name="lookupForThread">Called once per thread, so each thread can keep its own buffers; the lookup returns its match count.</param>
    public static LookupTiming Run(int lookups, int threads, Func<Func<int, int>> lookupForThread)
    {
        var latencies = new long[lookups];
        var matches = new long[threads];
        var ready = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var lookup = lookupForThread();
            ready.SignalAndWait();
            for (var i = t; i < lookups; i += threads)
            {
                var start = Stopwatch.GetTimestamp();
                matches[t] += lookup(i);
                latencies[i] = Stopwatch.GetTimestamp() - start;
            }
        })).ToArray();
        foreach (var worker in workers)
            worker.Start();
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        ready.SignalAndWait();
        var wall = Stopwatch.StartNew();
        foreach (var worker in workers)
            worker.Join();
        var seconds = wall.Elapsed.TotalSeconds;
        process.Refresh();
        var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        Array.Sort(latencies);
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return new LookupTiming(lookups / seconds, lookups / cpuSeconds, Ms(latencies[lookups / 2]), Ms(latencies[(int)(lookups * 0.99)]), Ms(latencies[^1]), matches.Sum());
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{PerSecond:N0} lookups/s ({PerCpuSecond:N0} per CPU-s), p50 {P50:0.000} ms, p99 {P99:0.000} ms, {Matches:N0} matches");
}

/// <summary>Memory readings shared by the in-memory benchmarks.</summary>
public static class Memory
{
    /// <summary>The managed heap after full collections, so that only live data counts.</summary>
    public static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
