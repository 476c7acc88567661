using Marten;
using Npgsql;
using Takedown.EventStore;
using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Reporting.Search.Elasticsearch;

/// <summary>Where the indexer stands against the event log (lag as a gauge too).</summary>
/// <param name="Sequence">The last event sequence the subscription committed.</param>
/// <param name="EventsBehind">Committed events after it (counted up to 100,000).</param>
public sealed record SearchIndexProgress(string Subscription, long Sequence, long EventsBehind, double SecondsBehind);

/// <param name="Index">The new concrete index the alias now points at.</param>
/// <param name="Removed">The indexes the alias left, now deleted.</param>
/// <param name="CaughtUp">Cases changed while the rebuild ran, written again through the alias afterwards.</param>
public sealed record ReindexResult(string Index, IReadOnlyList<string> Removed, int Cases, int Written, int Failures, int CaughtUp);

/// <summary>
/// Operator actions on the search index: the indexer's progress and failures, and a rebuild into a new index behind the
/// alias. A rebuild writes every case's current document into a fresh index, switches the alias to it in one request,
/// deletes the old one, then writes again every case the event log changed since the subscription's position read
/// before it began — what rewinding the subscription to that position would replay, done here so that it holds on
/// whichever node runs the daemon. Writes are idempotent by external version, so overlap with the live subscription is
/// harmless.
/// </summary>
public sealed class SearchIndexAdministration(
    IDocumentStore store, NpgsqlDataSource dataSource, EventStoreOptions eventStore, ElasticsearchIndexes indexes,
    SearchIndexWriter writer, TimeProvider time)
{
    private const int StreamsPerBulk = 200;
    private const int LagCountCap = 100_000;
    private readonly SemaphoreSlim _reindexing = new(1, 1);

    public async Task<SearchIndexProgress> ProgressAsync(CancellationToken ct)
    {
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        var sequence = progress.Where(p => p.ShardName.StartsWith(SearchIndexer.SubscriptionName + ":", StringComparison.Ordinal))
            .Select(p => p.Sequence).DefaultIfEmpty(0).Min();
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*), min(timestamp) FROM (SELECT timestamp FROM {eventStore.Schema}.mt_events WHERE seq_id > $1 ORDER BY seq_id LIMIT {LagCountCap}) behind");
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var seconds = reader.IsDBNull(1) ? 0 : Math.Max(0, (time.GetUtcNow() - new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)).TotalSeconds);
        return new SearchIndexProgress(SearchIndexer.SubscriptionName, sequence, reader.GetInt64(0), seconds);
    }

    /// <summary>The most recent failures first, and how many there are in all.</summary>
    public async Task<(long Total, IReadOnlyList<SearchIndexFailure> Latest)> FailuresAsync(int limit, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var total = await session.Query<SearchIndexFailure>().LongCountAsync(ct);
        var latest = await session.Query<SearchIndexFailure>().OrderByDescending(f => f.FailedAt).Take(limit).ToListAsync(ct);
        return (total, latest);
    }

    /// <summary>Null when a rebuild is already running on this node.</summary>
    public async Task<ReindexResult?> ReindexAsync(CancellationToken ct)
    {
        if (!await _reindexing.WaitAsync(0, ct))
            return null;
        try
        {
            var floor = (await ProgressAsync(ct)).Sequence;
            var index = indexes.NewContentIndexName(time.GetUtcNow());
            await indexes.CreateIndexAsync(index, withAlias: false, ct);

            var (cases, written, failures) = (0, 0, 0);
            await foreach (var batch in CaseStreamsAsync($"SELECT id FROM {eventStore.Schema}.mt_streams WHERE id LIKE 'case-%' ORDER BY id", null, ct))
            {
                var outcome = await WriteAsync(batch, index, ct);
                (cases, written, failures) = (cases + batch.Count, written + outcome.Written, failures + outcome.Failures.Count);
            }
            var removed = await indexes.SwitchAliasAsync(index, ct);
            foreach (var old in removed)
                await indexes.DeleteIndexAsync(old, ct);

            var caughtUp = 0;
            await foreach (var batch in CaseStreamsAsync(
                $"SELECT DISTINCT stream_id FROM {eventStore.Schema}.mt_events WHERE seq_id > $1 AND stream_id LIKE 'case-%' ORDER BY stream_id", floor, ct))
            {
                var outcome = await WriteAsync(batch, null, ct);
                caughtUp += batch.Count;
                failures += outcome.Failures.Count;
            }
            return new ReindexResult(index, removed, cases, written, failures, caughtUp);
        }
        finally
        {
            _reindexing.Release();
        }
    }

    private async Task<BulkOutcome> WriteAsync(IReadOnlyList<string> streams, string? index, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var documents = new List<ContentDocument>(streams.Count);
        await using (var query = store.QuerySession())
        {
            foreach (var stream in streams)
            {
                var events = await query.Events.FetchStreamAsync(stream, token: ct);
                if (events.Count > 0)
                    documents.Add(CaseSearchDocuments.Build(stream, events, _ => false, now).Content);
            }
        }
        var outcome = await writer.WriteAsync(documents, [], ct, index);
        if (outcome.Failures.Count > 0)
        {
            await using var session = store.LightweightSession();
            session.Store([.. outcome.Failures.Select(f => SearchIndexFailure.Of(f, now))]);
            await session.SaveChangesAsync(ct);
            foreach (var failure in outcome.Failures)
                SearchIndexer.IndexFailures.Add(1, new("target", failure.Target), new("error_type", failure.ErrorType ?? "unknown"));
        }
        return outcome;
    }

    private async IAsyncEnumerable<IReadOnlyList<string>> CaseStreamsAsync(
        string sql, long? floor, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (floor is { } value)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var batch = new List<string>(StreamsPerBulk);
        while (await reader.ReadAsync(ct))
        {
            batch.Add(reader.GetString(0));
            if (batch.Count == StreamsPerBulk)
            {
                yield return batch;
                batch = new List<string>(StreamsPerBulk);
            }
        }
        if (batch.Count > 0)
            yield return batch;
    }
}
