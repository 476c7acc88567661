using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Media;
using Takedown.Reporting.Cases;
using Takedown.Search;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;

namespace Takedown.Reporting.Search;

/// <param name="Highlights">Fragments of the text around the matched words: HTML-escaped, the matches in &lt;em&gt;.</param>
/// <param name="CaseUrl">The content's case in this service.</param>
public sealed record SearchItem(
    Guid ContentId, long Version, string? Url, string? CanonicalUrl, string? Platform, string? Account, string Status,
    string? Category, string? Severity, string? Regime, DateTimeOffset? DueAt, bool Breached, DateTimeOffset? FirstReportedAt,
    DateTimeOffset? RemovedAt, double? TimeToRemovalHours, long? Views, IReadOnlyList<Guid> ReuploadOf, string? Text,
    IReadOnlyList<string> Highlights, double Score, string CaseUrl);

/// <param name="Backend">"postgresql" or "elasticsearch": which one answered.</param>
public sealed record SearchResponse(IReadOnlyList<SearchItem> Items, int Page, int PageSize, long Total, string Backend);

/// <summary>An uploaded image: its media type and its bytes, base64-encoded (as ReuploadDetection's match takes it).</summary>
public sealed record SimilarImage(string? ContentType, string? Data);

/// <param name="Pdq">PDQ hashes, 64 hex digits, bare or as "pdq:{hex}".</param>
/// <param name="Text">A text whose near-duplicates are wanted (MinHash, as re-uploads are detected).</param>
/// <param name="MaxDistance">PDQ: most bits that may differ; 31 (PDQ's match threshold) by default.</param>
public sealed record SimilarRequest(IReadOnlyList<string>? Pdq, SimilarImage? Image, string? Text, int? MaxDistance, int? Limit);

/// <param name="Signal">"pdq" or "text-minhash".</param>
/// <param name="Query">The queried PDQ hash that matched, or "text".</param>
/// <param name="Matched">The content's PDQ hash that matched.</param>
/// <param name="Distance">PDQ: bits that differ.</param>
/// <param name="Similarity">Text: estimated Jaccard similarity of the word shingles (0–1).</param>
public sealed record SimilarItem(
    Guid ContentId, string Signal, string Query, string? Matched, int? Distance, double? Similarity, string CaseUrl, string? Url,
    string? Platform, string Status, string? Category, string? Severity, DateTimeOffset? FirstReportedAt, DateTimeOffset? RemovedAt,
    IReadOnlyList<Guid> ReuploadOf, string? Text);

/// <param name="ImageHash">The uploaded image's PDQ hash as it was looked up, "pdq:{hex}".</param>
public sealed record SimilarResponse(IReadOnlyList<SimilarItem> Items, string Backend, string? ImageHash = null);

