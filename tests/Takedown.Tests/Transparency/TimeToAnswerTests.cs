extern alias reporting;

using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Statistics;
using reporting::Takedown.Reporting.Transparency;

namespace Takedown.Tests.Transparency;

/// <summary>
/// Time to answer over eight cases on one platform, reported in March 2025, as of the period's end (1 April 00:00), every
/// figure worked out by hand. "Answer" is the first acknowledgement, "does not violate" or removal after the first notice.
/// <list type="bullet">
/// <item>K1 (c1): notice 1 Mar 00:00, acknowledged 02:00 (2 h), removed 10:00 (10 h).</item>
/// <item>K2 (c1): notice 2 Mar 00:00, "does not violate" 4 Mar 00:00 (48 h: silent past 24 h only), a personal contact on 5 Mar,
/// removed 6 Mar 00:00 (96 h) — removed anyway, escalated.</item>
/// <item>K3 (c1): notice 10 Mar 00:00, acknowledged 20 Mar 00:00 (240 h: silent past 24 h and 7 d; too recent for 30 d).</item>
/// <item>K4 (c1): notice 1 Mar 00:00, never answered: silent past 24 h, 7 d and 30 d (31 Mar 00:00 ≤ 1 Apr).</item>
/// <item>K5 (c2): notice 31 Mar 12:00, no answer yet, but 24 h have not passed by 1 Apr 00:00: in no silence count.</item>
/// <item>K6 (c2): removed by the platform before any notice: not notified, no time to removal.</item>
/// <item>K7 (c2): notice 3 Mar 00:00, "does not violate" 06:00 (6 h), a removal order on 4 Mar, still up — escalated, not removed.</item>
/// <item>K8 (c2): notice 1 Mar 00:00, acknowledged 15 Apr 00:00 (1,080 h): after the period, so silent past every bound in it.</item>
/// </list>
/// Nearest rank: the p-th percentile of n sorted values is the ⌈p·n/100⌉-th.
/// </summary>
public sealed class TimeToAnswerTests
{
    private static readonly DateTimeOffset From = At(3, 1), To = At(4, 1);
    private static readonly DateTimeOffset GeneratedAt = At(5, 1);

    private static DateTimeOffset At(int month, int day, int hour = 0) => new(2025, month, day, hour, 0, 0, TimeSpan.Zero);

    private static Guid K(int n) => Guid.Parse($"7c000000-0000-4000-8000-{n:D12}");

    private static TransparencyFact Case(int n, string category, DateTimeOffset reportedAt, params ICaseEvent[] events)
    {
        var id = K(n);
        ICaseEvent[] all =
        [
            new ContentReported(id, Guid.NewGuid(), 1, $"https://p.example/{n}", $"https://p.example/{n}", "p", "ngo-a", null, null, reportedAt),
            new ContentClassified(id, category, "P2", 0.9, [], "m", reportedAt, "platform-default", TimeSpan.FromDays(7), "eu-2021-784-removal-order", TimeSpan.FromHours(1)),
            .. events,
        ];
        return all.Aggregate(TransparencyFact.Initial(id), TransparencyFact.Evolve);
    }

    private static IReadOnlyList<TransparencyFact> Facts()
    {
        NoticeSent Notice(int n, DateTimeOffset at, string channel = "trusted-flagger-portal") =>
            new(K(n), channel, $"ref-{n}", at, channel == "removal-order" ? at : null);
        return
        [
            Case(1, "c1", At(3, 1), Notice(1, At(3, 1)), new PlatformAcknowledged(K(1), null, At(3, 1, 2)), new RemovalConfirmed(K(1), "platform", At(3, 1, 10))),
            Case(2, "c1", At(3, 2), Notice(2, At(3, 2)), new RemovalRejected(K(2), "Does not violate", At(3, 4)),
                Notice(2, At(3, 5), "personal-contact"), new RemovalConfirmed(K(2), "platform", At(3, 6))),
            Case(3, "c1", At(3, 10), Notice(3, At(3, 10)), new PlatformAcknowledged(K(3), null, At(3, 20))),
            Case(4, "c1", At(3, 1), Notice(4, At(3, 1))),
            Case(5, "c2", At(3, 31), Notice(5, At(3, 31, 12))),
            Case(6, "c2", At(3, 5), new RemovalConfirmed(K(6), "platform", At(3, 5, 3))),
            Case(7, "c2", At(3, 3), Notice(7, At(3, 3)), new RemovalRejected(K(7), "Does not violate", At(3, 3, 6)), Notice(7, At(3, 4), "removal-order")),
            Case(8, "c2", At(3, 1), Notice(8, At(3, 1)), new PlatformAcknowledged(K(8), null, At(4, 15))),
        ];
    }

