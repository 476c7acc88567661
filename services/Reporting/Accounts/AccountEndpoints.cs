using System.Globalization;
using System.Security.Claims;
using JasperFx;
using JasperFx.Events;
using Marten;
using Takedown.EventStore;
using Takedown.Reporting.Cases;
using Takedown.ServiceDefaults.Auth;
using Takedown.ServiceDefaults.Http;

namespace Takedown.Reporting.Accounts;

/// <param name="Status">The case's status as the case list has it; null while the list has not caught up with the case.</param>
public sealed record AccountContentItem(Guid ContentId, string? CanonicalUrl, string? Status, string? Category, DateTimeOffset? RemovedAt);

public sealed record AccountView(
    string AccountId,
    long Version,
    string Status,
    string? Platform,
    DateTimeOffset? FirstReportedAt,
    IReadOnlyList<AccountContentItem> Content,
    int Notices,
    string? Regime,
    DateTimeOffset? DueAt,
    DateTimeOffset? ClockStartsAt,
    bool Breached,
    string? OutcomeReason,
    DateTimeOffset? OutcomeAt,
    IReadOnlyList<TimelineEvent> Timeline);

/// <param name="Outcome">"suspended", "restricted", "rejected" or "reinstated".</param>
/// <param name="Reason">The platform's words; required for a rejection.</param>
/// <param name="At">When the platform acted or answered; now when omitted.</param>
public sealed record AccountOutcomeRequest(string? Outcome, string? Reason, DateTimeOffset? At);

public static class AccountEndpoints
{
    private const int MaxPageSize = 200;
    private const int MaxTextLength = 2000;

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/v1/accounts").WithTags("Accounts");
        accounts.MapGet("", ListAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("Accounts content was reported from, newest first, filtered by platform and status; paged.");
        accounts.MapGet("/{id}", GetAsync)
            .RequireAuthorization(Policies.ReadCases)
            .WithSummary("An account (id as in x:someuser, x:id:783214): its content with each case's status, notices, outcomes, deadline and history. ETag is the stream version.");
        accounts.MapPost("/{id}/notices", RecordNoticeAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record a notice about the account (portal, e-mail, API, personal contact or removal order); the first starts its legal clock. Honours If-Match.");
        accounts.MapPost("/{id}/outcome", RecordOutcomeAsync)
            .RequireAuthorization(Policies.RecordPlatformResponses)
            .WithSummary("Record the platform's outcome for the account: suspended, restricted, rejected (with its reason) or reinstated. Honours If-Match.");
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, AccountSummaries summaries, string? platform, string? status, int? page, int? pageSize, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1) errors["page"] = ["Pages start at 1."];
        if (pageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"Between 1 and {MaxPageSize}."];
        var wanted = ParseStatus(status);
        if (status is not null && wanted is null)
            errors["status"] = [$"One of: {string.Join(", ", Listed.Select(s => s.ToString().ToLowerInvariant()))}."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);
        // Reporters see the accounts their own organisation reported content from, as with cases.
        var organisation = http.User.SeesAllOrganisations() ? null : http.User.Organisation();
        return Results.Ok(await summaries.ListAsync(new AccountFilter(platform?.ToLowerInvariant(), wanted, organisation), page ?? 1, pageSize ?? 50, ct));
    }

    private static readonly AccountStatus[] Listed = [.. Enum.GetValues<AccountStatus>().Where(s => s != AccountStatus.Unknown)];

    private static AccountStatus? ParseStatus(string? status) =>
        Listed.Where(s => string.Equals(s.ToString(), status, StringComparison.OrdinalIgnoreCase)).Select(s => (AccountStatus?)s).FirstOrDefault();

    private static async Task<IResult> GetAsync(string id, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        if (StreamIdOf(id) is not { } streamId)
            return AccountNotFound(id);
        var current = await store.AggregateAsync(PlatformAccount.Aggregate, streamId, ct);
        if (!current.Exists || !MayRead(http.User, current.State))
            return AccountNotFound(id);
        http.Response.Headers.ETag = HttpEventContext.ETag(current.Version);
        return Results.Ok(await ToViewAsync(http.User, store, current.State, current.Version, current.Events, ct));
    }

