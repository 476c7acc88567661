using System.Globalization;
using System.Security.Claims;
using JasperFx;
using JasperFx.Events;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.Reporting.Cases;

public sealed record TimelineEntry(long Version, string Type, DateTimeOffset OccurredAt, string Summary);

/// <param name="Actor">Who wrote the event: an API key ("api-key:{name}@{organisation}"), a consumer or "reporting-sla-clock".</param>
public sealed record TimelineEvent(long Version, string Type, DateTimeOffset OccurredAt, string Actor, string Summary);

public sealed record CaseTimeline(Guid ContentId, long Version, IReadOnlyList<TimelineEvent> Events);

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
    IReadOnlyList<TimelineEntry> Timeline,
    DateTimeOffset? ClockStartsAt = null,
    bool Breached = false,
    int Escalations = 0,
    string? EscalatedTo = null,
    DateTimeOffset? ReinstatedAt = null,
    DateTimeOffset? ClosedAt = null,
    string? ClosedReason = null,
    string? Account = null);

/// <param name="Channel">"trusted-flagger-portal", "email", "api", "personal-contact" (a person at the platform, by messenger or
/// phone) or "removal-order".</param>
/// <param name="Reference">The platform's ticket number, the e-mail's message id, the conversation's reference or the order's number.</param>
/// <param name="SentAt">When the notice went out; now when omitted.</param>
/// <param name="OrderIssuedAt">Removal orders only: when the authority issued the order, which starts its clock; sentAt when omitted.</param>
/// <param name="IssuedBy">Removal orders only: the issuing authority (the statement of reasons names it as the source).</param>
public sealed record NoticeRequest(string? Channel, string? Reference, DateTimeOffset? SentAt, DateTimeOffset? OrderIssuedAt = null, string? IssuedBy = null)
{
    /// <summary>What is wrong with this notice, by field, at <paramref name="now"/>; empty when nothing is. Cases and accounts take the same notices.</summary>
    public Dictionary<string, string[]> Errors(DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (Channel is null || !NoticeChannels.All.Contains(Channel))
            errors["channel"] = [$"One of: {string.Join(", ", NoticeChannels.All)}."];
        if (string.IsNullOrWhiteSpace(Reference) || Reference.Length > 500)
            errors["reference"] = ["The platform's ticket, the e-mail's id or the order's number is required (at most 500 characters)."];
        RequestTimes.NotInTheFuture(errors, "sentAt", SentAt, now);
        if (OrderIssuedAt is not null && Channel != NoticeChannels.RemovalOrder)
            errors["orderIssuedAt"] = ["Only a removal order has an issue time."];
        else if (OrderIssuedAt > (SentAt ?? now) + RequestTimes.ClockSkew)
            errors["orderIssuedAt"] = ["An order is issued before it is recorded as sent."];
        if (IssuedBy is not null && Channel != NoticeChannels.RemovalOrder)
            errors["issuedBy"] = ["Only a removal order has an issuing authority."];
        else if (IssuedBy is not null && (string.IsNullOrWhiteSpace(IssuedBy) || IssuedBy.Length > 300))
            errors["issuedBy"] = ["The issuing authority's name, at most 300 characters."];
        return errors;
    }
}

/// <summary>Times a request may carry: the clocks of the liaison's machine and ours may differ by a few minutes.</summary>
internal static class RequestTimes
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static void NotInTheFuture(Dictionary<string, string[]> errors, string field, DateTimeOffset? value, DateTimeOffset now)
    {
        if (value > now + ClockSkew)
            errors[field] = ["Cannot be in the future."];
    }
}

public sealed record AcknowledgementRequest(string? Reference, DateTimeOffset? AcknowledgedAt);

/// <param name="Outcome">"removed" or "rejected".</param>
/// <param name="Reason">The platform's words; required for a rejection.</param>
/// <param name="RespondedAt">When the platform answered; now when omitted.</param>
public sealed record PlatformResponseRequest(string? Outcome, string? Reason, DateTimeOffset? RespondedAt);

