using Takedown.Reporting.Statistics;

namespace Takedown.Reporting.Transparency;

/// <param name="WithDeadline">Cases with a deadline that has passed or that were removed: the ones that could meet or miss it.</param>
/// <param name="Pending">Open cases whose deadline is still ahead; in neither Met nor Missed.</param>
public sealed record SlaFigures(long WithDeadline, long Met, long Missed, long Pending, double? ComplianceRate);

/// <param name="Cases">Removed cases whose reporters gave a view count.</param>
/// <param name="Total">Sum over those cases of the highest view count reported before the removal.</param>
public sealed record ViewFigures(long Cases, long Total, long? Median);

/// <param name="Notified">Cases with at least one notice sent to the platform.</param>
/// <param name="NoticesSent">Notices sent, second and later notices included.</param>
/// <param name="RemovedWithoutNotice">Removed before any notice went out (by the platform on its own, or found gone).</param>
/// <param name="RemovalRate">Removed ÷ Cases.</param>
/// <param name="TimeToRemoval">Hours from the first notice to the removal, over cases removed after a notice (<see cref="NoticeAnswers.TimeToRemoval"/>).</param>
/// <param name="Answers">How the platforms answered the notices: time to acknowledgement and to any answer, silence, refusals.</param>
public sealed record Figures(
    long Cases, long Reports, long Notified, long NoticesSent, long Removed, long RemovedWithoutNotice, long Rejected, long Open,
    double? RemovalRate, DurationPercentiles TimeToRemoval, SlaFigures Sla, long Reuploads, ViewFigures ViewsBeforeRemoval,
    AnswerFigures Answers);

public sealed record PlatformFigures(string Platform, Figures Figures);

public sealed record CategoryFigures(string Category, Figures Figures);

public sealed record PlatformCategoryFigures(string Platform, string Category, Figures Figures);

/// <param name="Start">First day of the bucket (UTC).</param>
public sealed record RemovalRatePoint(DateOnly Start, long Cases, long Removed, double? RemovalRate);

/// <param name="Interval">"day" or "month".</param>
public sealed record RemovalRateSeries(string Interval, IReadOnlyList<RemovalRatePoint> Points);

/// <param name="Organisation">The reporting organisation the report is limited to; null for all.</param>
public sealed record TransparencyReport(
    DateTimeOffset From, DateTimeOffset To, DateTimeOffset GeneratedAt, string? Organisation,
    Figures Totals, IReadOnlyList<PlatformFigures> Platforms, IReadOnlyList<CategoryFigures> Categories,
    IReadOnlyList<PlatformCategoryFigures> PlatformCategories, RemovalRateSeries RemovalRateOverTime);

/// <summary>
/// The report's arithmetic, over facts already selected by first-report date, and the platform statistics' too. Outcomes
/// are as of <c>generatedAt</c>: a case reported in the period and removed after it counts as removed. Silence (notices
/// with no answer after 24 h, 7 d, 30 d) is counted as of the period's end, or generatedAt if that comes first.
/// </summary>
public static class TransparencyFigures
{
    public const string Unclassified = "unclassified";
    public const string UnknownPlatform = "unknown";

    /// <summary>Up to this many days the removal rate is charted per day, beyond per month.</summary>
    private const int DailyUpToDays = 62;