    private static Task<IResult> RecordNoticeAsync(
        string id, NoticeRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = request.Errors(now);
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(id, new SendAccountNotice(id, request.Channel!, request.Reference!.Trim(), request.SentAt ?? now, now, request.OrderIssuedAt,
                request.IssuedBy?.Trim()), http, store, ct);
    }

    private static Task<IResult> RecordOutcomeAsync(
        string id, AccountOutcomeRequest request, HttpContext http, EventStore.EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        AccountOutcome? outcome = Enum.GetValues<AccountOutcome>()
            .Where(o => string.Equals(o.ToString(), request.Outcome?.Trim(), StringComparison.OrdinalIgnoreCase)).Select(o => (AccountOutcome?)o).FirstOrDefault();
        if (outcome is null)
            errors["outcome"] = ["Must be \"suspended\", \"restricted\", \"rejected\" or \"reinstated\"."];
        else if (outcome == AccountOutcome.Rejected && string.IsNullOrWhiteSpace(request.Reason))
            errors["reason"] = ["A rejection needs the platform's reason, verbatim."];
        if (request.Reason is { Length: > MaxTextLength })
            errors["reason"] = [$"At most {MaxTextLength} characters."];
        RequestTimes.NotInTheFuture(errors, "at", request.At, now);
        return errors.Count > 0
            ? Task.FromResult(Results.ValidationProblem(errors))
            : ExecuteAsync(id, new RecordAccountOutcome(id, outcome!.Value, string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(), request.At ?? now, now),
                http, store, ct);
    }

    /// <summary>
    /// One account command from HTTP, as for cases: 404 for no account; 412 for an If-Match that names no version; 409
    /// with the account's status and version for a stale If-Match, a racing writer or a transition the account does not
    /// allow; otherwise the events commit and the account comes back with its ETag.
    /// </summary>
    private static async Task<IResult> ExecuteAsync(string id, AccountCommand command, HttpContext http, EventStore.EventStore store, CancellationToken ct)
    {
        if (StreamIdOf(id) is not { } streamId)
            return AccountNotFound(id);
        var existing = await store.AggregateAsync(PlatformAccount.Aggregate, streamId, ct);
        if (!existing.Exists)
            return AccountNotFound(id);
        if (!http.Request.TryReadIfMatch(out var ifMatch))
            return http.PreconditionFailed(existing.Version, new Dictionary<string, object?> { ["accountStatus"] = Status(existing.State) });

        Decided<PlatformAccount, IAccountEvent> decided;
        try
        {
            await using var session = store.Begin(http.ToEventContext());
            decided = await AccountCommands.HandleAsync(session, command, ifMatch, ct);
            await session.CommitAsync(ct);
        }
        catch (ConcurrencyException)
        {
            var current = await store.AggregateAsync(PlatformAccount.Aggregate, streamId, ct);
            return Conflict(http, current, "The account was changed by someone else.",
                $"If-Match was {ifMatch?.ToString(CultureInfo.InvariantCulture) ?? "absent"}, but the account is at version {current.Version}. Read it again and retry.");
        }
        catch (InvalidAccountTransition invalid)
        {
            return Conflict(http, await store.AggregateAsync(PlatformAccount.Aggregate, streamId, ct), "That does not fit the account's current state.", invalid.Message);
        }

        var events = await store.ReadStreamAsync(streamId, ct);
        http.Response.Headers.ETag = HttpEventContext.ETag(decided.Version);
        return Results.Ok(await ToViewAsync(http.User, store, decided.State, decided.Version, events, ct));
    }

