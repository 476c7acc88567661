using System.Diagnostics;
using System.Globalization;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;
using Takedown.EventStore;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Benchmarks.Append;

public sealed record AppendSettings(TimeSpan Warmup, TimeSpan Measure, int Rounds, int StreamsPerWriter, int StreamLength, bool Explain, int PoolSize)
{
    public static AppendSettings From(CommandLine args) => new(
        TimeSpan.FromSeconds(args.Double("warmup", 2)), TimeSpan.FromSeconds(args.Double("seconds", 5)), args.Int("rounds", 3),
        args.Int("streams-per-writer", 50), args.Int("stream-length", 50), args.Flag("explain"), args.Int("pool-size", 64));
}

public sealed record AppendScenario(string Name, int Writers, int EventsPerTransaction);

public enum Variant
{
    Baseline,
    EventStore,
    EventStoreWithoutChain,
    AppendOnly,
    BaselineAsyncCommit,
    EventStoreAsyncCommit,
}

public sealed record AppendResult(
    AppendScenario Scenario, Variant Variant, long Transactions, long Events, double Seconds,
    double P50, double P95, double P99, double Max,
    double WalBytesPerEvent, double WalSyncsPerTransaction, double MachineCpu, double IoWait, double ProcessCpu, double[] RoundEventsPerSecond)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>A variant's appender and every writer's streams; the streams keep their versions from round to round.</summary>
public sealed record Workload(Variant Variant, Appender Appender, StreamCursor[][] Writers);

/// <summary>What one measurement window of one variant saw.</summary>
public sealed record Window(long[] Latencies, double Seconds, WalSample Wal, (double MachineBusy, double IoWait, double Process) Cpu);

/// <summary>
/// Appends as fast as W writers can, each on its own streams (no contention between writers), for a warm-up
/// then a fixed measurement window; every variant gets fresh tables in a schema of its own. The variants of a
/// scenario take turns over several rounds (order reversed every other round), so a burst of load from
/// elsewhere on the machine falls on all of them rather than on one.
/// </summary>
public static class AppendBenchmark
{
    // Targets from the issue.
    private const double BatchRatioTarget = 0.70;
    private const double SingleP99TargetMs = 10;

    private static readonly AppendScenario[] Scenarios =
    [
        new("single", 1, 1),
        new("single", 16, 1),
        new("batch-10", 1, 10),
        new("batch-10", 16, 10),
    ];

    public static async Task<int> RunAsync(AppendSettings settings, CancellationToken ct)
    {
        await using var db = await BenchmarkDatabase.CreateAsync("takedown_bench_append", ct);
        var dataSource = db.CreateDataSource(maxPoolSize: settings.PoolSize);
        var asyncCommit = db.CreateDataSource(maxPoolSize: settings.PoolSize, synchronousCommit: false);
        Variant[] variants = settings.Explain
            ? [Variant.Baseline, Variant.EventStore, Variant.EventStoreWithoutChain, Variant.AppendOnly, Variant.BaselineAsyncCommit, Variant.EventStoreAsyncCommit]
            : [Variant.Baseline, Variant.EventStore];

        Console.WriteLine($"# append — {Server.Describe()}");
        Console.WriteLine(await Server.DescribeAsync(dataSource, ct));
        Console.WriteLine($"database {db.Name}; {settings.Rounds} rounds of warm-up {settings.Warmup.TotalSeconds:0.#} s + measured {settings.Measure.TotalSeconds:0.#} s per variant; " +
            $"{settings.StreamsPerWriter} streams per writer, round-robin, each replaced by a new one at {settings.StreamLength} events; one transaction per append");
        Console.WriteLine();

        var stores = new List<IDocumentStore>();
        try
        {
            var results = new List<AppendResult>();
            foreach (var (scenario, s) in Scenarios.Select((x, i) => (x, i)))
            {
                var workloads = new List<Workload>();
                foreach (var variant in variants)
                {
                    var schema = $"s{s}_{variant.ToString().ToLowerInvariant()}";
                    var store = await CreateStoreAsync(schema, variant is Variant.BaselineAsyncCommit or Variant.EventStoreAsyncCommit ? asyncCommit : dataSource, ct);
                    stores.Add(store.Documents);
                    var writers = Enumerable.Range(0, scenario.Writers)
                        .Select(w => Enumerable.Range(0, settings.StreamsPerWriter).Select(i => new StreamCursor($"basket-w{w}s{i}")).ToArray())
                        .ToArray();
                    workloads.Add(new Workload(variant, await CreateAppenderAsync(variant, store, ct), writers));
                }

                var windows = workloads.ToDictionary(w => w.Variant, _ => new List<Window>());
                for (var round = 0; round < settings.Rounds; round++)
                {
                    foreach (var workload in round % 2 == 0 ? workloads : Enumerable.Reverse(workloads))
                        windows[workload.Variant].Add(await MeasureAsync(workload, scenario.EventsPerTransaction, settings, dataSource, ct));
                }

                foreach (var workload in workloads)
                {
                    results.Add(Combine(scenario, workload.Variant, windows[workload.Variant]));
                    Console.WriteLine(Line(results[^1], results.First(r => r.Scenario == scenario && r.Variant == Variant.Baseline)));
                }
                Console.WriteLine();
            }

            Console.WriteLine(Summary(results));
            return 0;
        }
        finally
        {
            stores.ForEach(store => store.Dispose());
        }
    }

