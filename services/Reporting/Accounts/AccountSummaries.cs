using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Marten.Linq;

namespace Takedown.Reporting.Accounts;

/// <summary>The account list's document: the account as the decider folds it, beside what the list filters and sorts on.</summary>
/// <param name="Version">The stream version <paramref name="Account"/> reflects.</param>
public sealed record AccountSummary(
    string Id,
    string AccountId,
    long Version,
    PlatformAccount Account,
    AccountStatus Status,
    string? Platform,
    string[] ReporterOrganisations,
    DateTimeOffset? FirstReportedAt)
{
    public static AccountSummary Of(string id, long version, PlatformAccount state) => new(
        id, state.AccountId ?? "", version, state, state.Status, state.Platform, [.. state.ReporterOrganisations], state.FirstReportedAt);
}

/// <summary>Folds each account stream into its <see cref="AccountSummary"/> with the decider's own Evolve.</summary>
public sealed class AccountSummaryProjection : SingleStreamProjection<AccountSummary, string>
{
    public const string ProjectionName = "account-summaries";

    public AccountSummaryProjection() => Name = ProjectionName;

    public override AccountSummary? Evolve(AccountSummary? snapshot, string id, IEvent e) => e.Data is IAccountEvent data
        ? AccountSummary.Of(id, e.Version, PlatformAccount.Evolve(snapshot?.Account ?? PlatformAccount.Initial, data))
        : snapshot;
}

/// <param name="Organisation">Only accounts content of this organisation's reports came from.</param>
public sealed record AccountFilter(string? Platform = null, AccountStatus? Status = null, string? Organisation = null);

/// <param name="ContentCount">Content reported from the account (every organisation's).</param>
public sealed record AccountListItem(
    string AccountId, long Version, string Status, string? Platform, int ContentCount, DateTimeOffset? FirstReportedAt,
    int Notices, string? Regime, DateTimeOffset? DueAt, bool Breached, DateTimeOffset? OutcomeAt);

public sealed record AccountPage(IReadOnlyList<AccountListItem> Items, int Page, int PageSize, long Total);

/// <summary>The account list read model (<see cref="AccountSummaryProjection"/>, async); answers trail the events by the projection's lag.</summary>
public sealed class AccountSummaries(EventStore.EventStore store)
{
    public static void Register(StoreOptions options)
    {
        options.Projections.Add(new AccountSummaryProjection(), ProjectionLifecycle.Async);
        options.Schema.For<AccountSummary>()
            .Duplicate(x => x.Status)
            .Duplicate(x => x.Platform)
            .Duplicate(x => x.FirstReportedAt);
    }

    /// <summary>Newest first report first.</summary>
    public async Task<AccountPage> ListAsync(AccountFilter filter, int page, int pageSize, CancellationToken ct)
    {
        await using var session = store.Query();
        var query = session.Query<AccountSummary>().Where(x => x.Status != AccountStatus.Unknown);
        if (filter.Platform is { } platform) query = query.Where(x => x.Platform == platform);
        if (filter.Status is { } status) query = query.Where(x => x.Status == status);
        if (filter.Organisation is { } organisation) query = query.Where(x => x.ReporterOrganisations.Contains(organisation));
        var summaries = await query.OrderBySql("first_reported_at DESC NULLS LAST").ThenBySql("id")
            .Stats(out var stats).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new AccountPage([.. summaries.Select(ToItem)], page, pageSize, stats.TotalResults);
    }

    private static AccountListItem ToItem(AccountSummary s) => new(
        s.AccountId, s.Version, s.Status.ToString().ToLowerInvariant(), s.Platform, s.Account.Content.Count, s.FirstReportedAt,
        s.Account.Notices, s.Account.Regime, s.Account.DueAt, s.Account.DeadlineBreached(), s.Account.OutcomeAt);
}
