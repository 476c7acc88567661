namespace Takedown.Reporting.Transparency;

/// <param name="Count">How many durations the percentiles are taken over.</param>
public sealed record DurationPercentiles(long Count, double? P50Hours, double? P90Hours, double? P99Hours);

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
/// <param name="TimeToRemoval">Hours from the first notice to the removal, over cases removed after a notice.</param>
public sealed record Figures(
    long Cases, long Reports, long Notified, long NoticesSent, long Removed, long RemovedWithoutNotice, long Rejected, long Open,
    double? RemovalRate, DurationPercentiles TimeToRemoval, SlaFigures Sla, long Reuploads, ViewFigures ViewsBeforeRemoval);

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
/// The report's arithmetic, over facts already selected by first-report date. Outcomes are as of
/// <c>generatedAt</c>: a case reported in the period and removed after it counts as removed.
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
        static string PlatformOf(TransparencyFact f) => f.Platform ?? UnknownPlatform;
        static string CategoryOf(TransparencyFact f) => f.Category ?? Unclassified;
        return new TransparencyReport(
            from, to, generatedAt, organisation,
            Of(facts, generatedAt),
            [.. facts.GroupBy(PlatformOf).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new PlatformFigures(g.Key, Of([.. g], generatedAt)))],
            [.. facts.GroupBy(CategoryOf).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new CategoryFigures(g.Key, Of([.. g], generatedAt)))],
            [.. facts.GroupBy(f => (Platform: PlatformOf(f), Category: CategoryOf(f)))
                .OrderBy(g => g.Key.Platform, StringComparer.Ordinal).ThenBy(g => g.Key.Category, StringComparer.Ordinal)
                .Select(g => new PlatformCategoryFigures(g.Key.Platform, g.Key.Category, Of([.. g], generatedAt)))],
            RemovalRateOverTime(facts, from, to));
    }

    public static Figures Of(IReadOnlyList<TransparencyFact> facts, DateTimeOffset asOf)
    {
        var removed = facts.Where(f => f.Removed).ToList();
        var afterNotice = removed.Where(f => f.FirstNotifiedAt is { } n && n <= f.RemovedAt).ToList();
        var hours = afterNotice.Select(f => (f.RemovedAt!.Value - f.FirstNotifiedAt!.Value).TotalHours).ToList();
        var views = removed.Where(f => f.Views is not null).Select(f => f.Views!.Value).ToList();
        var withViews = views.Count;
        return new Figures(
            Cases: facts.Count,
            Reports: facts.Sum(f => (long)f.Reports),
            Notified: facts.Count(f => f.Notices > 0),
            NoticesSent: facts.Sum(f => (long)f.Notices),
            Removed: removed.Count,
            RemovedWithoutNotice: removed.Count - afterNotice.Count,
            Rejected: facts.Count(f => f.Rejected),
            Open: facts.Count(f => !f.Removed && !f.Rejected),
            RemovalRate: Rate(removed.Count, facts.Count),
            TimeToRemoval: new DurationPercentiles(hours.Count, Hours(NearestRank(hours, 50)), Hours(NearestRank(hours, 90)), Hours(NearestRank(hours, 99))),
            Sla: Sla(facts, asOf),
            Reuploads: facts.Count(f => f.Reupload),
            ViewsBeforeRemoval: new ViewFigures(withViews, views.Sum(), withViews == 0 ? null : (long)NearestRank([.. views.Select(v => (double)v)], 50)!.Value));
    }

    /// <summary>
    /// Nearest-rank percentile: the smallest value with at least p % of the values at or below it, i.e. the
    /// ⌈p/100 × n⌉-th smallest. Always one of the observed values; null for no values.
    /// </summary>
    public static double? NearestRank(IReadOnlyList<double> values, int percentile)
    {
        if (values.Count == 0)
            return null;
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
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

    private static double? Rate(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private static double? Hours(double? hours) => hours is { } h ? Math.Round(h, 2) : null;
}
