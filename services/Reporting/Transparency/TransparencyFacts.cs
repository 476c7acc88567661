using System.Collections.Immutable;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Statistics;

namespace Takedown.Reporting.Transparency;

/// <summary>
/// What a transparency report needs to know about one reported item, folded from its case stream. Its own read
/// model (not the case list's) so that the report's definitions can change without touching the case.
/// </summary>
/// <param name="Views">The highest view count any reporter gave before the removal; null when none gave one.</param>
/// <param name="DueAt">The deadline the SLA is measured against; see <see cref="Evolve"/> for where it comes from.</param>
/// <param name="ContentKinds">"text", "image", "video" or "media", from the fingerprint signals recorded.</param>
/// <param name="Answers">The platform's answers to the notices; null only in documents stored before they were kept.</param>
/// <param name="ObservedAt">The earliest time a reporter said they saw the content online.</param>
/// <param name="ReinstatedAt">The content came back after the removal (the removal's end); null while it stays down.</param>
/// <param name="Order">The removal order that preceded the removal, if any.</param>
/// <param name="Language">The text's language as classified (ISO 639-1, lower case).</param>
public sealed record TransparencyFact(
    Guid ContentId,
    string? Platform,
    string? Category,
    string? Severity,
    bool Overridden,
    string? Jurisdiction,
    ImmutableSortedSet<string> ReporterOrganisations,
    int Reports,
    DateTimeOffset? FirstReportedAt,
    long? Views,
    DateTimeOffset? FirstNotifiedAt,
    string? FirstNoticeChannel,
    int Notices,
    string? Regime,
    DateTimeOffset? DueAt,
    DateTimeOffset? RemovedAt,
    string? RemovalSource,
    DateTimeOffset? RejectedAt,
    bool Reupload,
    ImmutableSortedSet<string> ContentKinds,
    TakedownCase? Case = null,
    NoticeAnswers? Answers = null,
    DateTimeOffset? ObservedAt = null,
    DateTimeOffset? ReinstatedAt = null,
    RemovalOrder? Order = null,
    string? Language = null)
{
    public static TransparencyFact Initial(Guid contentId) => new(
        contentId, null, null, null, false, null, ImmutableSortedSet.Create<string>(StringComparer.Ordinal), 0, null, null,
        null, null, 0, null, null, null, null, null, false, ImmutableSortedSet.Create<string>(StringComparer.Ordinal), Answers: NoticeAnswers.None);

    /// <summary>Removed now; a rejection followed by a removal (after a second notice) counts as removed.</summary>
    public bool Removed => RemovedAt is not null;

    /// <summary>The platform refused and has not removed it since.</summary>
    public bool Rejected => RejectedAt is not null && RemovedAt is null;

    /// <summary>
    /// The deadline is the case's own (the decider's clock: first notice or removal order plus the regime's time), so
    /// the report and the SLA clock can never disagree; the last deadline that ran is kept after a reinstatement stops it.
    /// </summary>
    public static TransparencyFact Evolve(TransparencyFact fact, ICaseEvent e)
    {
        var next = Fold(fact, e);
        var @case = TakedownCase.Evolve(fact.Case ?? TakedownCase.Initial(e.ContentId), e);
        var answers = NoticeAnswers.Evolve(fact.Answers ?? NoticeAnswers.None, e);
        if (ReferenceEquals(next, fact) && ReferenceEquals(@case, fact.Case) && ReferenceEquals(answers, fact.Answers))
            return fact;   // an event none of them knows
        return next with { Case = @case, Answers = answers, Regime = @case.Regime ?? next.Regime, DueAt = @case.DueAt ?? fact.DueAt };
    }

    private static TransparencyFact Fold(TransparencyFact fact, ICaseEvent e) => e switch
    {
        ContentReported r => fact with
        {
            Platform = r.Platform,
            Jurisdiction = fact.Jurisdiction ?? r.Jurisdiction,
            ReporterOrganisations = fact.ReporterOrganisations.Add(r.ReporterOrganisation),
            Reports = fact.Reports + 1,
            FirstReportedAt = fact.FirstReportedAt is { } first && first <= r.ReportedAt ? first : r.ReportedAt,
            // Views reported after the removal describe nothing the platform left up.
            Views = fact.RemovedAt is null && r.Views is { } views ? Math.Max(fact.Views ?? 0, views) : fact.Views,
            ObservedAt = r.ObservedAt is { } observed && !(fact.ObservedAt <= observed) ? observed : fact.ObservedAt,
        },
        // As in the case: an analyst's override stands against later automatic classifications.
        ContentClassified when fact.Overridden => fact,
        ContentClassified c => fact with { Category = c.Category, Severity = c.Severity, Language = c.Language ?? fact.Language },
        ClassificationOverridden o => fact with { Category = o.Category, Severity = o.Severity, Overridden = true },
        FingerprintsRecorded f => fact with { ContentKinds = [.. f.Fingerprints.Select(KindOf).OfType<string>()] },
        ReuploadLinked => fact with { Reupload = true },
        // An order counts for the removal it preceded; one after the removal ordered nothing that happened.
        NoticeSent { Channel: TakedownCase.RemovalOrderChannel } n when fact.RemovedAt is null && fact.Order is null => fact with
        {
            FirstNotifiedAt = fact.FirstNotifiedAt ?? n.SentAt,
            FirstNoticeChannel = fact.FirstNoticeChannel ?? n.Channel,
            Notices = fact.Notices + 1,
            Order = new RemovalOrder(n.Reference, n.OrderIssuedAt ?? n.SentAt, n.IssuedBy),
        },
        NoticeSent n => fact with
        {
            FirstNotifiedAt = fact.FirstNotifiedAt ?? n.SentAt,
            FirstNoticeChannel = fact.FirstNoticeChannel ?? n.Channel,
            Notices = fact.Notices + 1,
        },
        RemovalConfirmed r => fact with { RemovedAt = fact.RemovedAt ?? r.RemovedAt, RemovalSource = fact.RemovalSource ?? r.Source },
        // The first removal's end; a removal after the reinstatement is not what the statement describes.
        ContentReinstated r when fact.RemovedAt is not null && fact.ReinstatedAt is null => fact with { ReinstatedAt = r.ReinstatedAt },
        RemovalRejected r => fact with { RejectedAt = r.RejectedAt },
        _ => fact,   // events this report does not use, including ones added after it was written
    };

    // Fingerprints are "signal:value"; the signal says what kind of content was hashed.
    private static string? KindOf(string fingerprint) => fingerprint.Split(':')[0] switch
    {
        var s when s.StartsWith("text", StringComparison.Ordinal) => "text",
        var s when s.StartsWith("pdq", StringComparison.Ordinal) || s.StartsWith("image", StringComparison.Ordinal) => "image",
        var s when s.StartsWith("vpdq", StringComparison.Ordinal) || s.StartsWith("tmk", StringComparison.Ordinal) || s.StartsWith("video", StringComparison.Ordinal) => "video",
        var s when s.StartsWith("media", StringComparison.Ordinal) => "media",
        _ => null,
    };
}

