using Takedown.Reporting.Cases;

namespace Takedown.Reporting.Statistics;

/// <summary>
/// How the platform answered a case's notices, folded from the case's events, and the one definition of every duration
/// measured from the first notice (time to removal, to acknowledgement, to an answer) and of silence. The statistics
/// API, the transparency report, the telemetry and the search documents all read these definitions from here.
/// </summary>
/// <param name="FirstNotifiedAt">The first notice to the platform, by any channel.</param>
/// <param name="AcknowledgedAt">The platform's first acknowledgement.</param>
/// <param name="RejectedAt">The platform's first "does not violate" (a <see cref="RemovalRejected"/>).</param>
/// <param name="RemovedAt">The first confirmed removal.</param>
/// <param name="RemovedAfterRejection">A removal was confirmed after a "does not violate".</param>
/// <param name="EscalatedOutsideChannel">A later notice went round the platform's own channels: a personal contact or a removal order.</param>
public sealed record NoticeAnswers(
    DateTimeOffset? FirstNotifiedAt, DateTimeOffset? AcknowledgedAt, DateTimeOffset? RejectedAt, DateTimeOffset? RemovedAt,
    bool RemovedAfterRejection, bool EscalatedOutsideChannel)
{
    public static readonly NoticeAnswers None = new(null, null, null, null, false, false);

    /// <summary>Returns <paramref name="answers"/> itself for events that do not concern notices and answers.</summary>
    public static NoticeAnswers Evolve(NoticeAnswers answers, ICaseEvent e) => e switch
    {
        NoticeSent n when answers.FirstNotifiedAt is null => answers with { FirstNotifiedAt = n.SentAt },
        NoticeSent n when NoticeChannels.OutsideThePlatform(n.Channel) && !answers.EscalatedOutsideChannel => answers with { EscalatedOutsideChannel = true },
        PlatformAcknowledged a when answers.AcknowledgedAt is null => answers with { AcknowledgedAt = a.AcknowledgedAt },
        RemovalRejected r when answers.RejectedAt is null => answers with { RejectedAt = r.RejectedAt },
        RemovalConfirmed r when answers.RemovedAt is null || (!answers.RemovedAfterRejection && answers.RejectedAt < r.RemovedAt) => answers with
        {
            RemovedAt = answers.RemovedAt ?? r.RemovedAt,
            RemovedAfterRejection = answers.RemovedAfterRejection || answers.RejectedAt < r.RemovedAt,
        },
        _ => answers,
    };

    /// <summary>From the first notice to the first confirmed removal; null when not removed, or removed before any notice.</summary>
    public TimeSpan? TimeToRemoval => Since(RemovedAt);

    public TimeSpan? TimeToAcknowledgement => Since(AcknowledgedAt);

    /// <summary>
    /// The platform's first answer of any kind to the first notice: an acknowledgement, a "does not violate" or the
    /// removal, whichever came first at or after the notice. A removal before any notice answers nothing.
    /// </summary>
    public DateTimeOffset? FirstAnswerAt => new[] { AcknowledgedAt, RejectedAt, RemovedAt }
        .Where(t => t is { } at && FirstNotifiedAt is { } notified && at >= notified).Min();

    public TimeSpan? TimeToAnswer => Since(FirstAnswerAt);

    /// <summary>
    /// The first notice had gone unanswered for <paramref name="bound"/> by <paramref name="asOf"/>: it was sent at least that
    /// long before, and no answer came within that time (a later answer does not undo the silence).
    /// </summary>
    public bool UnansweredFor(TimeSpan bound, DateTimeOffset asOf) =>
        FirstNotifiedAt is { } notified && notified + bound <= asOf && !(FirstAnswerAt is { } answered && answered <= notified + bound);

    private TimeSpan? Since(DateTimeOffset? at) => FromFirstNotice(FirstNotifiedAt, at);

    /// <summary>
    /// Every duration here: from the first notice to <paramref name="at"/>; null without a notice, or when it happened
    /// before the notice (the platform acted first: nothing answered the notice). For callers holding only the case.
    /// </summary>
    public static TimeSpan? FromFirstNotice(DateTimeOffset? firstNotifiedAt, DateTimeOffset? at) =>
        firstNotifiedAt is { } notified && at is { } then && then >= notified ? then - notified : null;
}

/// <param name="Count">How many durations the percentiles are taken over.</param>
public sealed record DurationPercentiles(long Count, double? P50Hours, double? P90Hours, double? P99Hours)
{
    public static DurationPercentiles Of(IEnumerable<TimeSpan?> durations)
    {
        var hours = durations.OfType<TimeSpan>().Select(d => d.TotalHours).ToList();
        return new DurationPercentiles(hours.Count, Hours(Percentiles.NearestRank(hours, 50)), Hours(Percentiles.NearestRank(hours, 90)),
            Hours(Percentiles.NearestRank(hours, 99)));
    }

    private static double? Hours(double? hours) => hours is { } h ? Math.Round(h, 2) : null;
}

/// <param name="Notified">Cases with at least one notice: the ones whose answers are measured.</param>
/// <param name="TimeToAcknowledgement">Hours from the first notice to the platform's first acknowledgement.</param>
/// <param name="TimeToAnswer">Hours from the first notice to the first answer of any kind (<see cref="NoticeAnswers.FirstAnswerAt"/>).</param>
/// <param name="UnansweredAfter24Hours">First notices with no answer within 24 hours, of those sent at least 24 hours before the period's end.</param>
/// <param name="AnsweredDoesNotViolate">Cases the platform answered "does not violate" at least once.</param>
/// <param name="RemovedAfterDoesNotViolate">Of those, removed later anyway.</param>
/// <param name="RemovedAfterDoesNotViolateShare">RemovedAfterDoesNotViolate ÷ AnsweredDoesNotViolate.</param>
/// <param name="EscalatedOutsideChannel">Cases that needed a notice round the platform's own channels (personal contact, removal order) after the first.</param>
public sealed record AnswerFigures(
    long Notified, DurationPercentiles TimeToAcknowledgement, DurationPercentiles TimeToAnswer,
    long UnansweredAfter24Hours, long UnansweredAfter7Days, long UnansweredAfter30Days,
    long AnsweredDoesNotViolate, long RemovedAfterDoesNotViolate, double? RemovedAfterDoesNotViolateShare, long EscalatedOutsideChannel)
{
    public static readonly TimeSpan Day = TimeSpan.FromHours(24), Week = TimeSpan.FromDays(7), Month = TimeSpan.FromDays(30);

    /// <param name="asOf">The period's end: silence is counted up to it.</param>
    public static AnswerFigures Of(IReadOnlyList<NoticeAnswers> cases, DateTimeOffset asOf)
    {
        var notified = cases.Where(c => c.FirstNotifiedAt is not null).ToList();
        var refused = notified.Count(c => c.RejectedAt is not null);
        var removedAnyway = notified.Count(c => c.RemovedAfterRejection);
        return new AnswerFigures(
            notified.Count,
            DurationPercentiles.Of(notified.Select(c => c.TimeToAcknowledgement)),
            DurationPercentiles.Of(notified.Select(c => c.TimeToAnswer)),
            notified.Count(c => c.UnansweredFor(Day, asOf)),
            notified.Count(c => c.UnansweredFor(Week, asOf)),
            notified.Count(c => c.UnansweredFor(Month, asOf)),
            refused, removedAnyway, Percentiles.Rate(removedAnyway, refused),
            notified.Count(c => c.EscalatedOutsideChannel));
    }
}

public static class Percentiles
{
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

    public static double? Rate(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);
}