/// <param name="To">Who should act, e.g. "analysts", "legal", "liaison-lead".</param>
public sealed record EscalationRequest(string? To, string? Reason, DateTimeOffset? EscalatedAt);

/// <param name="ReinstatedAt">When the content was seen up again; now when omitted.</param>
public sealed record ReinstatementRequest(DateTimeOffset? ReinstatedAt);

public sealed record ClosureRequest(string? Reason, DateTimeOffset? ClosedAt);

public static class CaseEndpoints
{
    private const int MaxTextLength = 2000;

    public static IEndpointRouteBuilder MapCases(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/v1/cases").WithTags("Cases");
        cases.MapGet("/{contentId:guid}", GetAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("A case: its status, classification, deadline and timestamped history. ETag is the stream version.");
        cases.MapGet("/{contentId:guid}/timeline", GetTimelineAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("The case's events in order: type, time, the actor who wrote each, and a summary. ETag is the stream version.");
        cases.MapPost("/{contentId:guid}/notices", RecordNoticeAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record a notice sent to the platform (portal, e-mail, API or removal order); the first starts the legal clock. Honours If-Match.");
        cases.MapPost("/{contentId:guid}/acknowledgement", RecordAcknowledgementAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record that the platform acknowledged the notice. Honours If-Match.");
        cases.MapPost("/{contentId:guid}/platform-response", RecordPlatformResponseAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record the platform's answer (removed, or rejected with its reason). Honours If-Match.");
        cases.MapPost("/{contentId:guid}/escalations", EscalateAsync)
            .RequireAuthorization(Policies.ManageCases)
            .WithSummary("Escalate the case to someone (to, reason). Honours If-Match.");
        cases.MapPost("/{contentId:guid}/reinstatements", ReinstateAsync)
            .RequireAuthorization(Policies.ManageCases)
            .WithSummary("Record that removed content is up again: the case reopens and the next notice starts a new clock. Honours If-Match.");
        cases.MapPost("/{contentId:guid}/closure", CloseAsync)
            .RequireAuthorization(Policies.ManageCases)
            .WithSummary("Close the case with a reason; only a new report reopens it. Honours If-Match.");
        return app;
    }

    private static async Task<IResult> GetAsync(Guid contentId, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        var current = await store.AggregateAsync(TakedownCase.Aggregate, TakedownCase.StreamId(contentId), ct);
        if (!current.Exists || !MayRead(http.User, current.State))
            return CaseNotFound(contentId);

        http.Response.Headers.ETag = HttpEventContext.ETag(current.Version);
        return Results.Ok(ToView(current.State, current.Version, current.Events));
    }

    private static async Task<IResult> GetTimelineAsync(Guid contentId, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        var current = await store.AggregateAsync(TakedownCase.Aggregate, TakedownCase.StreamId(contentId), ct);
        if (!current.Exists || !MayRead(http.User, current.State))
            return CaseNotFound(contentId);

        http.Response.Headers.ETag = HttpEventContext.ETag(current.Version);
        return Results.Ok(new CaseTimeline(contentId, current.Version,
            [.. current.Events.Select(e => new TimelineEvent(e.Version, e.Data.GetType().Name, e.Timestamp, e.Actor(), Describe(e.Data)))]));
    }

    private static async Task<IResult> RecordPlatformResponseAsync(
        Guid contentId, PlatformResponseRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var respondedAt = request.RespondedAt ?? now;
        var outcome = request.Outcome?.Trim().ToLowerInvariant();
        var errors = new Dictionary<string, string[]>();
        if (outcome is not ("removed" or "rejected"))
            errors["outcome"] = ["Must be \"removed\" or \"rejected\"."];
        else if (outcome == "rejected" && string.IsNullOrWhiteSpace(request.Reason))
            errors["reason"] = ["A rejection needs the platform's reason, verbatim."];
        RequestTimes.NotInTheFuture(errors, "respondedAt", request.RespondedAt, now);
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        CaseCommand command = outcome == "removed"
            ? new ConfirmRemoval(contentId, "platform", respondedAt, now)
            : new RejectRemoval(contentId, request.Reason!, respondedAt, now);
        var result = await ExecuteAsync(contentId, command, http, store, ct);
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
            TakedownTelemetry.PlatformResponses.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        return result;
    }

    private static Task<IResult> RecordNoticeAsync(
        Guid contentId, NoticeRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = request.Errors(now);
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(contentId, new SendNotice(contentId, request.Channel!, request.Reference!.Trim(), request.SentAt ?? now, now, request.OrderIssuedAt,
                request.IssuedBy?.Trim()), http, store, ct);
    }

    private static Task<IResult> RecordAcknowledgementAsync(
        Guid contentId, AcknowledgementRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        RequestTimes.NotInTheFuture(errors, "acknowledgedAt", request.AcknowledgedAt, now);
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(contentId, new AcknowledgeNotice(contentId, request.Reference?.Trim(), request.AcknowledgedAt ?? now, now), http, store, ct);
    }

    private static Task<IResult> EscalateAsync(
        Guid contentId, EscalationRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.To) || request.To.Length > 100)
            errors["to"] = ["Who should act is required (at most 100 characters), e.g. \"analysts\" or \"legal\"."];
        RequiredText(errors, "reason", request.Reason, "An escalation needs a reason");
        RequestTimes.NotInTheFuture(errors, "escalatedAt", request.EscalatedAt, now);
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(contentId, new Escalate(contentId, request.To!.Trim(), request.Reason!.Trim(), request.EscalatedAt ?? now, now), http, store, ct);
    }

    private static Task<IResult> ReinstateAsync(
        Guid contentId, ReinstatementRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        RequestTimes.NotInTheFuture(errors, "reinstatedAt", request.ReinstatedAt, now);
        // Who saw it up again; the API key itself is in the event's metadata.
        var source = http.User.IsInRole(Roles.Liaison) ? "liaison" : "analyst";
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(contentId, new ReinstateContent(contentId, source, request.ReinstatedAt ?? now, now), http, store, ct);
    }

    private static Task<IResult> CloseAsync(
        Guid contentId, ClosureRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        RequiredText(errors, "reason", request.Reason, "Closing a case needs a reason");
        RequestTimes.NotInTheFuture(errors, "closedAt", request.ClosedAt, now);
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(contentId, new CloseCase(contentId, request.Reason!.Trim(), request.ClosedAt ?? now, now), http, store, ct);
    }

    private static void RequiredText(Dictionary<string, string[]> errors, string field, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxTextLength)
            errors[field] = [$"{what} (at most {MaxTextLength} characters)."];
    }

    /// <summary>
    /// One case command from HTTP, the same for every write: 404 for no case; 412 for an If-Match that names no
    /// version; 409 with the case's status and version for a stale If-Match, a writer that raced this one, or a
    /// transition the case does not allow; otherwise the events and their messages commit together and the case comes
    /// back with its ETag.
    /// </summary>
    private static async Task<IResult> ExecuteAsync(Guid contentId, CaseCommand command, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        var streamId = TakedownCase.StreamId(contentId);
        var existing = await store.AggregateAsync(TakedownCase.Aggregate, streamId, ct);
        if (!existing.Exists)
            return CaseNotFound(contentId);
        if (!http.Request.TryReadIfMatch(out var ifMatch))
            return http.PreconditionFailed(existing.Version, new Dictionary<string, object?> { ["caseStatus"] = Status(existing.State) });

        Decided<TakedownCase, ICaseEvent> decided;
        try
        {
            await using var session = store.Begin(http.ToEventContext());
            decided = await CaseCommands.HandleAsync(session, command, ifMatch, ct);
            await session.CommitAsync(ct);
        }
        catch (ConcurrencyException)
        {
            var current = await store.AggregateAsync(TakedownCase.Aggregate, streamId, ct);
            return Conflict(http, current, "The case was changed by someone else.",
                $"If-Match was {ifMatch?.ToString(CultureInfo.InvariantCulture) ?? "absent"}, but the case is at version {current.Version}. Read it again and retry.");
        }
        catch (InvalidCaseTransition invalid)
        {
            // Read again for a status and version of the same moment (the write path does not return the version it refused at).
            return Conflict(http, await store.AggregateAsync(TakedownCase.Aggregate, streamId, ct), "That does not fit the case's current state.", invalid.Message);
        }

        var events = await store.ReadStreamAsync(streamId, ct);
        http.Response.Headers.ETag = HttpEventContext.ETag(decided.Version);
        return Results.Ok(ToView(decided.State, decided.Version, events));
    }

    // Issue 17: "status" is the HTTP status in a problem; the case's own is "caseStatus".
    private static IResult Conflict(HttpContext http, StreamState<TakedownCase> current, string title, string detail)
    {
        http.Response.Headers.ETag = HttpEventContext.ETag(current.Version);
        return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail,
            extensions: new Dictionary<string, object?> { ["caseStatus"] = Status(current.State), ["currentVersion"] = current.Version });
    }

    private static string Status(TakedownCase state) => state.Status.ToString().ToLowerInvariant();

    // Reporters see their own organisation's cases only; a case they may not see does not exist for them.
    internal static bool MayRead(ClaimsPrincipal user, TakedownCase state) =>
        user.SeesAllOrganisations() || state.ReporterOrganisations.Contains(user.Organisation());

    private static IResult CaseNotFound(Guid contentId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such case.", detail: $"No case exists for content {contentId}.");

    private static CaseView ToView(TakedownCase state, long version, IReadOnlyList<IEvent> events) => new(
        state.ContentId, version, Status(state), state.Platform, state.Url, state.CanonicalUrl,
        state.Category, state.Severity, state.Confidence, state.ReportIds.Count, [.. state.ReporterOrganisations], state.ReuploadOf,
        state.FirstReportedAt, state.RemovedAt, state.RejectionReason, state.Regime, state.DueAt, state.FirstNotifiedAt, state.AcknowledgedAt,
        [.. events.Select(e => new TimelineEntry(e.Version, e.Data.GetType().Name, e.Timestamp, Describe(e.Data)))],
        state.Clock.StartedAt,
        state.DeadlineBreached(), state.Escalations, state.EscalatedTo, state.ReinstatedAt, state.ClosedAt, state.ClosedReason, state.Account);

    private static string Describe(object e) => e switch
    {
        ContentReported r => string.Create(CultureInfo.InvariantCulture, $"Report #{r.ReportNumber} by {r.ReporterOrganisation} of {r.CanonicalUrl} on {r.Platform}"),
        ContentClassified c => string.Create(CultureInfo.InvariantCulture, $"Classified {c.Category} ({c.Severity}, confidence {c.Confidence:0.00}) by {c.ModelVersion}"),
        ClassificationOverridden o => $"Analyst override: {o.Category} ({o.Severity}): {o.Reason}",
        NoticeSent { OrderIssuedAt: { } issued } n => string.Create(CultureInfo.InvariantCulture, $"Notice sent by {n.Channel}, reference {n.Reference}, order issued {issued:u}"),
        NoticeSent n => $"Notice sent by {n.Channel}, reference {n.Reference}",
        PlatformAcknowledged a => a.Reference is null ? "Platform acknowledged the notice" : $"Platform acknowledged the notice, reference {a.Reference}",
        FingerprintsRecorded f => $"Fingerprinted: {string.Join(", ", f.Fingerprints.Select(x => x.Split(':')[0]).Distinct())}",
        ReuploadLinked l => $"Re-upload of removed content {l.MatchedContentId} ({l.Signal})",
        RemovalConfirmed r => $"Removal confirmed by {r.Source}",
        RemovalRejected r => $"Platform refused removal: {r.Reason}",
        Escalated x => $"Escalated to {x.To}: {x.Reason}",
        SlaBreached b => string.Create(CultureInfo.InvariantCulture, $"Deadline of {b.Regime} passed at {b.DueAt:u} with the content still up"),
        ContentReinstated r => $"Content up again, seen by {r.Source}",
        CaseClosed c => $"Closed: {c.Reason}",
        _ => e.GetType().Name,
    };
}
