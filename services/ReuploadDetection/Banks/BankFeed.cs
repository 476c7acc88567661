using System.Data;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Takedown.ReuploadDetection.Banks;

public sealed class BankOptions
{
    /// <summary>Largest PDQ Hamming distance that counts as a match; 31 is the reference implementation's threshold.</summary>
    public int PdqMaxDistance { get; set; } = Takedown.Fingerprints.PdqHash.MatchThreshold;

    /// <summary>How often the feed looks for bank events committed by other replicas (behind the daemon's high-water mark).</summary>
    public TimeSpan FeedPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Body limit of the import endpoint only; every other endpoint keeps the service-wide limit.</summary>
    public long MaxImportBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Rows appended per transaction during an import, so a million-row file is not one giant transaction.</summary>
    public int ImportBatchRows { get; set; } = 1000;

    /// <summary>Rejected rows listed in an import's answer; the rest are only counted.</summary>
    public int MaxReportedErrors { get; set; } = 1000;
}

/// <summary>
/// Keeps <see cref="BankMatcher"/> current on every replica: at start-up it loads the bank catalogue (before the
/// consumers start, since hosted services start in order), then it reads the bank events from <c>mt_events</c> in
/// sequence order, never past the async daemon's high-water mark. No event at or below the mark can still appear:
/// the daemon moves it over a gap in the sequence only once the gap's transaction has committed, or on evidence
/// that it rolled back. The mark is this schema's, so open transactions elsewhere in the cluster do not hold it back.
/// Every replica runs its own feed (each has its own matcher); the daemon keeping the mark runs on one of them.
/// </summary>
public sealed partial class BankFeed(
    EventStore.EventStore store, BankMatcher matcher, IOptions<BankOptions> options, TimeProvider time, ILogger<BankFeed> logger)
    : BackgroundService
{
    private const int BatchSize = 5000;
    private readonly ISerializer _serializer = store.Documents.Options.Serializer();
    private readonly string _added = EventTypeName<HashAdded>(store.Documents);
    private readonly string _removed = EventTypeName<HashRemoved>(store.Documents);
    private long _checkpoint;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        // One snapshot for the mark and the catalogue: every event at or below the mark had committed before the mark
        // was written, so the catalogue read here reflects it; events above it are read again by the feed (applying
        // them twice changes nothing).
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        _checkpoint = await HighWaterMarkAsync(connection, ct);
        await BankCatalogue.LoadAsync(connection, store.Schema, matcher, ct);
        await tx.CommitAsync(ct);
        LogLoaded(store.Schema, matcher.Count, _checkpoint);
    }

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (await PollAsync(stop) < BatchSize)
                    await Task.Delay(options.Value.FeedPollInterval, time, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogPollFailed(ex, store.Schema);
                try { await Task.Delay(TimeSpan.FromSeconds(1), time, stop); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>Applies the bank events committed since the last poll, up to the high-water mark; returns how many it read.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        var mark = await HighWaterMarkAsync(connection, ct);
        if (mark <= _checkpoint)
            return 0;

        var count = 0;
        var last = _checkpoint;
        await using (var read = new NpgsqlCommand(
            $"""
            SELECT seq_id, version, type, data FROM {store.Schema}.mt_events
            WHERE seq_id > $1 AND seq_id <= $2 AND type = ANY($3)
            ORDER BY seq_id
            LIMIT $4
            """, connection))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = _checkpoint });
            read.Parameters.Add(new NpgsqlParameter { Value = mark });
            read.Parameters.Add(new NpgsqlParameter { Value = new[] { _added, _removed } });
            read.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                count++;
                last = reader.GetInt64(0);
                IBankEvent e = reader.GetString(2) == _added ? _serializer.FromJson<HashAdded>(reader, 3) : _serializer.FromJson<HashRemoved>(reader, 3);
                matcher.Apply(e, reader.GetInt64(1));
            }
        }
        // A full batch stops short of the mark; otherwise everything up to the mark has been read.
        _checkpoint = count == BatchSize ? last : mark;
        return count;
    }

    /// <summary>The daemon's high-water mark (0 before it first ran), from the row it keeps in <c>mt_event_progression</c>.</summary>
    private async Task<long> HighWaterMarkAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand($"SELECT last_seq_id FROM {store.Schema}.mt_event_progression WHERE name = $1", connection);
        read.Parameters.Add(new NpgsqlParameter { Value = ShardState.HighWaterMark });
        return await read.ExecuteScalarAsync(ct) as long? ?? 0;
    }

    private static string EventTypeName<TEvent>(IDocumentStore documents) =>
        documents.Options.Events.AllKnownEventTypes().Single(t => t.EventType == typeof(TEvent)).EventTypeName;

    [LoggerMessage(Level = LogLevel.Information, Message = "Bank matcher of schema {Schema} loaded {Entries} entries from the catalogue, up to event {HighWaterMark}")]
    private partial void LogLoaded(string schema, int entries, long highWaterMark);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bank feed of schema {Schema} failed; retrying")]
    private partial void LogPollFailed(Exception ex, string schema);
}
