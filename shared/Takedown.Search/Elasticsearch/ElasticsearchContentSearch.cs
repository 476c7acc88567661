using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Text;
using Takedown.Text;

namespace Takedown.Search.Elasticsearch;

/// <summary>
/// The analysts' search answered by Elasticsearch: full text over the normalised text (the project's Arabic-first
/// normaliser, then the template's Arabic analyzer) and the Arabic and English analyses of the original, filters as
/// term and range queries, highlights, paging; near-duplicates by PDQ (Hamming kNN on the bit vector, and the 16-bit
/// chunks for every hash beyond a document's first) and by text MinHash bands, re-ranked exactly.
/// </summary>
public sealed class ElasticsearchContentSearch(ElasticsearchClient client, ElasticsearchSettings settings) : IContentSearch
{
    public const string BackendName = "elasticsearch";

    private static readonly string[] TextFields = ["normalised_text", "normalised_text.en", "text.ar", "text.en"];
    private static readonly string[] HighlightFields = ["text.ar", "text.en", "normalised_text"];

    // Near-duplicates are re-ranked exactly on what Elasticsearch returns: ask for more than the caller wants.
    private const int CandidateFactor = 5;
    private const int MinimumCandidates = 50;

    public string Backend => BackendName;

    public async Task<SearchPage> SearchAsync(ContentQuery query, CancellationToken ct)
    {
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 100);
        var text = string.IsNullOrWhiteSpace(query.Text) ? null : TextNormalizer.Normalize(query.Text);
        var request = new SearchRequest(settings.ContentAlias)
        {
            Query = new Query { Bool = new BoolQuery
            {
                Must = text is null ? [new Query { MatchAll = new MatchAllQuery() }] : [new Query { MultiMatch = new MultiMatchQuery(text) { Fields = TextFields } }],
                Filter = Filters(query),
                MustNot = Exclusions(query),
            } },
            Sort = text is null
                ? [Newest()]
                : [new SortOptions { Score = new ScoreSort { Order = SortOrder.Desc } }, Newest()],
            From = (page - 1) * size,
            Size = size,
            TrackTotalHits = new TrackHits(true),
            Highlight = text is null ? null : new Highlight
            {
                Fields = HighlightFields.ToDictionary(f => (Field)f, _ => new HighlightField()),
                PreTags = ["<em>"],
                PostTags = ["</em>"],
            },
        };
        var response = await client.SearchAsync<ContentDocument>(request, ct);
        if (!response.IsValidResponse)
            throw ElasticsearchUnavailableException.From("Search", response);
        var items = response.Hits.Where(h => h.Source is not null).Select(h => new SearchHit(
            h.Source!, h.Score ?? 0,
            h.Highlight is null ? [] : [.. HighlightFields.SelectMany(f => h.Highlight.TryGetValue(f, out var fragments) ? fragments : []).Distinct()])).ToArray();
        return new SearchPage(items, page, size, response.Total, BackendName);
    }

    public async Task<IReadOnlyList<SimilarHit>> SimilarAsync(SimilarQuery query, CancellationToken ct)
    {
        var limit = Math.Clamp(query.Limit, 1, 100);
        var hits = new List<SimilarHit>();
        foreach (var hex in query.PdqHashes.Distinct(StringComparer.OrdinalIgnoreCase))
            hits.AddRange(await SimilarByPdqAsync(PdqHash.Parse(hex), query, limit, ct));
        if (!string.IsNullOrWhiteSpace(query.Text) && TextFingerprint.Of(query.Text) is { } fingerprint)
            hits.AddRange(await SimilarByTextAsync(fingerprint, query, limit, ct));
        // One hit per document: its nearest match.
        return [.. hits
            .GroupBy(h => h.Document.Id)
            .Select(g => g.OrderBy(h => h.Distance ?? int.MaxValue).ThenByDescending(h => h.Similarity ?? 0).First())
            .OrderBy(h => h.Distance ?? int.MaxValue).ThenByDescending(h => h.Similarity ?? 0).ThenBy(h => h.Document.Id, StringComparer.Ordinal)
            .Take(limit)];
    }

    private async Task<IEnumerable<SimilarHit>> SimilarByPdqAsync(PdqHash hash, SimilarQuery query, int limit, CancellationToken ct)
    {
        var candidates = Math.Max(MinimumCandidates, limit * CandidateFactor);
        var scope = Scope(query.Organisations);
        var request = new SearchRequest(settings.ContentAlias)
        {
            // Bit vectors compare by Hamming distance (l2_norm on bits); kNN sees each document's first hash.
            Knn = [new KnnSearch
            {
                Field = "pdq_vector",
                QueryVector = [.. BitVector(hash)],
                K = candidates,
                NumCandidates = Math.Max(candidates, 100),
                Filter = scope,
            }],
            // Every other hash, a video's frames: two hashes within 15 bits share a 16-bit chunk exactly.
            Query = new Query { Bool = new BoolQuery
            {
                Should = [new Query { Terms = new TermsQuery("pdq_chunks", new TermsQueryField([.. SearchFingerprints.Chunks(hash.ToHex()).Select(FieldValue.String)])) }],
                Filter = scope,
            } },
            Size = candidates,
        };
        var documents = await CandidatesAsync(request, ct);
        return documents
            .Select(d => (Document: d, Nearest: d.Pdq.Select(h => (Hash: h, Distance: PdqHash.TryParse(h, 0, out var p) ? hash.Distance(p) : int.MaxValue)).MinBy(m => m.Distance)))
            .Where(m => m.Nearest.Hash is not null && m.Nearest.Distance <= query.MaxDistance)
            .Select(m => new SimilarHit(m.Document, "pdq", hash.ToHex(), m.Nearest.Hash, m.Nearest.Distance, null));
    }

    private async Task<IEnumerable<SimilarHit>> SimilarByTextAsync(TextFingerprint fingerprint, SimilarQuery query, int limit, CancellationToken ct)
    {
        var request = new SearchRequest(settings.ContentAlias)
        {
            Query = new Query { Bool = new BoolQuery
            {
                Should = [new Query { Terms = new TermsQuery("text_minhash_bands", new TermsQueryField([.. fingerprint.LookupKeys().Select(FieldValue.String)])) }],
                MinimumShouldMatch = 1,
                Filter = Scope(query.Organisations),
            } },
            Size = Math.Max(MinimumCandidates, limit * CandidateFactor),
        };
        var documents = await CandidatesAsync(request, ct);
        return documents
            .Select(d => (Document: d, Similarity: TextFingerprintOf(d) is { } other ? fingerprint.Similarity(other) : 0))
            .Where(m => m.Similarity >= TextFingerprint.Threshold)
            .Select(m => new SimilarHit(m.Document, SearchFingerprints.TextMinhashSignal, "text", null, null, Math.Round(m.Similarity, 4)));
    }

    private async Task<IReadOnlyList<ContentDocument>> CandidatesAsync(SearchRequest request, CancellationToken ct)
    {
        var response = await client.SearchAsync<ContentDocument>(request, ct);
        if (!response.IsValidResponse)
            throw ElasticsearchUnavailableException.From("Similar search", response);
        return [.. response.Documents];
    }

    private static TextFingerprint? TextFingerprintOf(ContentDocument document)
    {
        var prefix = SearchFingerprints.TextMinhashSignal + ":";
        foreach (var fingerprint in document.Fingerprints)
            if (fingerprint.StartsWith(prefix, StringComparison.Ordinal) && TextFingerprint.TryParse(fingerprint[prefix.Length..], out var parsed))
                return parsed;
        return document.Text is { } text ? TextFingerprint.Of(text) : null;
    }

    /// <summary>The hash as the 32 signed bytes Elasticsearch takes for a 256-dimension bit vector.</summary>
    internal static IEnumerable<float> BitVector(PdqHash hash) => Convert.FromHexString(hash.ToHex()).Select(b => (float)(sbyte)b);

    private static SortOptions Newest() => new() { Field = new FieldSort("first_reported_at") { Order = SortOrder.Desc, UnmappedType = Elastic.Clients.Elasticsearch.Mapping.FieldType.Date } };

    private static ICollection<Query> Scope(IReadOnlyList<string>? organisations) => organisations is null
        ? []
        : [new Query { Terms = new TermsQuery("reporter_organisations", new TermsQueryField([.. organisations.Select(FieldValue.String)])) }];

    private static ICollection<Query> Filters(ContentQuery query)
    {
        var filters = new List<Query>(Scope(query.Organisations));
        void Term(string field, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                filters.Add(new Query { Term = new TermQuery(field, FieldValue.String(value)) });
        }
        Term("platform", query.Platform);
        Term("category", query.Category);
        Term("severity", query.Severity);
        Term("status", query.Status?.ToLowerInvariant());
        Term("account", query.Account);
        if (query.From is not null || query.To is not null)
            filters.Add(new Query { Range = new DateRangeQuery("first_reported_at")
            {
                Gte = query.From is { } from ? DateMath.Anchored(from.UtcDateTime) : null,
                Lt = query.To is { } to ? DateMath.Anchored(to.UtcDateTime) : null,
            } });
        if (query.Overdue == true)
            filters.Add(Overdue(query.Now));
        if (query.Reupload == true)
            filters.Add(new Query { Exists = new ExistsQuery("reupload_of") });
        return filters;
    }

    private static ICollection<Query> Exclusions(ContentQuery query)
    {
        var exclusions = new List<Query>();
        if (query.Overdue == false)
            exclusions.Add(Overdue(query.Now));
        if (query.Reupload == false)
            exclusions.Add(new Query { Exists = new ExistsQuery("reupload_of") });
        return exclusions;
    }

    /// <summary>A running deadline has passed with the content still up.</summary>
    private static Query Overdue(DateTimeOffset now) => new()
    {
        Bool = new BoolQuery
        {
            Filter =
            [
                new Query { Range = new DateRangeQuery("due_at") { Lt = DateMath.Anchored(now.UtcDateTime) } },
                new Query { Term = new TermQuery("content_up", FieldValue.True) },
            ],
        },
    };
}
