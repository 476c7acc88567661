using System.Data;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Takedown.EventStore;

namespace Takedown.ReuploadDetection.Banks;

public sealed class BankOptions
{
    /// <summary>Largest PDQ Hamming distance that counts as a match; 31 is the reference implementation's threshold.</summary>
    public int PdqMaxDistance { get; set; } = Takedown.Fingerprints.PdqHash.MatchThreshold;

    /// <summary>How often the feed looks for bank events committed by other transactions and replicas.</summary>
    public TimeSpan FeedPollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Body limit of the import endpoint only; every other endpoint keeps the service-wide limit.</summary>
    public long MaxImportBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Rows appended per transaction during an import, so a million-row file is not one giant transaction.</summary>
    public int ImportBatchRows { get; set; } = 1000;

    /// <summary>Rejected rows listed in an import's answer; the rest are only counted.</summary>
    public int MaxReportedErrors { get; set; } = 1000;
}

/// <summary>
/// Keeps <see cref="BankMatcher"/> current: at start-up it loads the bank catalogue (before the consumers start,
/// since hosted services start in order), then it polls the events table for new HashAdded and HashRemoved.
/// Like the projection daemon it reads in (tx_id, seq) order and only below pg_snapshot_xmin, so a transaction
/// that commits late is never skipped. Every replica runs its own feed: each one has its own matcher.
/// </summary>
public sealed partial class BankFeed(
    EventStore.EventStore store, EventStoreOptions storeOptions, BankMatcher matcher, IOptions<BankOptions> options, TimeProvider time, ILogger<BankFeed> logger)
    : BackgroundService
{
    private const int BatchSize = 5000;
    private ulong _checkpointTx;
    private long _checkpointSeq;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        // One snapshot for the horizon and the catalogue: every transaction below the horizon is in what is read,
        // and events at or above it are read again by the feed (applying them twice changes nothing).
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var horizon = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", connection, tx))
            _checkpointTx = ulong.Parse((string)(await horizon.ExecuteScalarAsync(ct))!, CultureInfo.InvariantCulture);
        _checkpointSeq = -1;

        // One index build at the end instead of a merge every few thousand hashes while the bank fills.
        using (matcher.BeginBulkLoad())
        {
            await using (var removals = new NpgsqlCommand($"SELECT bank, signal, value, version FROM {store.Schema}.bank_removals", connection, tx))
            await using (var reader = await removals.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    matcher.Remove(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
            }
            await using (var entries = new NpgsqlCommand($"SELECT bank, signal, value, content_id, label, source, version FROM {store.Schema}.bank_entries", connection, tx))
            await using (var reader = await entries.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    // The matcher keeps one copy of each bank, label and source and the bits of a hex value: these strings are transient.
                    matcher.Add(new BankEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.GetString(4), reader.GetString(5)), reader.GetInt64(6));
                }
            }
        }
        await tx.CommitAsync(ct);
        LogLoaded(store.Schema, matcher.Count);
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

    /// <summary>Applies the bank events committed since the last poll; returns how many it read.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        ulong horizon;
        await using (var read = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", connection))
            horizon = ulong.Parse((string)(await read.ExecuteScalarAsync(ct))!, CultureInfo.InvariantCulture);

        var count = 0;
        ulong lastTx = 0;
        long lastSeq = 0;
        await using (var read = new NpgsqlCommand(
            $"""
            SELECT e.seq, e.tx_id::text, e.version, e.type, e.data
            FROM {store.Schema}.events e
            WHERE (e.tx_id, e.seq) > (@tx::text::xid8, @seq) AND e.tx_id < @horizon::text::xid8
              AND e.type IN ('hash-added', 'hash-removed')
            ORDER BY e.tx_id, e.seq
            LIMIT @limit
            """, connection))
        {
            read.Parameters.AddWithValue("tx", _checkpointTx.ToString(CultureInfo.InvariantCulture));
            read.Parameters.AddWithValue("seq", _checkpointSeq);
            read.Parameters.AddWithValue("horizon", horizon.ToString(CultureInfo.InvariantCulture));
            read.Parameters.AddWithValue("limit", BatchSize);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                count++;
                lastSeq = reader.GetInt64(0);
                lastTx = ulong.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
                var version = reader.GetInt64(2);
                var data = reader.GetString(4);
                if (reader.GetString(3) == "hash-added")
                    matcher.Add(JsonSerializer.Deserialize<HashAdded>(data, storeOptions.Json)!, version);
                else
                    matcher.Remove(JsonSerializer.Deserialize<HashRemoved>(data, storeOptions.Json)!, version);
            }
        }
        if (count == BatchSize)
            (_checkpointTx, _checkpointSeq) = (lastTx, lastSeq);
        else if (horizon > _checkpointTx)
            // Everything below the horizon has been read; starting there skips the other streams' events for good.
            (_checkpointTx, _checkpointSeq) = (horizon, -1);
        return count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bank matcher of schema {Schema} loaded {Entries} entries from the catalogue")]
    private partial void LogLoaded(string schema, int entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bank feed of schema {Schema} failed; retrying")]
    private partial void LogPollFailed(Exception ex, string schema);
}
