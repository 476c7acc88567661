namespace Takedown.Search;

/// <summary>
/// The analysts' search, answered by Elasticsearch when one is configured, else by PostgreSQL's full-text search over
/// the same documents. Both backends pass one set of behaviour tests.
/// </summary>
public interface IContentSearch
{
    /// <summary>"elasticsearch" or "postgresql": which backend answered, for the response and the logs.</summary>
    string Backend { get; }

    Task<SearchPage> SearchAsync(ContentQuery query, CancellationToken ct);

    Task<IReadOnlyList<SimilarHit>> SimilarAsync(SimilarQuery query, CancellationToken ct);
}

/// <summary>A search; null filters are "any".</summary>
/// <param name="Text">Full text, Arabic-aware (normalised as the documents are); null lists by newest report.</param>
/// <param name="Organisations">Scope: only content reported by one of these organisations; null for every organisation
/// (analysts, liaisons). A reporter's key always sets it to the key's organisation.</param>
/// <param name="From">First reported at or after.</param>
/// <param name="To">First reported before.</param>
/// <param name="Overdue">True: a running deadline has passed with the content up (at <paramref name="Now"/>).</param>
/// <param name="Reupload">True: only re-uploads of removed content; false: none.</param>
public sealed record ContentQuery(
    string? Text = null,
    string? Platform = null,
    string? Category = null,
    string? Severity = null,
    string? Status = null,
    string? Account = null,
    IReadOnlyList<string>? Organisations = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    bool? Overdue = null,
    bool? Reupload = null,
    DateTimeOffset Now = default,
    int Page = 1,
    int PageSize = 20);

/// <param name="Highlights">Fragments of the text around the matched words, matches wrapped in &lt;em&gt;.</param>
public sealed record SearchHit(ContentDocument Document, double Score, IReadOnlyList<string> Highlights);

public sealed record SearchPage(IReadOnlyList<SearchHit> Items, int Page, int PageSize, long Total, string Backend);

/// <summary>Content near a PDQ hash (Hamming distance) or near-duplicate of a text (MinHash), scoped as <see cref="ContentQuery"/>.</summary>
public sealed record SimilarQuery(
    IReadOnlyList<string> PdqHashes,
    string? Text,
    int MaxDistance = 31,
    IReadOnlyList<string>? Organisations = null,
    int Limit = 20);

/// <param name="Signal">"pdq" or "text-minhash".</param>
/// <param name="Query">The query's hash (or "text") that matched.</param>
/// <param name="Matched">The document's hash that matched (PDQ hex), or null for text.</param>
/// <param name="Distance">PDQ: bits that differ (0–256).</param>
/// <param name="Similarity">Text: estimated Jaccard similarity of the word shingles (0–1).</param>
public sealed record SimilarHit(ContentDocument Document, string Signal, string Query, string? Matched, int? Distance, double? Similarity);
