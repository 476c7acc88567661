using System.Diagnostics;
using System.Globalization;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Takedown.Benchmarks.Append;
using Takedown.EventStore;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Benchmarks.Catchup;

public sealed record CatchupSettings(int Events, int Streams, int[] BatchSizes)
{
    public static CatchupSettings From(CommandLine args) => new(
        args.Int("events", 1_000_000), args.Int("streams", 10_000), args.Ints("batch-sizes", [500, 5000]));
}

/// <summary>
/// Seeds N events through Marten, then times Marten's async daemon with one single-stream projection from its start
/// until the projection's progression reaches the last event's sequence, once per batch size.
/// </summary>
public static class CatchupBenchmark
{
    private const string Schema = "catchup";

    public static async Task<int> RunAsync(CatchupSettings settings, CancellationToken ct)
    {
        if (settings.Events % settings.Streams != 0)
            throw new ArgumentException("--events must be a multiple of --streams (every stream gets the same number of events).");

        await using var db = await BenchmarkDatabase.CreateAsync("takedown_bench_catchup", ct);
        var dataSource = db.CreateDataSource(maxPoolSize: 32);

        Console.WriteLine($"# catchup — {Server.Describe()}");
        Console.WriteLine(await Server.DescribeAsync(dataSource, ct));
        Console.WriteLine($"database {db.Name}; {settings.Events:N0} events in {settings.Streams:N0} streams, interleaved (each seeded version runs across every stream); " +
            $"projection batch sizes {string.Join(", ", settings.BatchSizes)} (Marten's default, which the services run at: {new AsyncOptions().BatchSize})");

        long lastSequence;
        using (var seeding = await CreateStoreAsync(dataSource, settings.BatchSizes[0], ct))
        {
            var elapsed = Stopwatch.StartNew();
            lastSequence = await SeedAsync(seeding, dataSource, settings, ct);
            Console.WriteLine($"seeded through Marten in {elapsed.Elapsed.TotalSeconds:0.0} s = {settings.Events / elapsed.Elapsed.TotalSeconds:0} events/s " +
                $"(including VACUUM ANALYZE); last event seq {lastSequence}");
        }
        Console.WriteLine();

        var failed = false;
        var rows = new List<string>();
        foreach (var batchSize in settings.BatchSizes)
        {
            using var documents = await CreateStoreAsync(dataSource, batchSize, ct);
            await ResetAsync(documents, dataSource, ct);
            var result = await MeasureAsync(documents, dataSource, settings, batchSize, lastSequence, ct);
            failed |= !result.Verified;
            rows.Add(result.Row);
        }

        using (var probing = await CreateStoreAsync(dataSource, settings.BatchSizes[0], ct))
            await ProbeStatusAsync(probing, dataSource, ct);

        Console.WriteLine();
        Console.WriteLine("| batch size | events | time s | events/s | working set MiB: before / peak (sampled) | GC heap MiB: before / peak | GC committed MiB peak | allocated B/event | gen0/1/2 GCs | machine CPU | harness CPU |");
        Console.WriteLine("|---:|---:|---:|---:|---|---|---:|---:|---|---:|---:|");
        rows.ForEach(Console.WriteLine);
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"process PeakWorkingSet64 at the end (whole run, seeding included): {Memory.Mib(process.PeakWorkingSet64):0} MiB");
        return failed ? 1 : 0;
    }

    /// <summary>
    /// A store configured as the services' are, with the projection at <paramref name="batchSize"/> (fixed once a store is
    /// built, so each batch size gets a store of its own over the same schema), migrated as at start-up.
    /// </summary>
    private static async Task<DocumentStore> CreateStoreAsync(NpgsqlDataSource dataSource, int batchSize, CancellationToken ct)
    {
        var marten = new StoreOptions();
        marten.Connection(dataSource);
        ServiceCollectionExtensions.Configure(marten, Schema);
        marten.Projections.AsyncMode = DaemonMode.HotCold; // as AddEventStore's AddAsyncDaemon; MeasureAsync builds and starts the daemon itself
        marten.Events.MapEventType<ItemAdded>("item-added");
        BasketTallyProjection.Register(marten, batchSize);
        var documents = new DocumentStore(marten);
        await ServiceCollectionExtensions.MigrateAsync(documents, dataSource, Schema, ct);
        return documents;
    }

    /// <summary>
    /// Appends with Marten's <c>session.Events.Append</c>, one large session (and transaction) per version: version v of
    /// every stream, in stream order. Marten keeps a session's events of one stream together, so one version per session
    /// is what interleaves the log, as concurrent cases would: with 10,000 streams every event of a batch belongs to a
    /// different stream, one document upsert per event, the projection's worst case. The chain trigger runs as for any
    /// append. Setup only: not timed as part of the catch-up.
    /// </summary>
    private static async Task<long> SeedAsync(DocumentStore documents, NpgsqlDataSource dataSource, CatchupSettings settings, CancellationToken ct)
    {
        var perStream = settings.Events / settings.Streams;
        var store = new Store(documents, dataSource, new EventStoreOptions { Schema = Schema }, TimeProvider.System, new OutboxSignal());
        for (var version = 1; version <= perStream; version++)
        {
            await using var session = store.Begin(EventContext.ForSystem("benchmark"));
            for (var s = 1; s <= settings.Streams; s++)
                session.Documents.Events.Append($"basket-{s}", new ItemAdded($"item-{version}", 1));
            await session.CommitAsync(ct);
        }

        // Leaves the tables as autovacuum eventually would (hint bits set, statistics fresh), so that the first
        // measured batch size does not pay for that and the second not.
        await using (var vacuum = dataSource.CreateCommand($"VACUUM (ANALYZE) {Schema}.mt_events, {Schema}.mt_streams"))
        {
            vacuum.CommandTimeout = 600;
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        await using var last = dataSource.CreateCommand($"SELECT max(seq_id), count(*) FROM {Schema}.mt_events");
        await using var reader = await last.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetInt64(1) != settings.Events)
            throw new InvalidOperationException($"Seeded {reader.GetInt64(1)} events, expected {settings.Events}.");
        return reader.GetInt64(0);
    }

    /// <summary>
    /// Times what each service runs every few seconds for its lag gauges and admin endpoint, with the whole log behind: the
    /// projection's progression is removed and the daemon's high-water mark kept (without it, nothing counts as behind).
    /// </summary>
    private static async Task ProbeStatusAsync(DocumentStore documents, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using (var rewind = dataSource.CreateCommand($"DELETE FROM {Schema}.mt_event_progression WHERE name LIKE '{BasketTallyProjection.ProjectionName}:%'"))
            await rewind.ExecuteNonQueryAsync(ct);
        var administration = Administration(documents, dataSource);
        var elapsed = Stopwatch.StartNew();
        var status = (await administration.StatusAsync(ct)).Single(s => s.Name == BasketTallyProjection.ProjectionName);
        Console.WriteLine($"status query (ProjectionAdministration.StatusAsync) with {status.EventsBehind:N0} events behind: {elapsed.Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>Status and skips only: no coordinator is needed, as nothing here rebuilds.</summary>
    private static ProjectionAdministration Administration(DocumentStore documents, NpgsqlDataSource dataSource) =>
        new(documents, null!, dataSource, new EventStoreOptions { Schema = Schema }, TimeProvider.System, NullLogger<ProjectionAdministration>.Instance);

    /// <summary>Empties the read model and every progression row (the high-water mark's too): each batch size starts as a new daemon on the log.</summary>
    private static async Task ResetAsync(DocumentStore documents, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await documents.Advanced.Clean.DeleteDocumentsByTypeAsync(typeof(BasketTally), ct);
        await using var reset = dataSource.CreateCommand($"DELETE FROM {Schema}.mt_event_progression");
        await reset.ExecuteNonQueryAsync(ct);
    }

    private sealed record Measured(string Row, bool Verified);

    private static async Task<Measured> MeasureAsync(
        DocumentStore documents, NpgsqlDataSource dataSource, CatchupSettings settings, int batchSize, long lastSequence, CancellationToken ct)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var sampler = new MemorySampler();
        var before = sampler.Baseline;
        var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu0 = CpuSample.Take();

        using var daemon = await documents.BuildProjectionDaemonAsync();
        var elapsed = Stopwatch.StartNew();
        await daemon.StartAllAsync();
        var lastReport = TimeSpan.Zero;
        var lastProgress = (Seq: 0L, At: TimeSpan.Zero);
        while (true)
        {
            var seq = await ProgressionAsync(documents, ct);
            if (seq >= lastSequence)
                break;
            if (seq != lastProgress.Seq)
                lastProgress = (seq, elapsed.Elapsed);
            else if (elapsed.Elapsed - lastProgress.At > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"The projection's progression has not moved for two minutes (at seq {seq} of {lastSequence}).");
            if (elapsed.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = elapsed.Elapsed;
                Console.WriteLine($"  batch {batchSize}: {elapsed.Elapsed.TotalSeconds,5:0} s, progression seq {seq:N0} / {lastSequence:N0}");
            }
            await Task.Delay(100, ct);
        }
        elapsed.Stop();
        var cpu = CpuSample.Since(cpu0);
        var peak = sampler.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        gcs = (GC.CollectionCount(0) - gcs.Item1, GC.CollectionCount(1) - gcs.Item2, GC.CollectionCount(2) - gcs.Item3);

        await daemon.StopAllAsync();
        var administration = Administration(documents, dataSource);
        var behind = (await administration.StatusAsync(ct)).Single(s => s.Name == BasketTallyProjection.ProjectionName).EventsBehind;
        var skips = (await administration.SkipsAsync(ct)).Count;
        var (views, items) = await ReadModelAsync(documents, ct);
        var verified = behind == 0 && views == settings.Streams && items == settings.Events;

        var eventsPerSecond = settings.Events / elapsed.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"batch {batchSize}: {settings.Events:N0} events in {elapsed.Elapsed.TotalSeconds:0.0} s = {eventsPerSecond:0} events/s; " +
            $"working set {Memory.Mib(before.WorkingSet):0} -> peak {Memory.Mib(peak.WorkingSet):0} MiB, GC heap {Memory.Mib(before.GcHeap):0} -> peak {Memory.Mib(peak.GcHeap):0} MiB " +
            $"(committed peak {Memory.Mib(peak.GcCommitted):0} MiB), allocated {allocated / (double)settings.Events:0} B/event, GCs {gcs.Item1}/{gcs.Item2}/{gcs.Item3}; " +
            $"CPU machine {cpu.MachineBusy:0}%, harness {cpu.Process:0}%; " +
            $"check: eventsBehind={behind}, {views:N0} views, sum(items)={items:N0} -> {(verified ? "OK" : "WRONG")}; high-water skips {skips}"));
        return new Measured(string.Create(CultureInfo.InvariantCulture,
            $"| {batchSize} | {settings.Events:N0} | {elapsed.Elapsed.TotalSeconds:0.0} | {eventsPerSecond:0} | {Memory.Mib(before.WorkingSet):0} / {Memory.Mib(peak.WorkingSet):0} | " +
            $"{Memory.Mib(before.GcHeap):0} / {Memory.Mib(peak.GcHeap):0} | {Memory.Mib(peak.GcCommitted):0} | {allocated / (double)settings.Events:0} | {gcs.Item1}/{gcs.Item2}/{gcs.Item3} | {cpu.MachineBusy:0}% | {cpu.Process:0}% |"),
            verified);
    }

    /// <summary>The last sequence the projection has applied: the lowest of its shards', as ProjectionAdministration reads it.</summary>
    private static async Task<long> ProgressionAsync(DocumentStore documents, CancellationToken ct)
    {
        var progress = await documents.Advanced.AllProjectionProgress(token: ct);
        return progress.Where(p => p.ShardName.StartsWith(BasketTallyProjection.ProjectionName + ":", StringComparison.Ordinal))
            .Select(p => p.Sequence).DefaultIfEmpty(0).Min();
    }

    private static async Task<(long Views, long Items)> ReadModelAsync(DocumentStore documents, CancellationToken ct)
    {
        await using var query = documents.QuerySession();
        var views = await query.Query<BasketTally>().CountAsync(ct);
        var items = views == 0 ? 0 : await query.Query<BasketTally>().SumAsync(x => x.Items, ct);
        return (views, items);
    }
}
