using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;
using Takedown.Triage;
using Contracts = Takedown.Contracts;

namespace Takedown.Classification.Classify;

/// <param name="Category">One of the six content categories.</param>
/// <param name="Severity">P0 to P3.</param>
/// <param name="Reason">Why the analyst disagrees; kept verbatim on the case's timeline.</param>
public sealed record OverrideRequest(string? Category, string? Severity, string? Reason);

public sealed record OverrideResult(Guid ContentId, long Version, string Category, string Severity);

public static class ClassificationEndpoints
{
    public static IEndpointRouteBuilder MapClassifications(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/classifications/{contentId:guid}", async (Guid contentId, HttpContext http, EventStore.EventStore store, CancellationToken ct) =>
            {
                var events = await store.ReadStreamAsync(Classification.StreamId(contentId), ct);
                if (events.Count == 0)
                    return NotClassified(contentId);
                http.Response.Headers.ETag = HttpEventContext.ETag(events[^1].Version);
                return Results.Ok(events[^1].Data);
            })
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Classification")
            .WithSummary("The latest classification decision or override of a content item. ETag is the stream version.");

        app.MapPost("/api/v1/classifications/{contentId:guid}/override", OverrideAsync)
            .RequireAuthorization(Policies.Analyse)
            .WithTags("Classification")
            .WithSummary("An analyst replaces the category and severity, giving a reason. Honours If-Match.");
        return app;
    }

    private static async Task<IResult> OverrideAsync(
        Guid contentId, OverrideRequest request, HttpContext http, EventStore.EventStore store, LegalPolicy policy, TimeProvider time, CancellationToken ct)
    {
        var category = request.Category?.Trim().ToLowerInvariant();
        var severity = request.Severity?.Trim().ToUpperInvariant();
        var errors = new Dictionary<string, string[]>();
        if (category is null || !Contracts.ContentCategories.All.Contains(category))
            errors["category"] = [$"Must be one of: {string.Join(", ", Contracts.ContentCategories.All)}."];
        if (severity is null || !Contracts.Severities.All.Contains(severity))
            errors["severity"] = ["Must be one of: P0, P1, P2, P3."];
        if (string.IsNullOrWhiteSpace(request.Reason))
            errors["reason"] = ["An override needs the analyst's reason."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var stream = Classification.StreamId(contentId);
        if (!http.Request.TryReadIfMatch(out var expectedVersion))
        {
            var current = await store.AggregateAsync(Classification.Aggregate, stream, ct);
            return current.State.Category is null ? NotClassified(contentId) : http.PreconditionFailed(current.Version);
        }

        var command = new OverrideClassification(contentId, category!, severity!, request.Reason!.Trim(), http.User.Actor(), time.GetUtcNow());
        await using var session = store.Begin(http.ToEventContext());
        Decided<Classification, IClassificationEvent> decided;
        try
        {
            // A stale If-Match throws JasperFx.ConcurrencyException here or at commit: 409 from the problem-details handler.
            decided = await session.DecideAsync(Classification.Aggregate, stream, expectedVersion,
                state => Classification.Decide(command, state, policy), ct);
        }
        catch (NotClassified)
        {
            return NotClassified(contentId);
        }

        if (decided.NewEvents is [.., ClassificationOverridden overridden])
        {
            session.Stage(new Contracts.ClassificationOverridden
            {
                ContentId = overridden.ContentId,
                Category = overridden.Category,
                Severity = overridden.Severity,
                Reason = overridden.Reason,
                OverriddenBy = overridden.OverriddenBy,
                OverriddenAt = overridden.OverriddenAt,
                Regime = overridden.Regime,
                AllowedSeconds = (long)overridden.Allowed.TotalSeconds,
                RemovalOrderRegime = overridden.RemovalOrderRegime,
                RemovalOrderAllowedSeconds = (long)overridden.RemovalOrderAllowed.TotalSeconds,
            });
            await session.CommitAsync(ct);
        }

        http.Response.Headers.ETag = HttpEventContext.ETag(decided.Version);
        return Results.Ok(new OverrideResult(contentId, decided.Version, category!, severity!));
    }

    private static IResult NotClassified(Guid contentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not classified.", detail: $"Content {contentId} has no classification yet.");
}
