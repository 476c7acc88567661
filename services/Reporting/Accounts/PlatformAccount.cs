using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Takedown.EventStore;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Sla;

namespace Takedown.Reporting.Accounts;

public enum AccountStatus
{
    /// <summary>No content reported from it yet: the account does not exist for anyone.</summary>
    Unknown,
    /// <summary>Content was reported from it and it is up.</summary>
    Open,
    Suspended,
    /// <summary>Access disabled short of suspension (geo-blocked, hidden): the platform acted, so the clock stops.</summary>
    Restricted,
    /// <summary>The platform refused to act on the account; it is up and its clock still runs.</summary>
    Rejected,
}

public enum AccountOutcome { Suspended, Restricted, Rejected, Reinstated }

public abstract record AccountCommand(string AccountId, DateTimeOffset Now);
public sealed record RecordAccountContent(AccountContentReported Reported, DateTimeOffset Now) : AccountCommand(Reported.AccountId, Now);
public sealed record RecordAccountContentTerms(string AccountId, Guid ContentId, ClockTerms Terms, DateTimeOffset ClassifiedAt, DateTimeOffset Now) : AccountCommand(AccountId, Now);
public sealed record SendAccountNotice(
    string AccountId, string Channel, string Reference, DateTimeOffset SentAt, DateTimeOffset Now, DateTimeOffset? OrderIssuedAt = null, string? IssuedBy = null)
    : AccountCommand(AccountId, Now);
/// <param name="Reason">Required for <see cref="AccountOutcome.Rejected"/>: the platform's answer.</param>
public sealed record RecordAccountOutcome(string AccountId, AccountOutcome Outcome, string? Reason, DateTimeOffset At, DateTimeOffset Now) : AccountCommand(AccountId, Now);

public sealed class InvalidAccountTransition(AccountCommand command, PlatformAccount state)
    : Exception($"{Describe(command)} is not allowed while the account is {state.Status.ToString().ToLowerInvariant()}.")
{
    private static string Describe(AccountCommand command) =>
        command is RecordAccountOutcome o ? $"Outcome {o.Outcome.ToString().ToLowerInvariant()}" : command.GetType().Name;
}