public static class SearchEndpoints
{
    private const int MaxPageSize = 100;
    // Elasticsearch's index.max_result_window: no backend pages deeper, so neither does the API.
    private const int MaxResultWindow = 10_000;
    private const int MaxQueryLength = 500;
    private const int MaxTextLength = 20_000;
    private const int MaxHashes = 100;
    private const int MaxSimilarDistance = 64;
    private const int MaxLimit = 100;
    private const long MaxImageBytes = 16 * 1024 * 1024;
    private const long MaxRequestBytes = MaxImageBytes * 4 / 3 + 1024 * 1024;

    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder app)
    {
        var search = app.MapGroup("/api/v1/search").WithTags("Search");
        search.MapGet("", SearchAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("Full-text search of reported content (Arabic-aware), best match first (newest first without q), filtered by platform, "
                + "category, severity, status, account, organisation, report date, overdue and re-upload; highlighted and paged. "
                + "Reporters search their own organisation's content.")
            .Produces<SearchResponse>()
            .ProducesValidationProblem();
        search.MapPost("/similar", SimilarAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes))
            .WithSummary("Content near PDQ hashes or an image (Hamming distance), or near-duplicates of a text, with each one's case. "
                + "Reporters search their own organisation's content.")
            .Produces<SimilarResponse>()
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> SearchAsync(
        HttpContext http, IContentSearch backend, TimeProvider time, string? q, string? platform, string? category, string? severity,
        string? status, string? account, string? organisation, string? from, string? to, string? overdue, string? reupload,
        string? page, string? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (q is { Length: > MaxQueryLength })
            errors["q"] = [$"At most {MaxQueryLength} characters."];
        var pageNumber = Integer(page, "page", 1, 1, int.MaxValue, errors);
        var size = Integer(pageSize, "pageSize", 20, 1, MaxPageSize, errors);
        if (!errors.ContainsKey("page") && !errors.ContainsKey("pageSize") && (long)pageNumber * size > MaxResultWindow)
            errors["page"] = [$"Only the first {MaxResultWindow} results are paged; narrow the search."];
        var wantedStatus = status is null ? null : Enum.GetNames<CaseStatus>().Select(n => n.ToLowerInvariant()).FirstOrDefault(n => n == status.Trim().ToLowerInvariant());
        if (status is not null && wantedStatus is null)
            errors["status"] = [$"One of: {string.Join(", ", Enum.GetNames<CaseStatus>().Select(n => n.ToLowerInvariant()))}."];
        var since = QueryInstant.Parse(from, "from", endOfDay: false, required: false, errors);
        var until = QueryInstant.Parse(to, "to", endOfDay: true, required: false, errors);
        if (since is not null && until is not null && until <= since)
            errors["to"] = ["Must be after from."];
        var isOverdue = Flag(overdue, "overdue", errors);
        var isReupload = Flag(reupload, "reupload", errors);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var query = new ContentQuery(
            Text: string.IsNullOrWhiteSpace(q) ? null : q.Trim(),
            Platform: Blank(platform)?.ToLowerInvariant(),
            Category: Blank(category),
            Severity: Blank(severity)?.ToUpperInvariant(),
            Status: wantedStatus,
            Account: Blank(account),
            Organisations: Scope(http, Blank(organisation)),
            From: since,
            To: until,
            Overdue: isOverdue,
            Reupload: isReupload,
            Now: time.GetUtcNow(),
            Page: pageNumber,
            PageSize: size);
        var found = await backend.SearchAsync(query, ct);
        return Results.Ok(new SearchResponse([.. found.Items.Select(ToItem)], found.Page, found.PageSize, found.Total, found.Backend));
    }

    private static async Task<IResult> SimilarAsync(
        SimilarRequest request, HttpContext http, IContentSearch backend, MediaFingerprinter media, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var hashes = new List<string>();
        var pdq = request.Pdq ?? [];
        if (pdq.Count > MaxHashes)
            errors["pdq"] = [$"At most {MaxHashes} hashes."];
        for (var i = 0; i < pdq.Count && i < MaxHashes; i++)
        {
            var value = pdq[i]?.Trim() ?? "";
            value = value.StartsWith("pdq:", StringComparison.OrdinalIgnoreCase) ? value[4..] : value;
            if (PdqHash.TryParse(value, 0, out var hash))
                hashes.Add(hash.ToHex());
            else
                errors[$"pdq[{i}]"] = ["A PDQ hash is 64 hexadecimal digits, bare or as pdq:{hex}."];
        }
        if (request.Text is { Length: > MaxTextLength })
            errors["text"] = [$"At most {MaxTextLength} characters."];
        var image = Decode(request.Image, errors);
        if (errors.Count == 0 && hashes.Count == 0 && image is null && string.IsNullOrWhiteSpace(request.Text))
            errors["pdq"] = ["Give at least one of pdq, image or text."];
        if (request.MaxDistance is < 0 or > MaxSimilarDistance)
            errors["maxDistance"] = [$"Between 0 and {MaxSimilarDistance}."];
        if (request.Limit is < 1 or > MaxLimit)
            errors["limit"] = [$"Between 1 and {MaxLimit}."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        string? imageHash = null;
        if (image is not null)
        {
            try
            {
                var hashed = await media.HashImageAsync(image, ct);
                // As in the pipeline: a flat or tiny image's hash collides with unrelated images, so it decides nothing.
                if (!hashed.IsUsableForMatching)
                    errors["image.data"] = [$"The image's PDQ quality is {hashed.Quality}, below {PdqHash.MinimumUsefulQuality}: too flat or small to compare."];
                imageHash = hashed.Hash.ToHex();
                hashes.Add(imageHash);
            }
            catch (Exception e) when (e is UndecodableMediaException or MediaLimitExceededException)
            {
                errors["image.data"] = [e.Message];
            }
            catch (MediaToolUnavailableException e)
            {
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Images cannot be hashed here.", detail: e.Message);
            }
            if (errors.Count > 0)
                return Results.ValidationProblem(errors);
        }

        var query = new SimilarQuery(
            [.. hashes.Distinct(StringComparer.Ordinal)], string.IsNullOrWhiteSpace(request.Text) ? null : request.Text,
            request.MaxDistance ?? PdqHash.MatchThreshold, Scope(http, null), request.Limit ?? 20);
        var hits = await backend.SimilarAsync(query, ct);
        return Results.Ok(new SimilarResponse([.. hits.Select(ToItem)], backend.Backend, imageHash is null ? null : $"pdq:{imageHash}"));
    }

    /// <summary>Reporters are held to their own organisation whatever they ask for; others may narrow to one.</summary>
    private static IReadOnlyList<string>? Scope(HttpContext http, string? organisation) =>
        !http.User.SeesAllOrganisations() ? [http.User.Organisation()] : organisation is null ? null : [organisation];

    private static SearchItem ToItem(SearchHit hit)
    {
        var d = hit.Document;
        return new SearchItem(
            d.ContentId, d.Version, d.Url, d.CanonicalUrl, d.Platform, d.Account, d.Status, d.Category, d.Severity, d.Regime, d.DueAt,
            d.Breached, d.FirstReportedAt, d.RemovedAt, d.TimeToRemovalHours, d.Views, d.ReuploadOf, d.Text, hit.Highlights,
            Math.Round(hit.Score, 6), CaseUrl(d.ContentId));
    }

    private static SimilarItem ToItem(SimilarHit hit)
    {
        var d = hit.Document;
        return new SimilarItem(
            d.ContentId, hit.Signal, hit.Query, hit.Matched, hit.Distance, hit.Similarity, CaseUrl(d.ContentId), d.Url, d.Platform, d.Status,
            d.Category, d.Severity, d.FirstReportedAt, d.RemovedAt, d.ReuploadOf, d.Text);
    }

    private static string CaseUrl(Guid contentId) => $"/api/v1/cases/{contentId}";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static int Integer(string? text, string field, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        errors[field] = [max == int.MaxValue ? $"A whole number from {min}." : $"A whole number between {min} and {max}."];
        return fallback;
    }

    private static bool? Flag(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return null;
        if (bool.TryParse(text, out var value))
            return value;
        errors[field] = ["true or false."];
        return null;
    }

    private static byte[]? Decode(SimilarImage? upload, Dictionary<string, string[]> errors)
    {
        if (upload is null)
            return null;
        if (upload.ContentType is null || !upload.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
            errors["image.contentType"] = ["An image media type such as image/jpeg is required."];
        byte[]? bytes = null;
        try
        {
            bytes = string.IsNullOrEmpty(upload.Data) ? null : Convert.FromBase64String(upload.Data);
        }
        catch (FormatException)
        {
        }
        if (bytes is null || bytes.Length == 0)
            errors["image.data"] = ["The bytes, base64-encoded, are required."];
        else if (bytes.Length > MaxImageBytes)
            errors["image.data"] = [$"At most {MaxImageBytes} bytes."];
        return bytes;
    }
}
