using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Marten.Linq;

namespace Takedown.Reporting.Cases;

/// <summary>
/// The case list's document: the case as the decider folds it (so the list can never disagree with the case), beside
/// what the list, the SLA clock, the gauge and the statistics filter, sort and count on.
/// </summary>
/// <param name="Version">The stream version <paramref name="Case"/> reflects.</param>
/// <param name="ContentUp">The decider's <see cref="TakedownCase.ContentUp"/>: only then can a deadline be missed.</param>
/// <param name="Breached">A breach of the governing deadline is on record.</param>
public sealed record CaseSummary(
    string Id,
    Guid ContentId,
    long Version,
    TakedownCase Case,
    CaseStatus Status,
    bool ContentUp,
    string? Platform,
    string? Category,
    string? Severity,
    string[] ReporterOrganisations,
    int ReportCount,
    DateTimeOffset? FirstReportedAt,
    DateTimeOffset? DueAt,
    bool Breached)
{
    public static CaseSummary Of(string id, long version, TakedownCase state) => new(
        id, state.ContentId, version, state, state.Status, state.ContentUp(), state.Platform, state.Category, state.Severity,
        [.. state.ReporterOrganisations], state.ReportIds.Count, state.FirstReportedAt, state.DueAt, state.DeadlineBreached());
}

/// <summary>Folds each case stream into its <see cref="CaseSummary"/> with the decider's own Evolve.</summary>
public sealed class CaseSummaryProjection : SingleStreamProjection<CaseSummary, string>
{
    public const string ProjectionName = "case-summaries";

    public CaseSummaryProjection() => Name = ProjectionName;

    public override CaseSummary? Evolve(CaseSummary? snapshot, string id, IEvent e) => e.Data is ICaseEvent data
        ? CaseSummary.Of(id, e.Version, TakedownCase.Evolve(snapshot?.Case ?? TakedownCase.Aggregate.Initial(id), data))
        : snapshot;
}

/// <summary>What the case list filters on; null is "any".</summary>
/// <param name="Overdue">True: a running deadline has passed; false: none has.</param>
/// <param name="DueBefore">A running deadline falls before this instant.</param>
public sealed record CaseFilter(
    CaseStatus? Status = null, string? Platform = null, string? Category = null, string? Severity = null, string? Organisation = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, bool? Overdue = null, DateTimeOffset? DueBefore = null, string? Account = null);

public sealed record CaseListItem(
    Guid ContentId, long Version, string Status, string? Category, string? Severity, string? Platform, string? CanonicalUrl,
    int ReportCount, IReadOnlyList<string> ReporterOrganisations, DateTimeOffset? FirstReportedAt, DateTimeOffset? RemovedAt,
    string? Regime, DateTimeOffset? DueAt, bool Breached, string? Account = null);

public sealed record CasePage(IReadOnlyList<CaseListItem> Items, int Page, int PageSize, long Total);

/// <summary>A case whose URL the liveness monitor watches: while its content is up, or once it was removed.</summary>
public sealed record LivenessCandidate(Guid ContentId, string CanonicalUrl, bool Removed);

/// <summary>
/// The case list read model (<see cref="CaseSummaryProjection"/>, async) and every question asked of it. Answers trail
/// the events by the projection's lag; the write path never reads them.
/// </summary>
public sealed class CaseSummaries(EventStore.EventStore store)
{
    public static void Register(StoreOptions options)
    {
        options.Projections.Add(new CaseSummaryProjection(), ProjectionLifecycle.Async);
        options.Schema.For<CaseSummary>()
            .Duplicate(x => x.Status)
            .Duplicate(x => x.Platform)
            .Duplicate(x => x.FirstReportedAt)
            .Duplicate(x => x.DueAt);
    }

