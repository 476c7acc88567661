using System.Globalization;
using System.Text;
using Marten;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Text;
using Takedown.Search;
using Takedown.Text;
using C = Takedown.Reporting.Search.SearchDocuments.Columns;

namespace Takedown.Reporting.Search;

/// <summary>
/// The embedded search: PostgreSQL full-text search over the <see cref="SearchEntry"/> documents, the default when no
/// Elasticsearch is configured. Text is matched as the project's normaliser folds it (documents and queries alike), through
/// both the <c>arabic</c> and the <c>english</c> configurations; PDQ neighbours by exact Hamming distance in SQL; texts
/// by their MinHash band keys, then the fingerprints' own similarity.
/// </summary>
public sealed class PostgresContentSearch(IDocumentStore store) : IContentSearch
{
    public const string Name = "postgresql";

    // Fragments are joined with U+001E (split again in SQL, E'\x1e'): a control character, never text worth showing.
    private const string HeadlineOptions = "StartSel=<em>, StopSel=</em>, MaxFragments=3, MinWords=6, MaxWords=20, FragmentDelimiter=\"\u001e\"";

    public string Backend => Name;

    public async Task<SearchPage> SearchAsync(ContentQuery query, CancellationToken ct)
    {
        var text = query.Text is null ? "" : TextNormalizer.Normalize(query.Text);
        var filter = new SqlFilter(text);
        var where = Where(query, filter, text.Length > 0);
        var order = text.Length > 0 ? $"score DESC, {C.FirstReportedAt} DESC NULLS LAST, id" : $"{C.FirstReportedAt} DESC NULLS LAST, id";
        var table = Table();
        // The page first, then its highlights: ts_headline re-parses the text, so only for the rows shown.
        var sql = $"""
            WITH {TsQueries()},
            page AS (
                SELECT d.id, d.data, {C.FirstReportedAt}, {Score(text.Length > 0)} AS score, count(*) OVER () AS total
                FROM {table} d, q
                WHERE {where}
                ORDER BY {order}
                LIMIT ? OFFSET ?)
            SELECT row(page.data), row(json_build_object('score', page.score, 'total', page.total, 'highlights', {Highlights(text.Length > 0)}))
            FROM page, q
            ORDER BY {order}
            """;
        filter.Parameters.Add(query.PageSize);
        filter.Parameters.Add((query.Page - 1) * query.PageSize);

        await using var session = store.QuerySession();
        var rows = await session.AdvancedSql.QueryAsync<SearchEntry, Ranked>(sql, ct, [.. filter.Parameters]);
        var total = rows.Count > 0 ? rows[0].Item2.Total : query.Page > 1 ? await CountAsync(session, text, query, ct) : 0;
        return new SearchPage(
            [.. rows.Select(r => new SearchHit(r.Item1.Document, r.Item2.Score, r.Item2.Highlights ?? []))],
            query.Page, query.PageSize, total, Backend);
    }

    public async Task<IReadOnlyList<SimilarHit>> SimilarAsync(SimilarQuery query, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var hits = new List<SimilarHit>();
        if (query.PdqHashes.Count > 0)
            hits.AddRange(await NearestPdqAsync(session, query, ct));
        if (query.Text is { } text && TextFingerprint.Of(text) is { } fingerprint)
            hits.AddRange(await NearDuplicateTextAsync(session, fingerprint, query, ct));
        return hits;
    }

