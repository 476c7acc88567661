using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Takedown.Benchmarks;

/// <summary>CPU use of the whole machine (PostgreSQL shares it) and of this process over an interval.</summary>
public readonly record struct CpuSample(long BusyTicks, long IoWaitTicks, long TotalTicks, TimeSpan ProcessCpu, long Timestamp)
{
    public static CpuSample Take()
    {
        // /proc/stat "cpu" line: user nice system idle iowait irq softirq steal ...
        long busy = 0, iowait = 0, total = 0;
        if (File.Exists("/proc/stat"))
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            total = fields.Sum();
            iowait = fields[4];
            busy = total - fields[3] - fields[4];
        }
        using var process = Process.GetCurrentProcess();
        return new CpuSample(busy, iowait, total, process.TotalProcessorTime, Stopwatch.GetTimestamp());
    }

    /// <summary>Machine busy %, iowait % (of all cores) and this process's % of all cores since <paramref name="start"/>.</summary>
    public static (double MachineBusy, double IoWait, double Process) Since(CpuSample start)
    {
        var end = Take();
        var total = Math.Max(1, end.TotalTicks - start.TotalTicks);
        var wall = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp);
        return (100.0 * (end.BusyTicks - start.BusyTicks) / total,
                100.0 * (end.IoWaitTicks - start.IoWaitTicks) / total,
                100.0 * (end.ProcessCpu - start.ProcessCpu).TotalSeconds / (wall.TotalSeconds * Environment.ProcessorCount));
    }
}

/// <summary>pg_stat_wal counters (cluster-wide: other databases' activity is included).</summary>
public readonly record struct WalSample(long Records, decimal Bytes, long Syncs)
{
    public static async Task<WalSample> TakeAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("SELECT wal_records, wal_bytes, wal_sync FROM pg_stat_wal");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new WalSample(reader.GetInt64(0), reader.GetDecimal(1), reader.GetInt64(2));
    }

    public WalSample Minus(WalSample earlier) => new(Records - earlier.Records, Bytes - earlier.Bytes, Syncs - earlier.Syncs);
}

public static class Server
{
    public static async Task<string> DescribeAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT version() || E'\n' || string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
            FROM pg_settings
            WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers', 'max_wal_size', 'full_page_writes', 'commit_delay')
            """);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }

    public static string Describe() =>
        $"{Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024)} MiB available to .NET, " +
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC";
}