    /// <summary>A store configured as the services' are (their Marten settings, the hash chain, outbox and inbox), migrated as at start-up.</summary>
    private static async Task<Store> CreateStoreAsync(string schema, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var marten = new StoreOptions();
        marten.Connection(dataSource);
        ServiceCollectionExtensions.Configure(marten, schema);
        marten.Events.MapEventType<ItemAdded>("item-added");
        marten.Projections.Add(Basket.Aggregate, ProjectionLifecycle.Live);
        var store = new Store(new DocumentStore(marten), dataSource, new EventStoreOptions { Schema = schema }, TimeProvider.System, new OutboxSignal());
        await store.MigrateAsync(ct);
        return store;
    }

    private static async Task<Appender> CreateAppenderAsync(Variant variant, Store store, CancellationToken ct)
    {
        switch (variant)
        {
            case Variant.Baseline or Variant.BaselineAsyncCommit:
                await ExecuteAsync(store.DataSource, SqlAppender.CreateTable(store.Schema), ct);
                return new SqlAppender(store.DataSource, store.Schema);
            case Variant.EventStoreWithoutChain:
                // The chain is the only user trigger on mt_events; the foreign key's system triggers stay.
                await ExecuteAsync(store.DataSource, $"ALTER TABLE {store.Schema}.mt_events DISABLE TRIGGER USER", ct);
                return new EventStoreAppender(store);
            case Variant.AppendOnly:
                return new AppendOnlyAppender(store);
            case Variant.EventStore or Variant.EventStoreAsyncCommit:
                return new EventStoreAppender(store);
            default:
                throw new ArgumentOutOfRangeException(nameof(variant));
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<Window> MeasureAsync(Workload workload, int count, AppendSettings settings, NpgsqlDataSource stats, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var warmupEnd = start + (long)(settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        var measureEnd = warmupEnd + (long)(settings.Measure.TotalSeconds * Stopwatch.Frequency);

        var writers = workload.Writers
            .Select(streams => Task.Run(() => RunWriterAsync(workload.Appender, streams, count, settings.StreamLength, warmupEnd, measureEnd, ct), ct))
            .ToArray();

        await Task.Delay(settings.Warmup, ct);
        var wal0 = await WalSample.TakeAsync(stats, ct);
        var cpu0 = CpuSample.Take();
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), measureEnd);
        if (remaining > TimeSpan.Zero)
            await Task.Delay(remaining, ct);
        var cpu = CpuSample.Since(cpu0);
        var wal = (await WalSample.TakeAsync(stats, ct)).Minus(wal0);
        var latencies = (await Task.WhenAll(writers)).SelectMany(l => l).ToArray();
        return new Window(latencies, settings.Measure.TotalSeconds, wal, cpu);
    }

    private static AppendResult Combine(AppendScenario scenario, Variant variant, List<Window> windows)
    {
        var latencies = windows.SelectMany(w => w.Latencies).Order().ToArray();
        var transactions = latencies.Length;
        var events = (long)transactions * scenario.EventsPerTransaction;
        var seconds = windows.Sum(w => w.Seconds);
        return new AppendResult(scenario, variant, transactions, events, seconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), Percentile(latencies, 1.0),
            (double)windows.Sum(w => w.Wal.Bytes) / Math.Max(1, events), (double)windows.Sum(w => w.Wal.Syncs) / Math.Max(1, transactions),
            windows.Average(w => w.Cpu.MachineBusy), windows.Average(w => w.Cpu.IoWait), windows.Average(w => w.Cpu.Process),
            windows.Select(w => w.Latencies.Length * scenario.EventsPerTransaction / w.Seconds).ToArray());
    }