    /// <summary>Each document's closest PDQ hash to any of the query's, within the distance, closest first.</summary>
    private async Task<IEnumerable<SimilarHit>> NearestPdqAsync(IQuerySession session, SimilarQuery query, CancellationToken ct)
    {
        var filter = new SqlFilter(query.PdqHashes.Select(h => PdqHash.Parse(h).ToHex()).Distinct(StringComparer.Ordinal).ToArray());
        var scope = Scope(query.Organisations, filter);
        filter.Parameters.Add(query.MaxDistance);
        filter.Parameters.Add(query.Limit);
        var sql = $"""
            SELECT row(best.data), row(json_build_object('query', best.query, 'matched', best.matched, 'distance', best.distance))
            FROM (
                SELECT DISTINCT ON (d.id) d.id, d.data, q.hash AS query, h.hash AS matched, x.distance
                FROM {Table()} d
                CROSS JOIN LATERAL unnest(d.{C.Pdq}) AS h(hash)
                CROSS JOIN unnest(?::text[]) AS q(hash)
                CROSS JOIN LATERAL (SELECT bit_count(('x' || h.hash)::bit(256) # ('x' || q.hash)::bit(256))::int AS distance) x
                WHERE {scope}
                ORDER BY d.id, x.distance, q.hash, h.hash) best
            WHERE best.distance <= ?
            ORDER BY best.distance, best.id
            LIMIT ?
            """;
        var rows = await session.AdvancedSql.QueryAsync<SearchEntry, PdqNeighbour>(sql, ct, [.. filter.Parameters]);
        return rows.Select(r => new SimilarHit(r.Item1.Document, "pdq", r.Item2.Query, r.Item2.Matched, r.Item2.Distance, null));
    }

    /// <summary>Documents sharing a MinHash band (or the exact key) with the text, kept when their fingerprints are near-duplicates.</summary>
    private async Task<IEnumerable<SimilarHit>> NearDuplicateTextAsync(
        IQuerySession session, TextFingerprint fingerprint, SimilarQuery query, CancellationToken ct)
    {
        var filter = new SqlFilter(fingerprint.LookupKeys().ToArray());
        var scope = Scope(query.Organisations, filter);
        var sql = $"SELECT d.data FROM {Table()} d WHERE d.{C.TextMinhashBands} && ?::varchar[] AND {scope}";
        var candidates = await session.AdvancedSql.QueryAsync<SearchEntry>(sql, ct, [.. filter.Parameters]);
        return candidates
            .Select(c => (c.Document, Similarity: TextFingerprintOf(c.Document) is { } other ? fingerprint.Similarity(other) : 0))
            .Where(c => c.Similarity >= TextFingerprint.Threshold)
            .OrderByDescending(c => c.Similarity).ThenBy(c => c.Document.Id, StringComparer.Ordinal)
            .Take(query.Limit)
            .Select(c => new SimilarHit(c.Document, SearchFingerprints.TextMinhashSignal, "text", null, null, Math.Round(c.Similarity, 4)));
    }

    private static TextFingerprint? TextFingerprintOf(ContentDocument document) =>
        document.Fingerprints
            .Where(f => f.StartsWith(SearchFingerprints.TextMinhashSignal + ":", StringComparison.Ordinal))
            .Select(f => TextFingerprint.TryParse(f[(SearchFingerprints.TextMinhashSignal.Length + 1)..], out var parsed) ? parsed : null)
            .FirstOrDefault(f => f is not null);

    private async Task<long> CountAsync(IQuerySession session, string text, ContentQuery query, CancellationToken ct)
    {
        var filter = new SqlFilter(text);
        var where = Where(query, filter, text.Length > 0);
        var sql = $"WITH {TsQueries()} SELECT count(*) FROM {Table()} d, q WHERE {where}";
        return (await session.AdvancedSql.QueryAsync<long>(sql, ct, [.. filter.Parameters]))[0];
    }