    /// <summary>
    /// Newest report first (pending cases, not reported yet, last); soonest deadline first when asking for overdue cases or
    /// a deadline before an instant.
    /// </summary>
    public async Task<CasePage> ListAsync(CaseFilter filter, DateTimeOffset now, int page, int pageSize, CancellationToken ct)
    {
        await using var session = store.Query();
        var query = session.Query<CaseSummary>().AsQueryable();
        if (filter.Status is { } status) query = query.Where(x => x.Status == status);
        if (filter.Platform is { } platform) query = query.Where(x => x.Platform == platform);
        if (filter.Category is { } category) query = query.Where(x => x.Category == category);
        if (filter.Severity is { } severity) query = query.Where(x => x.Severity == severity);
        if (filter.Organisation is { } organisation) query = query.Where(x => x.ReporterOrganisations.Contains(organisation));
        if (filter.Account is { } account) query = query.Where(x => x.Case.Account == account);
        if (filter.From is { } from) query = query.Where(x => x.FirstReportedAt >= from);
        if (filter.To is { } to) query = query.Where(x => x.FirstReportedAt < to);
        if (filter.Overdue == true) query = query.Where(x => x.ContentUp && x.DueAt <= now);
        if (filter.Overdue == false) query = query.Where(x => !x.ContentUp || x.DueAt == null || x.DueAt > now);
        if (filter.DueBefore is { } dueBefore) query = query.Where(x => x.ContentUp && x.DueAt < dueBefore);

        var ordered = filter.Overdue == true || filter.DueBefore is not null
            ? query.OrderBy(x => x.DueAt).ThenBy(x => x.Id)
            // NULLS LAST, which LINQ cannot say: cases not reported yet (pending) after every reported one. The column is
            // FirstReportedAt's duplicate (see Register).
            : query.OrderBySql("first_reported_at DESC NULLS LAST").ThenBySql("id");
        var summaries = await ordered.Stats(out var stats).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(ct);
        return new CasePage([.. summaries.Select(ToItem)], page, pageSize, stats.TotalResults);
    }

    /// <summary>Cases whose running deadline passed by <paramref name="now"/> with no breach on record, the longest overdue first.</summary>
    public async Task<IReadOnlyList<Guid>> OverdueUnbreachedAsync(DateTimeOffset now, int limit, CancellationToken ct)
    {
        await using var session = store.Query();
        return await session.Query<CaseSummary>()
            .Where(x => x.ContentUp && x.DueAt <= now && !x.Breached)
            .OrderBy(x => x.DueAt).Take(limit).Select(x => x.ContentId).ToListAsync(ct);
    }

    /// <summary>The next running deadline after <paramref name="now"/> that has no breach on record.</summary>
    public async Task<DateTimeOffset?> NextDeadlineAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var session = store.Query();
        var next = await session.Query<CaseSummary>()
            .Where(x => x.ContentUp && x.DueAt > now && !x.Breached)
            .OrderBy(x => x.DueAt).Select(x => new { x.DueAt }).Take(1).ToListAsync(ct);
        return next.Count == 0 ? null : next[0].DueAt;
    }

    /// <summary>Cases per status, zero included. Synchronous: the gauge's callback runs on the metrics collector's thread.</summary>
    public async Task<IReadOnlyDictionary<CaseStatus, long>> CountByStatusAsync(CancellationToken ct)
    {
        // Short, as the query it replaced: the collector must not hang on a slow database.
        await using var session = store.Documents.QuerySession(new Marten.Services.SessionOptions { Timeout = 5 });
        var counts = new Dictionary<CaseStatus, long>();
        foreach (var status in Enum.GetValues<CaseStatus>())
            counts[status] = await session.Query<CaseSummary>().CountAsync(x => x.Status == status, ct);
        return counts;
    }

    /// <summary>Cases with a URL whose content is up (watched for removal) or was removed (watched for its return).</summary>
    public async Task<IReadOnlyList<LivenessCandidate>> LivenessCandidatesAsync(CancellationToken ct)
    {
        await using var session = store.Query();
        var cases = await session.Query<CaseSummary>()
            .Where(x => x.ContentUp || x.Status == CaseStatus.Removed)
            .Select(x => new { x.ContentId, x.Case.CanonicalUrl, x.Status }).ToListAsync(ct);
        return [.. cases.Where(c => c.CanonicalUrl is not null).Select(c => new LivenessCandidate(c.ContentId, c.CanonicalUrl!, c.Status == CaseStatus.Removed))];
    }

    private static CaseListItem ToItem(CaseSummary s) => new(
        s.ContentId, s.Version, s.Status.ToString().ToLowerInvariant(), s.Category, s.Severity, s.Platform, s.Case.CanonicalUrl,
        s.ReportCount, s.ReporterOrganisations, s.FirstReportedAt, s.Case.RemovedAt, s.Case.Regime, s.DueAt, s.Breached, s.Case.Account);
}