    public static TransparencyReport Compute(
        IReadOnlyList<TransparencyFact> facts, DateTimeOffset from, DateTimeOffset to, DateTimeOffset generatedAt, string? organisation)
    {
        var silenceAsOf = to < generatedAt ? to : generatedAt;
        return new TransparencyReport(
            from, to, generatedAt, organisation,
            Of(facts, generatedAt, silenceAsOf),
            PerPlatform(facts, generatedAt, silenceAsOf),
            [.. facts.GroupBy(CategoryOf).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new CategoryFigures(g.Key, Of([.. g], generatedAt, silenceAsOf)))],
            PerPlatformAndCategory(facts, generatedAt, silenceAsOf),
            RemovalRateOverTime(facts, from, to));
    }

    public static string PlatformOf(TransparencyFact f) => f.Platform ?? UnknownPlatform;

    public static string CategoryOf(TransparencyFact f) => f.Category ?? Unclassified;

    public static IReadOnlyList<PlatformFigures> PerPlatform(IReadOnlyList<TransparencyFact> facts, DateTimeOffset generatedAt, DateTimeOffset silenceAsOf) =>
        [.. facts.GroupBy(PlatformOf).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new PlatformFigures(g.Key, Of([.. g], generatedAt, silenceAsOf)))];

    public static IReadOnlyList<PlatformCategoryFigures> PerPlatformAndCategory(
        IReadOnlyList<TransparencyFact> facts, DateTimeOffset generatedAt, DateTimeOffset silenceAsOf) =>
        [.. facts.GroupBy(f => (Platform: PlatformOf(f), Category: CategoryOf(f)))
            .OrderBy(g => g.Key.Platform, StringComparer.Ordinal).ThenBy(g => g.Key.Category, StringComparer.Ordinal)
            .Select(g => new PlatformCategoryFigures(g.Key.Platform, g.Key.Category, Of([.. g], generatedAt, silenceAsOf)))];

    /// <param name="asOf">When outcomes are known to (the report's generation): decides whether a deadline has passed.</param>
    /// <param name="silenceAsOf">The period's end (or generation, if earlier): silence is counted up to it.</param>
    public static Figures Of(IReadOnlyList<TransparencyFact> facts, DateTimeOffset asOf, DateTimeOffset silenceAsOf)
    {
        var answers = facts.Select(f => f.Answers ?? NoticeAnswers.None).ToList();
        var removed = facts.Where(f => f.Removed).ToList();
        var timesToRemoval = removed.Select(f => (f.Answers ?? NoticeAnswers.None).TimeToRemoval).ToList();
        var removedAfterNotice = timesToRemoval.Count(t => t is not null);
        var views = removed.Where(f => f.Views is not null).Select(f => f.Views!.Value).ToList();
        var withViews = views.Count;
        return new Figures(
            Cases: facts.Count,
            Reports: facts.Sum(f => (long)f.Reports),
            Notified: facts.Count(f => f.Notices > 0),
            NoticesSent: facts.Sum(f => (long)f.Notices),
            Removed: removed.Count,
            RemovedWithoutNotice: removed.Count - removedAfterNotice,
            Rejected: facts.Count(f => f.Rejected),
            Open: facts.Count(f => !f.Removed && !f.Rejected),
            RemovalRate: Rate(removed.Count, facts.Count),
            TimeToRemoval: DurationPercentiles.Of(timesToRemoval),
            Sla: Sla(facts, asOf),
            Reuploads: facts.Count(f => f.Reupload),
            ViewsBeforeRemoval: new ViewFigures(withViews, views.Sum(), withViews == 0 ? null : (long)Percentiles.NearestRank([.. views.Select(v => (double)v)], 50)!.Value),
            Answers: AnswerFigures.Of(answers, silenceAsOf));
    }

    private static SlaFigures Sla(IReadOnlyList<TransparencyFact> facts, DateTimeOffset asOf)
    {
        long met = 0, missed = 0, pending = 0;
        foreach (var f in facts)
        {
            if (f.DueAt is not { } due)
                continue;
            if (f.RemovedAt is { } removedAt)
            {
                if (removedAt <= due) met++; else missed++;
            }
            else if (due < asOf) missed++;   // still up (or refused) after its deadline
            else pending++;
        }
        return new SlaFigures(met + missed, met, missed, pending, Rate(met, met + missed));
    }

    private static RemovalRateSeries RemovalRateOverTime(IReadOnlyList<TransparencyFact> facts, DateTimeOffset from, DateTimeOffset to)
    {
        var daily = (to - from).TotalDays <= DailyUpToDays;
        DateOnly BucketOf(DateTimeOffset t)
        {
            var day = DateOnly.FromDateTime(t.UtcDateTime);
            return daily ? day : new DateOnly(day.Year, day.Month, 1);
        }
        var byBucket = facts.Where(f => f.FirstReportedAt is not null).GroupBy(f => BucketOf(f.FirstReportedAt!.Value)).ToDictionary(g => g.Key, g => g.ToList());
        var points = new List<RemovalRatePoint>();
        var last = BucketOf(to.AddTicks(-1));
        for (var bucket = BucketOf(from); bucket <= last; bucket = daily ? bucket.AddDays(1) : bucket.AddMonths(1))
        {
            var inBucket = byBucket.GetValueOrDefault(bucket) ?? [];
            var removed = inBucket.Count(f => f.Removed);
            points.Add(new RemovalRatePoint(bucket, inBucket.Count, removed, Rate(removed, inBucket.Count)));
        }
        return new RemovalRateSeries(daily ? "day" : "month", points);
    }

    private static double? Rate(long part, long whole) => Percentiles.Rate(part, whole);
}