    /// <summary>The conditions of a search, with their parameters appended to <paramref name="filter"/> in order.</summary>
    private static string Where(ContentQuery query, SqlFilter filter, bool hasText)
    {
        var conditions = new List<string>();
        if (hasText)
            conditions.Add("(" + string.Join(" OR ", SearchDocuments.TextConfigurations.Select(c => $"{TsVector(c)} @@ q.{c}")) + ")");
        Equal(conditions, filter, C.Platform, query.Platform);
        Equal(conditions, filter, C.Category, query.Category);
        Equal(conditions, filter, C.Severity, query.Severity);
        Equal(conditions, filter, C.Status, query.Status);
        Equal(conditions, filter, C.Account, query.Account);
        conditions.Add(Scope(query.Organisations, filter));
        if (query.From is { } from)
            conditions.Add(filter.Add($"{C.FirstReportedAt} >= ?", from.ToUniversalTime()));
        if (query.To is { } to)
            conditions.Add(filter.Add($"{C.FirstReportedAt} < ?", to.ToUniversalTime()));
        // Overdue as ContentDocument says: a deadline passed with the content up (stored by Reporting, not re-derived here).
        var overdue = $"({C.DueAt} IS NOT NULL AND {C.DueAt} < ? AND {C.ContentUp})";
        if (query.Overdue is { } isOverdue)
            conditions.Add(filter.Add(isOverdue ? overdue : $"NOT {overdue}", query.Now.ToUniversalTime()));
        if (query.Reupload is { } isReupload)
            conditions.Add(isReupload ? $"cardinality({C.ReuploadOf}) > 0" : $"coalesce(cardinality({C.ReuploadOf}), 0) = 0");
        return string.Join(" AND ", conditions);
    }

    private static void Equal(List<string> conditions, SqlFilter filter, string column, string? value)
    {
        if (value is not null)
            conditions.Add(filter.Add($"{column} = ?", value));
    }

    private static string Scope(IReadOnlyList<string>? organisations, SqlFilter filter) =>
        organisations is null ? "TRUE" : filter.Add($"d.{C.ReporterOrganisations} && ?::varchar[]", organisations.ToArray());

    private static string TsVector(string configuration) => $"to_tsvector('{configuration}'::regconfig, {SearchDocuments.NormalisedText})";

    /// <summary>The CTE "q": the (normalised) terms as a query in each configuration; its one parameter comes first.</summary>
    private static string TsQueries() =>
        "t AS (SELECT ?::text AS terms), q AS (SELECT "
        + string.Join(", ", SearchDocuments.TextConfigurations.Select(c => $"websearch_to_tsquery('{c}'::regconfig, t.terms) AS {c}"))
        + " FROM t)";

    private static string Score(bool hasText) => hasText
        ? "GREATEST(" + string.Join(", ", SearchDocuments.TextConfigurations.Select(c => $"ts_rank({TsVector(c)}, q.{c})")) + ")::float8"
        : "0::float8";

    /// <summary>
    /// Fragments around the matches, HTML-escaped with the matches in &lt;em&gt;: of the text as reported when a
    /// configuration finds the words in it, else of the normalised text (a spelling variant matches only there).
    /// </summary>
    private static string Highlights(bool hasText)
    {
        if (!hasText)
            return "ARRAY[]::text[]";
        var escaped = "replace(replace(replace(coalesce(page.data -> 'document' ->> '{0}', ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;')";
        var candidates = new[] { "text", "normalisedText" }
            .SelectMany(field => SearchDocuments.TextConfigurations.Select(c =>
                $"ts_headline('{c}'::regconfig, {string.Format(CultureInfo.InvariantCulture, escaped, field)}, q.{c}, '{HeadlineOptions}')"));
        return $"""
            (SELECT string_to_array(h, E'\x1e') FROM unnest(ARRAY[{string.Join(", ", candidates)}]) WITH ORDINALITY AS c(h, n)
             WHERE strpos(h, '<em>') > 0 ORDER BY n LIMIT 1)
            """;
    }

    private string Table() => store.Options.Schema.For<SearchEntry>();

    /// <summary>SQL conditions with Marten's positional "?" parameters, collected in order after the query's first.</summary>
    private sealed class SqlFilter(object first)
    {
        public List<object> Parameters { get; } = [first];

        public string Add(string condition, object value)
        {
            Parameters.Add(value);
            return condition;
        }
    }

    private sealed record Ranked(double Score, long Total, string[]? Highlights);

    private sealed record PdqNeighbour(string Query, string Matched, int Distance);
}
