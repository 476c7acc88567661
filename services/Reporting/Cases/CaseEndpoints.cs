using System.Globalization;
using System.Security.Claims;
using Takedown.Contracts;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Cases;

public sealed record TimelineEntry(long Version, string Type, DateTimeOffset OccurredAt, string Summary);

public sealed record CaseView(
    Guid ContentId,
    long Version,
    string Status,
    string? Platform,
    string? Url,
    string? CanonicalUrl,
    string? Category,
    string? Severity,
    double? Confidence,
    int ReportCount,
    IReadOnlyList<string> ReporterOrganisations,
    IReadOnlyList<Guid> ReuploadOf,
    DateTimeOffset? FirstReportedAt,
    DateTimeOffset? RemovedAt,
    string? RejectionReason,
    string? Regime,
    DateTimeOffset? DueAt,
    IReadOnlyList<TimelineEntry> Timeline);

/// <param name="Outcome">"removed" or "rejected".</param>
/// <param name="Reason">The platform's words; required for a rejection.</param>
/// <param name="RespondedAt">When the platform answered; now when omitted.</param>
public sealed record PlatformResponseRequest(string? Outcome, string? Reason, DateTimeOffset? RespondedAt);

public static class CaseEndpoints
{
    public static IEndpointRouteBuilder MapCases(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/v1/cases").WithTags("Cases");
        cases.MapGet("/{contentId:guid}", GetAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("A case: its status, classification and timestamped history. ETag is the stream version.");
        cases.MapPost("/{contentId:guid}/platform-response", RecordPlatformResponseAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record the platform's answer (removed, or rejected with its reason). Honours If-Match.");
        return app;
    }

    private static async Task<IResult> GetAsync(Guid contentId, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        var current = await store.AggregateAsync<TakedownCase, ICaseEvent>(
            TakedownCase.StreamId(contentId), TakedownCase.Initial(contentId), TakedownCase.Evolve, ct);
        if (!current.Exists || !MayRead(http.User, current.State))
            return CaseNotFound(contentId);

        http.Response.Headers.ETag = $"\"{current.Version}\"";
        return Results.Ok(ToView(current.State, current.Version, current.Events));
    }

    private static async Task<IResult> RecordPlatformResponseAsync(
        Guid contentId, PlatformResponseRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var respondedAt = request.RespondedAt ?? now;
        var errors = new Dictionary<string, string[]>();
        CaseCommand? command = request.Outcome?.Trim().ToLowerInvariant() switch
        {
            "removed" => new ConfirmRemoval(contentId, "platform", respondedAt, now),
            "rejected" when !string.IsNullOrWhiteSpace(request.Reason) => new RejectRemoval(contentId, request.Reason, respondedAt, now),
            "rejected" => null,
            _ => null,
        };
        if (request.Outcome?.Trim().ToLowerInvariant() is not ("removed" or "rejected"))
            errors["outcome"] = ["Must be \"removed\" or \"rejected\"."];
        else if (command is null)
            errors["reason"] = ["A rejection needs the platform's reason, verbatim."];
        if (respondedAt > now.AddMinutes(5))
            errors["respondedAt"] = ["Cannot be in the future."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        await using var session = await store.BeginAsync(http.ToEventContext(), ct);
        var existing = await session.AggregateAsync<TakedownCase, ICaseEvent>(TakedownCase.StreamId(contentId), TakedownCase.Initial(contentId), TakedownCase.Evolve, ct);
        if (!existing.Exists)
            return CaseNotFound(contentId);

        CaseDecision decision;
        try
        {
            decision = await CaseCommands.HandleAsync(session, command!, http.Request.IfMatchVersion(), ct);
        }
        catch (InvalidCaseTransition invalid)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "That response does not fit the case's current state.",
                detail: invalid.Message,
                extensions: new Dictionary<string, object?> { ["status"] = invalid.State.Status.ToString(), ["currentVersion"] = existing.Version });
        }

        foreach (var e in decision.NewEvents)
        {
            switch (e)
            {
                case RemovalConfirmed removed:
                    await session.StageAsync(new TakedownConfirmed
                    {
                        ContentId = contentId, Platform = decision.State.Platform!, CanonicalUrl = decision.State.CanonicalUrl!,
                        Source = removed.Source, RemovedAt = removed.RemovedAt,
                    }, ct);
                    break;
                case RemovalRejected rejected:
                    await session.StageAsync(new TakedownRejected
                    {
                        ContentId = contentId, Platform = decision.State.Platform!, CanonicalUrl = decision.State.CanonicalUrl!,
                        Reason = rejected.Reason, RejectedAt = rejected.RejectedAt,
                    }, ct);
                    break;
            }
        }
        await session.CommitAsync(ct);
        TakedownTelemetry.PlatformResponses.Add(1, new KeyValuePair<string, object?>("outcome", request.Outcome!.Trim().ToLowerInvariant()));

        var events = await store.ReadStreamAsync(TakedownCase.StreamId(contentId), ct);
        http.Response.Headers.ETag = $"\"{decision.Version}\"";
        return Results.Ok(ToView(decision.State, decision.Version, events));
    }

    // Reporters see their own organisation's cases only; a case they may not see does not exist for them.
    private static bool MayRead(ClaimsPrincipal user, TakedownCase state) =>
        user.SeesAllOrganisations() || state.ReporterOrganisations.Contains(user.Organisation());

    private static IResult CaseNotFound(Guid contentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such case.", detail: $"No case exists for content {contentId}.");

    private static CaseView ToView(TakedownCase state, long version, IReadOnlyList<StoredEvent> events) => new(
        state.ContentId, version, state.Status.ToString().ToLowerInvariant(), state.Platform, state.Url, state.CanonicalUrl,
        state.Category, state.Severity, state.Confidence, state.ReportIds.Count, [.. state.ReporterOrganisations], state.ReuploadOf,
        state.FirstReportedAt, state.RemovedAt, state.RejectionReason, state.Regime, state.DueAt,
        [.. events.Select(e => new TimelineEntry(e.Version, e.Data.GetType().Name, e.OccurredAt, Describe(e.Data)))]);

    private static string Describe(object e) => e switch
    {
        ContentReported r => string.Create(CultureInfo.InvariantCulture, $"Report #{r.ReportNumber} by {r.ReporterOrganisation} of {r.CanonicalUrl} on {r.Platform}"),
        ContentClassified c => string.Create(CultureInfo.InvariantCulture, $"Classified {c.Category} ({c.Severity}, confidence {c.Confidence:0.00}) by {c.ModelVersion}"),
        ClassificationOverridden o => $"Analyst override: {o.Category} ({o.Severity}): {o.Reason}",
        FingerprintsRecorded f => $"Fingerprinted: {string.Join(", ", f.Fingerprints.Select(x => x.Split(':')[0]))}",
        ReuploadLinked l => $"Re-upload of removed content {l.MatchedContentId} ({l.Signal})",
        RemovalConfirmed r => $"Removal confirmed by {r.Source}",
        RemovalRejected r => $"Platform refused removal: {r.Reason}",
        _ => e.GetType().Name,
    };
}