    [Fact]
    public void Totals_match_the_hand_computed_figures()
    {
        var report = TransparencyFigures.Compute(Facts(), From, To, GeneratedAt, organisation: null);

        Assert.Equal(new AnswerFigures(
                Notified: 7,                                                          // all but K6
                TimeToAcknowledgement: new DurationPercentiles(3, 240, 1080, 1080),   // [2, 240, 1080]: ranks 2, 3, 3
                TimeToAnswer: new DurationPercentiles(5, 48, 1080, 1080),             // [2, 6, 48, 240, 1080]: ranks 3, 5, 5
                UnansweredAfter24Hours: 4,                                            // K2, K3, K4, K8
                UnansweredAfter7Days: 3,                                              // K3, K4, K8
                UnansweredAfter30Days: 2,                                             // K4, K8 (of K1, K2, K4, K8 notified by 2 Mar 00:00)
                AnsweredDoesNotViolate: 2, RemovedAfterDoesNotViolate: 1, RemovedAfterDoesNotViolateShare: 0.5,   // K2, K7; K2
                EscalatedOutsideChannel: 2),                                          // K2 (personal contact), K7 (removal order)
            report.Totals.Answers);
        Assert.Equal(new DurationPercentiles(2, 10, 96, 96), report.Totals.TimeToRemoval);   // K1, K2; K6 removed without a notice
        Assert.Equal(1, report.Totals.RemovedWithoutNotice);
    }

    [Fact]
    public void Per_platform_and_category_figures_match_the_hand_computed_ones()
    {
        var rows = TransparencyFigures.Compute(Facts(), From, To, GeneratedAt, organisation: null).PlatformCategories;

        Assert.Equal(["p/c1", "p/c2"], rows.Select(r => $"{r.Platform}/{r.Category}"));
        Assert.Equal(new AnswerFigures(4, new DurationPercentiles(2, 2, 240, 240), new DurationPercentiles(3, 48, 240, 240), 3, 2, 1, 1, 1, 1, 1),
            rows[0].Figures.Answers);
        Assert.Equal(new AnswerFigures(3, new DurationPercentiles(1, 1080, 1080, 1080), new DurationPercentiles(2, 6, 1080, 1080), 1, 1, 1, 1, 0, 0, 1),
            rows[1].Figures.Answers);
    }

    [Fact]
    public void Silence_is_counted_as_of_the_periods_end_not_when_the_report_is_generated()
    {
        // Generated on 2 March: only notices sent at least 24 h before then count; K1 answered, K4 and K8 silent.
        var early = TransparencyFigures.Compute(Facts(), From, To, At(3, 2), organisation: null).Totals.Answers;
        Assert.Equal((2L, 0L, 0L), (early.UnansweredAfter24Hours, early.UnansweredAfter7Days, early.UnansweredAfter30Days));

        // A later generation of March's report does not change March's silence.
        var later = TransparencyFigures.Compute(Facts(), From, To, At(12, 1), organisation: null).Totals.Answers;
        Assert.Equal((4L, 3L, 2L), (later.UnansweredAfter24Hours, later.UnansweredAfter7Days, later.UnansweredAfter30Days));
    }

    [Fact]
    public void An_answer_exactly_at_a_bound_is_in_time()
    {
        var notice = At(3, 1);
        var answers = new ICaseEvent[] { new NoticeSent(K(9), "email", "r", notice), new PlatformAcknowledged(K(9), null, notice.AddHours(24)) }
            .Aggregate(NoticeAnswers.None, NoticeAnswers.Evolve);

        Assert.False(answers.UnansweredFor(AnswerFigures.Day, To));
        Assert.True((answers with { AcknowledgedAt = notice.AddHours(24).AddSeconds(1) }).UnansweredFor(AnswerFigures.Day, To));
    }

    [Fact]
    public void A_removal_before_the_notice_answers_nothing()
    {
        var answers = new ICaseEvent[] { new RemovalConfirmed(K(10), "liveness-check", At(3, 1)), new NoticeSent(K(10), "email", "r", At(3, 2)) }
            .Aggregate(NoticeAnswers.None, NoticeAnswers.Evolve);

        Assert.Equal((null, null, null), (answers.FirstAnswerAt, answers.TimeToAnswer, answers.TimeToRemoval));
        Assert.True(answers.UnansweredFor(AnswerFigures.Day, To));
    }
}
