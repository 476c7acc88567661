using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Takedown.Benchmarks.Append;
using Takedown.EventStore;
using Takedown.EventStore.Projections;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Benchmarks.Catchup;

public sealed record CatchupSettings(int Events, int Streams, int[] BatchSizes, TimeSpan LagRefresh, bool Explain)
{
    public static CatchupSettings From(CommandLine args) => new(
        args.Int("events", 1_000_000), args.Int("streams", 10_000), args.Ints("batch-sizes", [1000, 5000]),
        TimeSpan.FromSeconds(args.Double("lag-refresh", 5)), args.Flag("explain"));
}

/// <summary>
/// Seeds N events straight into the store's tables, then times a <see cref="ProjectionDaemon"/> with one
/// async single-stream projection from start until its checkpoint reaches the last event, once per batch size.
/// </summary>
public static class CatchupBenchmark
{
    private const string Schema = "catchup";
    private const string ProjectionName = "basket-tally";
    private const int RowsPerSeedTransaction = 100_000;

    public static async Task<int> RunAsync(CatchupSettings settings, CancellationToken ct)
    {
        if (settings.Events % settings.Streams != 0)
            throw new ArgumentException("--events must be a multiple of --streams (every stream gets the same number of events).");

        await using var db = await BenchmarkDatabase.CreateAsync("takedown_bench_catchup", ct);
        var dataSource = db.CreateDataSource(maxPoolSize: 32);
        var options = new EventStoreOptions { Schema = Schema };
        options.Events.Map<ItemAdded>("item-added");
        options.Projections.Add(new BasketTallyProjection(Schema, options.Json), ProjectionLifecycle.Async);
        options.ReadModelMigrations.Add(BasketTallyProjection.Sql);
        var store = new Store(dataSource, options, TimeProvider.System, new OutboxSignal());
        await store.MigrateAsync(ct);

        Console.WriteLine($"# catchup — {Server.Describe()}");
        Console.WriteLine(await Server.DescribeAsync(dataSource, ct));
        Console.WriteLine($"database {db.Name}; {settings.Events:N0} events in {settings.Streams:N0} streams, interleaved (each seeded version runs across every stream); " +
            $"lag refresh every {settings.LagRefresh.TotalSeconds:0.#} s");

        var seeding = Stopwatch.StartNew();
        var last = await SeedAsync(dataSource, settings, ct);
        Console.WriteLine($"seeded in {seeding.Elapsed.TotalSeconds:0.0} s (including VACUUM ANALYZE); last event (tx {last.Tx}, seq {last.Seq})");
        await WaitForHorizonAsync(dataSource, last.Tx, ct);
        await ProbeQueriesAsync(store, dataSource, settings, last, ct);
        Console.WriteLine();

        var failed = false;
        var rows = new List<string>();
        foreach (var batchSize in settings.BatchSizes)
        {
            await ResetAsync(dataSource, ct);
            var result = await MeasureAsync(store, dataSource, settings, batchSize, last, ct);
            failed |= !result.Verified;
            rows.Add(result.Row);
        }

        Console.WriteLine();
        Console.WriteLine("| batch size | events | time s | events/s | working set MiB: before / peak (sampled) | GC heap MiB: before / peak | GC committed MiB peak | allocated B/event | gen0/1/2 GCs | machine CPU | harness CPU |");
        Console.WriteLine("|---:|---:|---:|---:|---|---|---:|---:|---|---:|---:|");
        rows.ForEach(Console.WriteLine);
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"process PeakWorkingSet64 at the end (whole run, seeding included): {Memory.Mib(process.PeakWorkingSet64):0} MiB");
        return failed ? 1 : 0;
    }

    private static async Task<(ulong Tx, long Seq)> SeedAsync(NpgsqlDataSource dataSource, CatchupSettings settings, CancellationToken ct)
    {
        var perStream = settings.Events / settings.Streams;
        var now = DateTimeOffset.UtcNow;
        await using (var streams = dataSource.CreateCommand(
            $"""
            INSERT INTO {Schema}.streams (id, type, version, created, updated)
            SELECT 'basket-' || s, 'basket', @version, @now, @now FROM generate_series(1, @streams) s
            """))
        {
            streams.Parameters.AddWithValue("version", (long)perStream);
            streams.Parameters.AddWithValue("now", now);
            streams.Parameters.AddWithValue("streams", settings.Streams);
            await streams.ExecuteNonQueryAsync(ct);
        }

        // One statement (and so one transaction, with its own tx_id) per slice of versions; rows ordered by version
        // then stream, so consecutive events belong to different streams, as concurrent cases would.
        var metadata = $$"""{"correlationId":"{{Guid.NewGuid()}}","causationId":"{{Guid.NewGuid()}}","actor":"benchmark","traceParent":null}""";
        var versionsPerTransaction = Math.Max(1, RowsPerSeedTransaction / settings.Streams);
        for (var from = 1; from <= perStream; from += versionsPerTransaction)
        {
            await using var insert = dataSource.CreateCommand(
                $"""
                INSERT INTO {Schema}.events (id, stream_id, version, type, data, metadata, occurred_at, hash)
                SELECT gen_random_uuid(), 'basket-' || s, v, 'item-added',
                       jsonb_build_object('name', 'item-' || v, 'quantity', 1), @metadata, @now,
                       sha256(convert_to('basket-' || s || ':' || v, 'UTF8'))
                FROM generate_series(@from, @to) v CROSS JOIN generate_series(1, @streams) s
                ORDER BY v, s
                """);
            insert.CommandTimeout = 600;
            insert.Parameters.Add(new NpgsqlParameter("metadata", NpgsqlDbType.Jsonb) { Value = metadata });
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("from", (long)from);
            insert.Parameters.AddWithValue("to", (long)Math.Min(perStream, from + versionsPerTransaction - 1));
            insert.Parameters.AddWithValue("streams", settings.Streams);
            await insert.ExecuteNonQueryAsync(ct);
        }

        // Leaves the table as autovacuum eventually would (hint bits set, statistics fresh), so that the first
        // measured batch size does not pay for that and the second not.
        await using (var vacuum = dataSource.CreateCommand($"VACUUM (ANALYZE) {Schema}.events, {Schema}.streams"))
        {
            vacuum.CommandTimeout = 600;
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        await using var lastEvent = dataSource.CreateCommand($"SELECT tx_id::text, seq, (SELECT count(*) FROM {Schema}.events) FROM {Schema}.events ORDER BY tx_id DESC, seq DESC LIMIT 1");
        await using var reader = await lastEvent.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetInt64(2) != settings.Events)
            throw new InvalidOperationException($"Seeded {reader.GetInt64(2)} events, expected {settings.Events}.");
        return (ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1));
    }

    /// <summary>The daemon reads only below the cluster-wide xmin horizon: a transaction left open anywhere would stall it.</summary>
    private static async Task WaitForHorizonAsync(NpgsqlDataSource dataSource, ulong lastTx, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            await using var command = dataSource.CreateCommand("SELECT pg_snapshot_xmin(pg_current_snapshot()) > @tx::text::xid8");
            command.Parameters.AddWithValue("tx", lastTx.ToString(CultureInfo.InvariantCulture));
            if ((bool)(await command.ExecuteScalarAsync(ct))!)
                return;
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException("A transaction somewhere in the cluster has been open for two minutes; the daemon cannot read past it.");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>
    /// Times, with the log still to do, the queries whose cost may grow with the backlog: the status query the
    /// runner repeats every LagRefresh, and the daemon's batch read (its SQL copied from ProjectionDaemon). The
    /// read is also timed with its ORDER BY naming the table's column: "tx_id" alone names the select list's
    /// tx_id::text, so the daemon sorts by text (and cannot use the (tx_id, seq) index).
    /// </summary>
    private static async Task ProbeQueriesAsync(Store store, NpgsqlDataSource dataSource, CatchupSettings settings, (ulong Tx, long Seq) last, CancellationToken ct)
    {
        var daemon = new ProjectionDaemon(store, TimeProvider.System, NullLogger<ProjectionDaemon>.Instance);
        var status = Stopwatch.StartNew();
        var behind = (await daemon.StatusAsync(ct)).Single(s => s.Name == ProjectionName).EventsBehind;
        Console.WriteLine($"status query (ProjectionDaemon.StatusAsync) with {behind:N0} events behind: {status.Elapsed.TotalMilliseconds:0} ms");

        const string daemonRead =
            $"""
            SELECT seq, tx_id::text, id, stream_id, version, type, data, occurred_at, metadata
            FROM {Schema}.events
            WHERE (tx_id, seq) > (@tx::text::xid8, @seq) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx_id, seq
            LIMIT @limit
            """;
        var columnOrder = daemonRead.Replace("ORDER BY tx_id, seq", "ORDER BY events.tx_id, seq", StringComparison.Ordinal);
        foreach (var batchSize in settings.BatchSizes)
        {
            foreach (var (label, fromSeq) in new[] { ("at the start", 0L), ("half-way", last.Seq / 2) })
            {
                var (fromTx, _) = await PositionOfAsync(dataSource, fromSeq, ct);
                foreach (var (variant, sql) in new[] { ("daemon's SQL", daemonRead), ("ORDER BY events.tx_id", columnOrder) })
                {
                    var read = Stopwatch.StartNew();
                    var rows = 0;
                    await using (var command = Read(sql))
                    await using (var reader = await command.ExecuteReaderAsync(ct))
                    {
                        while (await reader.ReadAsync(ct))
                            rows++;
                    }
                    Console.WriteLine($"batch read of {batchSize} {label}, {variant}: {rows} rows in {read.Elapsed.TotalMilliseconds:0.0} ms");
                    if (settings.Explain)
                    {
                        await using var explain = Read("EXPLAIN (ANALYZE, BUFFERS) " + sql);
                        await using var plan = await explain.ExecuteReaderAsync(ct);
                        while (await plan.ReadAsync(ct))
                            Console.WriteLine("    " + plan.GetString(0));
                    }
                }

                NpgsqlCommand Read(string text)
                {
                    var command = dataSource.CreateCommand(text);
                    command.Parameters.AddWithValue("tx", fromTx.ToString(CultureInfo.InvariantCulture));
                    command.Parameters.AddWithValue("seq", fromSeq);
                    command.Parameters.AddWithValue("limit", batchSize);
                    return command;
                }
            }
        }
    }

    private static async Task<(ulong Tx, long Seq)> PositionOfAsync(NpgsqlDataSource dataSource, long seq, CancellationToken ct)
    {
        if (seq == 0)
            return (0, 0);
        await using var command = dataSource.CreateCommand($"SELECT tx_id::text FROM {Schema}.events WHERE seq = @seq");
        command.Parameters.AddWithValue("seq", seq);
        return (ulong.Parse((string)(await command.ExecuteScalarAsync(ct))!, CultureInfo.InvariantCulture), seq);
    }

    private static async Task ResetAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var reset = dataSource.CreateCommand($"TRUNCATE {Schema}.basket_tally; DELETE FROM {Schema}.projection_checkpoints;");
        await reset.ExecuteNonQueryAsync(ct);
    }

    private sealed record Measured(string Row, bool Verified);

    private static async Task<Measured> MeasureAsync(
        Store store, NpgsqlDataSource dataSource, CatchupSettings settings, int batchSize, (ulong Tx, long Seq) last, CancellationToken ct)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var sampler = new MemorySampler();
        var before = sampler.Baseline;
        var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu0 = CpuSample.Take();

        var daemon = new ProjectionDaemon(store, TimeProvider.System, NullLogger<ProjectionDaemon>.Instance)
        {
            BatchSize = batchSize,
            LagRefresh = settings.LagRefresh,
        };
        var elapsed = Stopwatch.StartNew();
        await daemon.StartAsync(ct);
        var lastReport = TimeSpan.Zero;
        var lastProgress = (Seq: 0L, At: TimeSpan.Zero);
        while (true)
        {
            var (tx, seq) = await CheckpointAsync(dataSource, ct);
            if (tx == last.Tx && seq == last.Seq)
                break;
            if (seq != lastProgress.Seq)
                lastProgress = (seq, elapsed.Elapsed);
            else if (elapsed.Elapsed - lastProgress.At > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"The checkpoint has not moved for two minutes (at seq {seq} of {last.Seq}).");
            if (elapsed.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = elapsed.Elapsed;
                Console.WriteLine($"  batch {batchSize}: {elapsed.Elapsed.TotalSeconds,5:0} s, checkpoint seq {seq:N0} / {last.Seq:N0}");
            }
            await Task.Delay(100, ct);
        }
        elapsed.Stop();
        var cpu = CpuSample.Since(cpu0);
        var peak = sampler.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        gcs = (GC.CollectionCount(0) - gcs.Item1, GC.CollectionCount(1) - gcs.Item2, GC.CollectionCount(2) - gcs.Item3);

        var behind = (await daemon.StatusAsync(ct)).Single(s => s.Name == ProjectionName).EventsBehind;
        await daemon.StopAsync(CancellationToken.None);
        var (views, items) = await ReadModelAsync(dataSource, ct);
        var verified = behind == 0 && views == settings.Streams && items == settings.Events;

        var eventsPerSecond = settings.Events / elapsed.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"batch {batchSize}: {settings.Events:N0} events in {elapsed.Elapsed.TotalSeconds:0.0} s = {eventsPerSecond:0} events/s; " +
            $"working set {Memory.Mib(before.WorkingSet):0} -> peak {Memory.Mib(peak.WorkingSet):0} MiB, GC heap {Memory.Mib(before.GcHeap):0} -> peak {Memory.Mib(peak.GcHeap):0} MiB " +
            $"(committed peak {Memory.Mib(peak.GcCommitted):0} MiB), allocated {allocated / (double)settings.Events:0} B/event, GCs {gcs.Item1}/{gcs.Item2}/{gcs.Item3}; " +
            $"CPU machine {cpu.MachineBusy:0}%, harness {cpu.Process:0}%; " +
            $"check: eventsBehind={behind}, {views:N0} views, sum(items)={items:N0} -> {(verified ? "OK" : "WRONG")}"));
        return new Measured(string.Create(CultureInfo.InvariantCulture,
            $"| {batchSize} | {settings.Events:N0} | {elapsed.Elapsed.TotalSeconds:0.0} | {eventsPerSecond:0} | {Memory.Mib(before.WorkingSet):0} / {Memory.Mib(peak.WorkingSet):0} | " +
            $"{Memory.Mib(before.GcHeap):0} / {Memory.Mib(peak.GcHeap):0} | {Memory.Mib(peak.GcCommitted):0} | {allocated / (double)settings.Events:0} | {gcs.Item1}/{gcs.Item2}/{gcs.Item3} | {cpu.MachineBusy:0}% | {cpu.Process:0}% |"),
            verified);
    }

    private static async Task<(ulong Tx, long Seq)> CheckpointAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT tx_id::text, seq FROM {Schema}.projection_checkpoints WHERE name = @name");
        command.Parameters.AddWithValue("name", ProjectionName);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1)) : (0, 0);
    }

    private static async Task<(long Views, long Items)> ReadModelAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*), coalesce(sum(items), 0) FROM {Schema}.basket_tally");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