/// <summary>
/// An account, channel, page or group content was reported from: its content, the notices about the account itself, the
/// platform's outcomes, and the legal clock they run on (<see cref="LegalClock"/>, the same rule as a case's).
/// </summary>
/// <param name="Terms">Each content's legal terms; the account runs on the strictest of them (see <see cref="StrictestTerms"/>).</param>
/// <param name="OutcomeAt">When the latest outcome (suspension, restriction, rejection, reinstatement) happened.</param>
public sealed record PlatformAccount(
    string? AccountId,
    string? Platform,
    AccountStatus Status,
    ImmutableList<Guid> Content,
    ImmutableHashSet<Guid> ReportIds,
    ImmutableSortedSet<string> ReporterOrganisations,
    ImmutableDictionary<Guid, ClockTerms> Terms,
    LegalClock Clock,
    DateTimeOffset? FirstReportedAt,
    int Notices,
    string? OutcomeReason,
    DateTimeOffset? OutcomeAt)
{
    public const string StreamPrefix = "account-";

    public static readonly PlatformAccount Initial = new(
        null, null, AccountStatus.Unknown, [], [], ImmutableSortedSet.Create<string>(StringComparer.Ordinal), ImmutableDictionary<Guid, ClockTerms>.Empty,
        LegalClock.Unset, null, 0, null, null);

    /// <summary>The account as Marten folds it for the write path and the read models: <see cref="Initial"/>, then <see cref="Evolve"/>.</summary>
    public static readonly StreamAggregate<PlatformAccount, IAccountEvent> Aggregate = new(_ => Initial, Evolve);

    /// <summary>
    /// <c>account-{platform}-{rest}</c> for the account id <c>{platform}:{rest}</c> (<c>x:id:783214</c> → <c>account-x-id:783214</c>). Marten's
    /// stream ids are free text, so the rest keeps its ':'; the id is carried in every event, never parsed back from the stream id.
    /// </summary>
    public static string StreamId(string accountId)
    {
        var colon = accountId.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == accountId.Length - 1)
            throw new ArgumentException($"Not an account id: {accountId}", nameof(accountId));
        return $"{StreamPrefix}{accountId[..colon]}-{accountId[(colon + 1)..]}";
    }

    /// <summary>Up as far as Takedown knows: a running deadline can be missed.</summary>
    public bool AccountUp() => Status is AccountStatus.Open or AccountStatus.Rejected;

    [JsonIgnore]
    public string? Regime => Clock.Regime;

    [JsonIgnore]
    public DateTimeOffset? DueAt => Clock.Deadline()?.DueAt;

    public bool DeadlineBreached() => Clock.DeadlineBreached();

    public static IAccountEvent[] Decide(AccountCommand command, PlatformAccount state) => (command, state.Status) switch
    {
        (RecordAccountContent c, _) when state.ReportIds.Contains(c.Reported.ReportId) => [],
        (RecordAccountContent c, _) => [c.Reported],

        (RecordAccountContentTerms c, _) when state.Terms.TryGetValue(c.ContentId, out var known) && known == c.Terms => [],
        // Content reported before accounts had streams has none to link to.
        (RecordAccountContentTerms, AccountStatus.Unknown) => [],
        (RecordAccountContentTerms c, _) =>
            [new AccountContentClassified(c.AccountId, c.ContentId, c.Terms.Regime, c.Terms.Allowed, c.Terms.RemovalOrderRegime, c.Terms.RemovalOrderAllowed, c.ClassifiedAt)],

        (SendAccountNotice c, _) when state.AccountUp() =>
            [new AccountNoticeSent(c.AccountId, c.Channel, c.Reference, c.SentAt,
                c.Channel == NoticeChannels.RemovalOrder ? c.OrderIssuedAt ?? c.SentAt : null, c.Channel == NoticeChannels.RemovalOrder ? c.IssuedBy : null)],

        (RecordAccountOutcome { Outcome: AccountOutcome.Suspended }, AccountStatus.Suspended) => [],
        (RecordAccountOutcome { Outcome: AccountOutcome.Restricted }, AccountStatus.Restricted) => [],
        (RecordAccountOutcome { Outcome: AccountOutcome.Suspended or AccountOutcome.Restricted } c, AccountStatus.Restricted) => [Acted(c)],
        // Acted after the deadline: the breach is recorded with the outcome.
        (RecordAccountOutcome { Outcome: AccountOutcome.Suspended or AccountOutcome.Restricted } c, _)
            when state.AccountUp() && state.Clock.Deadline() is { } due && c.At > due.DueAt && !state.DeadlineBreached() =>
            [new AccountSlaBreached(c.AccountId, due.Regime, due.DueAt, c.Now > due.DueAt ? c.Now : due.DueAt), Acted(c)],
        (RecordAccountOutcome { Outcome: AccountOutcome.Suspended or AccountOutcome.Restricted } c, _) when state.AccountUp() => [Acted(c)],

        (RecordAccountOutcome { Outcome: AccountOutcome.Rejected } c, AccountStatus.Rejected) when c.Reason == state.OutcomeReason => [],
        (RecordAccountOutcome { Outcome: AccountOutcome.Rejected, Reason: { } reason } c, _) when state.AccountUp() =>
            [new AccountActionRejected(c.AccountId, reason, c.At)],

        (RecordAccountOutcome { Outcome: AccountOutcome.Reinstated } c, AccountStatus.Suspended or AccountStatus.Restricted) =>
            [new AccountReinstated(c.AccountId, c.Reason, c.At)],
        (RecordAccountOutcome { Outcome: AccountOutcome.Reinstated } c, AccountStatus.Open) when state.OutcomeAt == c.At => [],   // a retry

        _ => throw new InvalidAccountTransition(command, state),
    };

    private static IAccountEvent Acted(RecordAccountOutcome c) => c.Outcome == AccountOutcome.Suspended
        ? new AccountSuspended(c.AccountId, c.Reason, c.At)
        : new AccountRestricted(c.AccountId, c.Reason, c.At);

    public static PlatformAccount Evolve(PlatformAccount state, IAccountEvent e) => e switch
    {
        AccountContentReported r => state with
        {
            AccountId = r.AccountId,
            Platform = r.Platform,
            Status = state.Status == AccountStatus.Unknown ? AccountStatus.Open : state.Status,
            Content = state.Content.Contains(r.ContentId) ? state.Content : state.Content.Add(r.ContentId),
            ReportIds = state.ReportIds.Add(r.ReportId),
            ReporterOrganisations = state.ReporterOrganisations.Add(r.ReporterOrganisation),
            FirstReportedAt = state.FirstReportedAt ?? r.ReportedAt,
        },
        AccountContentClassified c => WithTerms(state, state.Terms.SetItem(c.ContentId, new ClockTerms(c.Regime, c.Allowed, c.RemovalOrderRegime, c.RemovalOrderAllowed))),
        AccountNoticeSent n => state with
        {
            Notices = state.Notices + 1,
            Clock = state.Clock.Noticed(n.SentAt, n.Channel == NoticeChannels.RemovalOrder ? n.OrderIssuedAt ?? n.SentAt : null),
        },
        AccountSuspended s => state with { Status = AccountStatus.Suspended, OutcomeReason = s.Reason, OutcomeAt = s.SuspendedAt },
        AccountRestricted r => state with { Status = AccountStatus.Restricted, OutcomeReason = r.Reason, OutcomeAt = r.RestrictedAt },
        AccountActionRejected r => state with { Status = AccountStatus.Rejected, OutcomeReason = r.Reason, OutcomeAt = r.RejectedAt },
        // Back up: the old deadline is spent; the next notice starts a fresh clock, as for reinstated content.
        AccountReinstated r => state with { Status = AccountStatus.Open, OutcomeReason = r.Reason, OutcomeAt = r.ReinstatedAt, Clock = state.Clock.Restarted() },
        AccountSlaBreached b => state with { Clock = state.Clock.BreachRecorded(b.DueAt) },
        _ => state,
    };

    private static PlatformAccount WithTerms(PlatformAccount state, ImmutableDictionary<Guid, ClockTerms> terms) =>
        state with { Terms = terms, Clock = state.Clock with { Terms = StrictestTerms(terms.Values) } };

    /// <summary>
    /// The account's terms: the shortest notice deadline and the shortest removal-order deadline among its content's, each
    /// with its regime. An account that posted one piece of terrorist content answers to that content's clock.
    /// </summary>
    public static ClockTerms? StrictestTerms(IEnumerable<ClockTerms> terms)
    {
        ClockTerms? notice = null, order = null;
        foreach (var t in terms)
        {
            if (notice is null || t.Allowed < notice.Allowed || (t.Allowed == notice.Allowed && string.CompareOrdinal(t.Regime, notice.Regime) < 0))
                notice = t;
            if (order is null || t.RemovalOrderAllowed < order.RemovalOrderAllowed
                || (t.RemovalOrderAllowed == order.RemovalOrderAllowed && string.CompareOrdinal(t.RemovalOrderRegime, order.RemovalOrderRegime) < 0))
                order = t;
        }
        return notice is null ? null : new ClockTerms(notice.Regime, notice.Allowed, order!.RemovalOrderRegime, order.RemovalOrderAllowed);
    }
}