    /// <summary>Returns the latency (Stopwatch ticks) of every append that completed inside the measurement window.</summary>
    private static async Task<List<long>> RunWriterAsync(
        Appender appender, StreamCursor[] streams, int count, int streamLength, long warmupEnd, long measureEnd, CancellationToken ct)
    {
        var latencies = new List<long>(50_000);
        for (var i = 0; ; i++)
        {
            var stream = streams[i % streams.Length];
            stream.EnsureRoomFor(count, streamLength);
            var begin = Stopwatch.GetTimestamp();
            if (begin >= measureEnd)
                return latencies;
            await appender.AppendAsync(stream, count, ct);
            var end = Stopwatch.GetTimestamp();
            stream.Version += count;
            if (end >= warmupEnd && end <= measureEnd)
                latencies.Add(end - begin);
        }
    }

    private static double Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;

    private static string Name(Variant variant) => variant switch
    {
        Variant.Baseline => "baseline INSERT",
        Variant.EventStore => "event store",
        Variant.EventStoreWithoutChain => "event store, no chain trigger",
        Variant.AppendOnly => "append without fetch",
        Variant.BaselineAsyncCommit => "baseline, sync_commit=off",
        Variant.EventStoreAsyncCommit => "event store, sync_commit=off",
        _ => variant.ToString(),
    };

    private static string Line(AppendResult r, AppendResult baseline) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Scenario.Name,-9} {r.Scenario.Writers,2} writers  {Name(r.Variant),-29} {r.EventsPerSecond,8:0} events/s ({r.EventsPerSecond / baseline.EventsPerSecond,4:P0} of baseline)  " +
        $"p50 {r.P50,6:0.00}  p95 {r.P95,6:0.00}  p99 {r.P99,6:0.00}  max {r.Max,7:0.0} ms  " +
        $"WAL {r.WalBytesPerEvent,5:0} B/event, {r.WalSyncsPerTransaction,4:0.00} fsync/tx  CPU machine {r.MachineCpu,3:0}% (iowait {r.IoWait:0}%), harness {r.ProcessCpu,3:0}%  " +
        $"rounds {string.Join(" ", r.RoundEventsPerSecond.Select(e => e.ToString("0", CultureInfo.InvariantCulture)))} events/s");

    private static string Summary(List<AppendResult> results)
    {
        var lines = new List<string>
        {
            "| scenario | writers | baseline events/s | event store events/s | store / baseline | per-round ratios | store p50 ms | store p95 ms | store p99 ms | baseline p99 ms |",
            "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        };
        var verdicts = new List<string>();
        foreach (var group in results.GroupBy(r => r.Scenario))
        {
            var baseline = group.Single(r => r.Variant == Variant.Baseline);
            var store = group.Single(r => r.Variant == Variant.EventStore);
            var ratio = store.EventsPerSecond / baseline.EventsPerSecond;
            var rounds = string.Join(", ", store.RoundEventsPerSecond.Zip(baseline.RoundEventsPerSecond, (a, b) => (a / b).ToString("P0", CultureInfo.InvariantCulture)));
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {group.Key.Name} | {group.Key.Writers} | {baseline.EventsPerSecond:0} | {store.EventsPerSecond:0} | {ratio:P0} | {rounds} | {store.P50:0.00} | {store.P95:0.00} | {store.P99:0.00} | {baseline.P99:0.00} |"));
            if (group.Key.EventsPerTransaction > 1)
                verdicts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"target batches >= {BatchRatioTarget:P0} of baseline, {group.Key.Writers} writer(s): {ratio:P0} -> {(ratio >= BatchRatioTarget ? "MET" : "MISSED")}"));
            if (group.Key.EventsPerTransaction == 1 && group.Key.Writers == 16)
                verdicts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"target p99 single append < {SingleP99TargetMs} ms with 16 writers: {store.P99:0.00} ms -> {(store.P99 < SingleP99TargetMs ? "MET" : "MISSED")}"));
        }
        return string.Join(Environment.NewLine, lines.Concat([""]).Concat(verdicts));
    }
}
