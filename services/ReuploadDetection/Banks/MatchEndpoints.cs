using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Takedown.Fingerprints.Media;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.ReuploadDetection.Banks;

public sealed record HashQuery(string? Signal, string? Hash);

/// <summary>An uploaded image or video: its media type and its bytes, base64-encoded (as a report's media).</summary>
public sealed record MatchMedia(string? ContentType, string? Data);

/// <summary>
/// What to look up: hashes of any signal, a text (fingerprinted as a submission's text is), a URL, an image (its
/// pdq and exact hashes) or a video (its vpdq frames and exact hashes).
/// </summary>
public sealed record MatchRequest(IReadOnlyList<HashQuery>? Hashes, string? Text, string? Url, MatchMedia? Image = null, MatchMedia? Video = null);

/// <param name="Hash">The queried value (for text: its fingerprint).</param>
/// <param name="MatchedHash">The banked value; differs from <paramref name="Hash"/> only for PDQ within the distance.</param>
/// <param name="ContentId">The removed content the hash came from (REMOVED bank).</param>
/// <param name="CaseUrl">That content's case, /api/v1/cases/{contentId} in Reporting.</param>
public sealed record MatchFound(string Signal, string Hash, string MatchedHash, int Distance, string Bank, string Label, string Source, Guid? ContentId, string? CaseUrl = null);

/// <param name="MediaHashes">The hashes computed from the uploaded image or video, as they were looked up.</param>
public sealed record MatchResponse(IReadOnlyList<MatchFound> Matches, IReadOnlyList<HashQuery>? MediaHashes = null);

public static class MatchEndpoints
{
    private const int MaxHashes = 1000;
    private const int MaxTextLength = 20_000;
    private const long MaxMediaBytes = 16 * 1024 * 1024;
    // An image and a video at the cap, base64-encoded, and the rest of the request.
    private const long MaxRequestBytes = 2 * (MaxMediaBytes * 4 / 3) + 1024 * 1024;

    public static IEndpointRouteBuilder MapMatching(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/match", Match)
            .RequireAuthorization(Policies.Analyse)
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes))
            .WithTags("Banks")
            .WithSummary("Look hashes, a text, a URL, an image or a video up in every bank; PDQ hashes match within the configured distance.")
            .Produces<MatchResponse>()
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> Match(MatchRequest request, BankMatcher matcher, MediaSignals media, IOptions<BankOptions> options, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var queries = new List<(string Signal, string Value)>();
        var hashes = request.Hashes ?? [];
        if (hashes.Count > MaxHashes)
            errors["hashes"] = [$"At most {MaxHashes} hashes per request."];
        for (var i = 0; i < hashes.Count && i < MaxHashes; i++)
        {
            if (Bank.Validate(hashes[i]?.Signal, hashes[i]?.Hash, null, null, out var hash) is { } error)
                errors[$"hashes[{i}]"] = [error];
            else
                queries.Add((hash.Signal, hash.Value));
        }
        if (request.Text is { Length: > MaxTextLength })
            errors["text"] = [$"At most {MaxTextLength} characters."];
        else
            queries.AddRange(Signals.OfText(request.Text).Select(f => (f.Signal, f.Value)));
        if (request.Url is not null)
        {
            if (Bank.Validate(Signals.Url, request.Url, null, null, out var url) is { } error)
                errors["url"] = [error];
            else
                queries.Add((url.Signal, url.Value));
        }
        var image = Decode(request.Image, "image", MediaSignals.IsImage, errors);
        var video = Decode(request.Video, "video", MediaSignals.IsVideo, errors);
        if (errors.Count == 0 && queries.Count == 0 && image is null && video is null)
            errors["hashes"] = ["Give at least one of hashes, text (with letters or digits), url, image or video."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        List<HashQuery>? mediaHashes = null;
        foreach (var (field, bytes, isVideo) in new[] { ("image", image, false), ("video", video, true) })
        {
            if (bytes is null)
                continue;
            mediaHashes ??= [];
            mediaHashes.Add(new HashQuery(Signals.MediaSha256, Convert.ToHexStringLower(SHA256.HashData(bytes))));
            mediaHashes.Add(new HashQuery(Signals.MediaMd5, Convert.ToHexStringLower(MD5.HashData(bytes))));
            try
            {
                mediaHashes.AddRange((await media.OfUploadAsync(bytes, isVideo, ct)).Select(f => new HashQuery(f.Signal, f.Value)));
            }
            catch (Exception e) when (e is UndecodableMediaException or MediaLimitExceededException)
            {
                errors[$"{field}.data"] = [e.Message];
            }
        }
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);
        // A low-quality image's hash is shown but not looked up, as in the pipeline.
        queries.AddRange((mediaHashes ?? []).Where(h => h.Signal != Signals.PdqLowQuality).Select(h => (h.Signal!, h.Hash!)));

        var matches = matcher.Match(queries, options.Value.PdqMaxDistance);
        return Results.Ok(new MatchResponse([.. matches.Select(m => new MatchFound(
            m.Signal, m.Value, m.Entry.Value, m.Distance, m.Entry.Bank, m.Entry.Label, m.Entry.Source, m.Entry.ContentId,
            m.Entry.ContentId is { } content ? $"/api/v1/cases/{content}" : null))], mediaHashes));
    }

    private static byte[]? Decode(MatchMedia? upload, string field, Func<string, bool> isKind, Dictionary<string, string[]> errors)
    {
        if (upload is null)
            return null;
        if (upload.ContentType is null || !isKind(upload.ContentType))
            errors[$"{field}.contentType"] = [$"A {field} media type such as {(field == "image" ? "image/jpeg" : "video/mp4")} is required."];
        byte[]? bytes = null;
        try
        {
            bytes = string.IsNullOrEmpty(upload.Data) ? null : Convert.FromBase64String(upload.Data);
        }
        catch (FormatException)
        {
        }
        if (bytes is null || bytes.Length == 0)
            errors[$"{field}.data"] = ["The bytes, base64-encoded, are required."];
        else if (bytes.Length > MaxMediaBytes)
            errors[$"{field}.data"] = [$"At most {MaxMediaBytes} bytes."];
        return bytes;
    }
}
