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
    DateTimeOffset? FirstNotifiedAt,
    DateTimeOffset? AcknowledgedAt,
    IReadOnlyList<TimelineEntry> Timeline);

/// <param name="Channel">"trusted-flagger-portal", "email", "api" or "removal-order".</param>
/// <param name="Reference">The platform's ticket number, the e-mail's message id or the order's number.</param>
/// <param name="SentAt">When the notice went out; now when omitted.</param>
public sealed record NoticeRequest(string? Channel, string? Reference, DateTimeOffset? SentAt);

public sealed record AcknowledgementRequest(string? Reference, DateTimeOffset? AcknowledgedAt);

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
        cases.MapPost("/{contentId:guid}/notices", RecordNoticeAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record a notice sent to the platform (portal, e-mail, API or removal order). Honours If-Match.");
        cases.MapPost("/{contentId:guid}/acknowledgement", RecordAcknowledgementAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record that the platform acknowledged the notice. Honours If-Match.");
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

        var result = await ExecuteAsync(contentId, command!, http, store, PublishOutcomesAsync, ct);
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
            TakedownTelemetry.PlatformResponses.Add(1, new KeyValuePair<string, object?>("outcome", request.Outcome!.Trim().ToLowerInvariant()));
        return result;
    }

    private static Task<IResult> RecordNoticeAsync(
        Guid contentId, NoticeRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (request.Channel is not ("trusted-flagger-portal" or "email" or "api" or "removal-order"))
            errors["channel"] = ["One of: trusted-flagger-portal, email, api, removal-order."];
        if (string.IsNullOrWhiteSpace(request.Reference) || request.Reference.Length > 500)
            errors["reference"] = ["The platform's ticket, the e-mail's id or the order's number is required (at most 500 characters)."];
        if (request.SentAt > now.AddMinutes(5))
            errors["sentAt"] = ["Cannot be in the future."];
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(contentId, new SendNotice(contentId, request.Channel!, request.Reference!.Trim(), request.SentAt ?? now, now), http, store, null, ct);
    }

    private static Task<IResult> RecordAcknowledgementAsync(
        Guid contentId, AcknowledgementRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return request.AcknowledgedAt > now.AddMinutes(5)
            ? Task.FromResult(Results.ValidationProblem(new Dictionary<string, string[]> { ["acknowledgedAt"] = ["Cannot be in the future."] }))
            : ExecuteAsync(contentId, new AcknowledgeNotice(contentId, request.Reference?.Trim(), request.AcknowledgedAt ?? now, now), http, store, null, ct);
    }

    // The platform's answer is what downstream services act on: removals also feed the re-upload bank.
    // Also how the liveness monitor publishes the removals it confirms.
    internal static async Task PublishOutcomesAsync(EventSession session, CaseDecision decision, CancellationToken ct)
    {
        var state = decision.State;
        foreach (var e in decision.NewEvents)
        {
            switch (e)
            {
                case RemovalConfirmed removed:
                    await session.StageAsync(new TakedownConfirmed
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Source = removed.Source, RemovedAt = removed.RemovedAt,
                    }, ct);
                    break;
                case RemovalRejected rejected:
                    await session.StageAsync(new TakedownRejected
                    {
                        ContentId = state.ContentId, Platform = state.Platform!, CanonicalUrl = state.CanonicalUrl!,
                        Reason = rejected.Reason, RejectedAt = rejected.RejectedAt,
                    }, ct);
                    break;
            }
        }
    }

    /// <summary>
    /// One case command from HTTP: 404 for no case, 409 for a stale If-Match or a transition the case does not
    /// allow, otherwise the events and any published messages commit together and the case comes back with its ETag.
    /// </summary>
    private static async Task<IResult> ExecuteAsync(
        Guid contentId, CaseCommand command, HttpContext http, EventStore.EventStore store,
        Func<EventSession, CaseDecision, CancellationToken, Task>? publish, CancellationToken ct)
    {
        await using var session = await store.BeginAsync(http.ToEventContext(), ct);
        var existing = await session.AggregateAsync<TakedownCase, ICaseEvent>(TakedownCase.StreamId(contentId), TakedownCase.Initial(contentId), TakedownCase.Evolve, ct);
        if (!existing.Exists)
            return CaseNotFound(contentId);

        CaseDecision decision;
        try
        {
            decision = await CaseCommands.HandleAsync(session, command, http.Request.IfMatchVersion(), ct);
        }
        catch (InvalidCaseTransition invalid)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "That does not fit the case's current state.",
                detail: invalid.Message,
                extensions: new Dictionary<string, object?> { ["status"] = invalid.State.Status.ToString(), ["currentVersion"] = existing.Version });
        }
        if (publish is not null)
            await publish(session, decision, ct);
        await session.CommitAsync(ct);

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
        state.FirstReportedAt, state.RemovedAt, state.RejectionReason, state.Regime, state.DueAt, state.FirstNotifiedAt, state.AcknowledgedAt,
        [.. events.Select(e => new TimelineEntry(e.Version, e.Data.GetType().Name, e.OccurredAt, Describe(e.Data)))]);

    private static string Describe(object e) => e switch
    {
        ContentReported r => string.Create(CultureInfo.InvariantCulture, $"Report #{r.ReportNumber} by {r.ReporterOrganisation} of {r.CanonicalUrl} on {r.Platform}"),
        ContentClassified c => string.Create(CultureInfo.InvariantCulture, $"Classified {c.Category} ({c.Severity}, confidence {c.Confidence:0.00}) by {c.ModelVersion}"),
        ClassificationOverridden o => $"Analyst override: {o.Category} ({o.Severity}): {o.Reason}",
        NoticeSent n => $"Notice sent by {n.Channel}, reference {n.Reference}",
        PlatformAcknowledged a => a.Reference is null ? "Platform acknowledged the notice" : $"Platform acknowledged the notice, reference {a.Reference}",
        FingerprintsRecorded f => $"Fingerprinted: {string.Join(", ", f.Fingerprints.Select(x => x.Split(':')[0]))}",
        ReuploadLinked l => $"Re-upload of removed content {l.MatchedContentId} ({l.Signal})",
        RemovalConfirmed r => $"Removal confirmed by {r.Source}",
        RemovalRejected r => $"Platform refused removal: {r.Reason}",
        _ => e.GetType().Name,
    };
}