/// <param name="IssuedBy">The issuing authority, when the liaison recorded it.</param>
public sealed record RemovalOrder(string Reference, DateTimeOffset IssuedAt, string? IssuedBy);

/// <summary>The transparency report's document: one per reported item, with the fields reports filter on beside the fact.</summary>
public sealed record TransparencyFactDocument(
    string Id, TransparencyFact Fact, string[] ReporterOrganisations, DateTimeOffset? FirstReportedAt, DateTimeOffset? RemovedAt)
{
    public static TransparencyFactDocument Of(string id, TransparencyFact fact) =>
        new(id, fact, [.. fact.ReporterOrganisations], fact.FirstReportedAt, fact.RemovedAt);
}

/// <summary>Folds each case stream into its <see cref="TransparencyFact"/>.</summary>
public sealed class TransparencyFactsProjection : SingleStreamProjection<TransparencyFactDocument, string>
{
    public const string ProjectionName = "transparency-facts";

    public TransparencyFactsProjection() => Name = ProjectionName;

    public override TransparencyFactDocument? Evolve(TransparencyFactDocument? snapshot, string id, IEvent e) => e.Data is ICaseEvent data
        ? TransparencyFactDocument.Of(id, TransparencyFact.Evolve(snapshot?.Fact ?? TransparencyFact.Initial(data.ContentId), data))
        : snapshot;
}

/// <summary>The transparency facts read model (<see cref="TransparencyFactsProjection"/>, async) and the periods reports ask for.</summary>
public sealed class TransparencyFacts(EventStore.EventStore store)
{
    public static void Register(StoreOptions options)
    {
        options.Projections.Add(new TransparencyFactsProjection(), ProjectionLifecycle.Async);
        options.Schema.For<TransparencyFactDocument>()
            .Duplicate(x => x.FirstReportedAt)
            .Duplicate(x => x.RemovedAt);
    }

    /// <summary>
    /// Items first reported in [since, until) (an open bound when null), oldest first; only <paramref name="organisation"/>'s
    /// reports when given. Items not reported yet (other services spoke first) are never included.
    /// </summary>
    public async Task<IReadOnlyList<TransparencyFact>> ReportedAsync(DateTimeOffset? since, DateTimeOffset? until, string? organisation, CancellationToken ct)
    {
        await using var session = store.Query();
        var query = session.Query<TransparencyFactDocument>().Where(x => x.FirstReportedAt != null);
        if (since is { } from)
            query = query.Where(x => x.FirstReportedAt >= from);
        if (until is { } to)
            query = query.Where(x => x.FirstReportedAt < to);
        if (organisation is not null)
            query = query.Where(x => x.ReporterOrganisations.Contains(organisation));
        return [.. (await query.OrderBy(x => x.FirstReportedAt).ThenBy(x => x.Id).ToListAsync(ct)).Select(d => d.Fact)];
    }

    /// <summary>Items removed in [since, until), oldest removal first; only <paramref name="organisation"/>'s reports when given.</summary>
    public async Task<IReadOnlyList<TransparencyFact>> RemovedAsync(DateTimeOffset since, DateTimeOffset until, string? organisation, CancellationToken ct)
    {
        await using var session = store.Query();
        var query = session.Query<TransparencyFactDocument>().Where(x => x.RemovedAt >= since && x.RemovedAt < until);
        if (organisation is not null)
            query = query.Where(x => x.ReporterOrganisations.Contains(organisation));
        return [.. (await query.OrderBy(x => x.RemovedAt).ThenBy(x => x.Id).ToListAsync(ct)).Select(d => d.Fact)];
    }
}
