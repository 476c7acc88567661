using System.Diagnostics;

namespace Takedown.Benchmarks.Catchup;

public readonly record struct MemoryReading(long WorkingSet, long GcHeap, long GcCommitted)
{
    public static MemoryReading Take(Process process)
    {
        process.Refresh();
        return new MemoryReading(process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().TotalCommittedBytes);
    }

    public MemoryReading Max(MemoryReading other) =>
        new(Math.Max(WorkingSet, other.WorkingSet), Math.Max(GcHeap, other.GcHeap), Math.Max(GcCommitted, other.GcCommitted));
}

/// <summary>Samples this process's working set and GC heap every 50 ms and keeps the maxima.</summary>
public sealed class MemorySampler : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<MemoryReading> _sampling;

    public MemorySampler()
    {
        Baseline = MemoryReading.Take(_process);
        _sampling = Task.Run(async () =>
        {
            var peak = Baseline;
            while (!_stop.IsCancellationRequested)
            {
                peak = peak.Max(MemoryReading.Take(_process));
                try { await Task.Delay(50, _stop.Token); }
                catch (OperationCanceledException) { }
            }
            return peak.Max(MemoryReading.Take(_process));
        });
    }

    public MemoryReading Baseline { get; }

    public MemoryReading Stop()
    {
        _stop.Cancel();
        return _sampling.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _sampling.Wait();
        _stop.Dispose();
        _process.Dispose();
    }
}