    private static IResult Conflict(HttpContext http, StreamState<PlatformAccount> current, string title, string detail)
    {
        http.Response.Headers.ETag = HttpEventContext.ETag(current.Version);
        return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail,
            extensions: new Dictionary<string, object?> { ["accountStatus"] = Status(current.State), ["currentVersion"] = current.Version });
    }

    private static string? StreamIdOf(string id)
    {
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < id.Length - 1 && id.Length <= 250 ? PlatformAccount.StreamId(id) : null;
    }

    private static string Status(PlatformAccount state) => state.Status.ToString().ToLowerInvariant();

    // An account a reporter's organisation reported no content from does not exist for that reporter.
    private static bool MayRead(ClaimsPrincipal user, PlatformAccount state) =>
        user.SeesAllOrganisations() || state.ReporterOrganisations.Contains(user.Organisation());

    private static IResult AccountNotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such account.", detail: $"No content was reported from account {id}.");

    // Each content's status from the case list (one query however many posts), held to the cases the caller may read.
    private static async Task<AccountView> ToViewAsync(
        ClaimsPrincipal user, EventStore.EventStore store, PlatformAccount state, long version, IReadOnlyList<IEvent> events, CancellationToken ct)
    {
        await using var session = store.Query();
        var summaries = (await session.LoadManyAsync<CaseSummary>(ct, state.Content.Select(TakedownCase.StreamId).ToArray()))
            .ToDictionary(s => s.ContentId);
        var seesAll = user.SeesAllOrganisations();
        var organisation = seesAll ? null : user.Organisation();
        var reported = events.Select(e => e.Data).OfType<AccountContentReported>()
            .Where(r => seesAll || r.ReporterOrganisation == organisation)
            .DistinctBy(r => r.ContentId).ToList();
        // A reporter's view names only its own organisation's content: other content appears without its id.
        IReadOnlySet<Guid>? visible = seesAll ? null : reported.Select(r => r.ContentId).ToHashSet();
        var content = reported
            .Select(r => summaries.TryGetValue(r.ContentId, out var s)
                ? new AccountContentItem(r.ContentId, r.CanonicalUrl, s.Status.ToString().ToLowerInvariant(), s.Category, s.Case.RemovedAt)
                : new AccountContentItem(r.ContentId, r.CanonicalUrl, null, null, null));
        return new AccountView(
            state.AccountId!, version, Status(state), state.Platform, state.FirstReportedAt, [.. content], state.Notices, state.Regime, state.DueAt,
            state.Clock.StartedAt, state.DeadlineBreached(), state.OutcomeReason, state.OutcomeAt,
            [.. events.Select(e => new TimelineEvent(e.Version, e.Data.GetType().Name, e.Timestamp, e.Actor(), Describe(e.Data, visible)))]);
    }

    // For a reporter (visible is its organisation's content), other organisations' content is shown without its id,
    // URL or organisation: the account's history stays whole, the other reports stay theirs.
    private static string Describe(object e, IReadOnlySet<Guid>? visible) => e switch
    {
        AccountContentReported r when visible is null || visible.Contains(r.ContentId) =>
            $"Content {r.ContentId} ({r.CanonicalUrl}) reported by {r.ReporterOrganisation}",
        AccountContentReported => "Content reported by another organisation",
        AccountContentClassified c when visible is null || visible.Contains(c.ContentId) =>
            string.Create(CultureInfo.InvariantCulture, $"Content {c.ContentId} falls under {c.Regime} ({c.Allowed.TotalHours:0.##} h from notice)"),
        AccountContentClassified c => string.Create(CultureInfo.InvariantCulture, $"Other content falls under {c.Regime} ({c.Allowed.TotalHours:0.##} h from notice)"),
        AccountNoticeSent { OrderIssuedAt: { } issued } n => string.Create(CultureInfo.InvariantCulture, $"Notice sent by {n.Channel}, reference {n.Reference}, order issued {issued:u}"),
        AccountNoticeSent n => $"Notice sent by {n.Channel}, reference {n.Reference}",
        AccountSuspended s => s.Reason is null ? "Account suspended" : $"Account suspended: {s.Reason}",
        AccountRestricted r => r.Reason is null ? "Account restricted" : $"Account restricted: {r.Reason}",
        AccountActionRejected r => $"Platform refused to act on the account: {r.Reason}",
        AccountReinstated r => r.Reason is null ? "Account reinstated" : $"Account reinstated: {r.Reason}",
        AccountSlaBreached b => string.Create(CultureInfo.InvariantCulture, $"Deadline of {b.Regime} passed at {b.DueAt:u} with the account still up"),
        _ => e.GetType().Name,
    };
}
