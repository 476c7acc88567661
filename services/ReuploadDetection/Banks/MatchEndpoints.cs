using Microsoft.Extensions.Options;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults.Auth;

namespace Takedown.ReuploadDetection.Banks;

public sealed record HashQuery(string? Signal, string? Hash);

/// <summary>What to look up: hashes of any signal, a text (fingerprinted as a submission's text is), a URL.</summary>
public sealed record MatchRequest(IReadOnlyList<HashQuery>? Hashes, string? Text, string? Url);

/// <param name="Hash">The queried value (for text: its fingerprint).</param>
/// <param name="MatchedHash">The banked value; differs from <paramref name="Hash"/> only for PDQ within the distance.</param>
/// <param name="ContentId">The removed content the hash came from (REMOVED bank); its case is /api/v1/cases/{contentId} in Reporting.</param>
public sealed record MatchFound(string Signal, string Hash, string MatchedHash, int Distance, string Bank, string Label, string Source, Guid? ContentId);

public sealed record MatchResponse(IReadOnlyList<MatchFound> Matches);

public static class MatchEndpoints
{
    private const int MaxHashes = 1000;
    private const int MaxTextLength = 20_000;

    public static IEndpointRouteBuilder MapMatching(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/match", Match)
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Banks")
            .WithSummary("Look hashes, a text or a URL up in every bank; PDQ hashes match within the configured distance.")
            .Produces<MatchResponse>()
            .ProducesValidationProblem();
        return app;
    }

    private static IResult Match(MatchRequest request, BankMatcher matcher, IOptions<BankOptions> options)
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
        if (errors.Count == 0 && queries.Count == 0)
            errors["hashes"] = ["Give at least one of hashes, text (with letters or digits) or url."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var matches = matcher.Match(queries, options.Value.PdqMaxDistance);
        return Results.Ok(new MatchResponse([.. matches.Select(m => new MatchFound(
            m.Signal, m.Value, m.Entry.Value, m.Distance, m.Entry.Bank, m.Entry.Label, m.Entry.Source, m.Entry.ContentId))]));
    }
}
