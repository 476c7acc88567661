extern alias reporting;

using reporting::Takedown.Reporting.Liveness;
using static reporting::Takedown.Reporting.Liveness.LivenessVerdict;

namespace Takedown.Tests.Liveness;

public sealed class LivenessTrackerTests
{
    private static readonly Guid Case = Guid.Parse("0198d3c1-0000-7000-8000-000000000001");
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly LivenessOptions Options = new()
    {
        Interval = TimeSpan.FromHours(6), RecheckInterval = TimeSpan.FromMinutes(10), MaxBackoff = TimeSpan.FromHours(1),
        ConfirmAfter = 3, Jitter = 0,
    };

    /// <summary>Feeds verdicts ten minutes apart; the actions taken, in order.</summary>
    private static List<(LivenessAction Action, DateTimeOffset? ObservedAt)> Run(LivenessWatch watch, params LivenessVerdict[] verdicts)
    {
        var tracker = new LivenessTracker(Options);
        var actions = new List<(LivenessAction, DateTimeOffset?)>();
        for (var i = 0; i < verdicts.Length; i++)
        {
            var now = T0.AddMinutes(10 * i);
            var decision = tracker.Record(Case, watch, verdicts[i], now);
            if (decision.Action != LivenessAction.None)
            {
                actions.Add((decision.Action, decision.ObservedAt));
                tracker.Acted(Case, now);
            }
        }
        return actions;
    }

    [Fact]
    public void Three_gone_verdicts_in_a_row_confirm_the_removal_as_of_the_first()
    {
        Assert.Equal([(LivenessAction.ConfirmRemoved, T0.AddMinutes(10))], Run(LivenessWatch.ForRemoval, Up, Gone, Gone, Gone));
    }

    [Fact]
    public void Two_are_not_enough()
    {
        Assert.Empty(Run(LivenessWatch.ForRemoval, Gone, Gone, Up));
    }

    [Fact]
    public void Flapping_content_is_never_acted_on_until_it_settles()
    {
        Assert.Empty(Run(LivenessWatch.ForRemoval, Gone, Up, Gone, Gone, Up, Gone, Up, Gone, Gone, Up));
        Assert.Equal([(LivenessAction.ConfirmRemoved, T0.AddMinutes(20))], Run(LivenessWatch.ForRemoval, Gone, Up, Gone, Gone, Gone, Gone));
    }

    [Fact]
    public void Unknown_neither_counts_nor_breaks_a_run()
    {
        Assert.Equal([(LivenessAction.ConfirmRemoved, T0)], Run(LivenessWatch.ForRemoval, Gone, Unknown, Gone, Unknown, Unknown, Gone));
        Assert.Empty(Run(LivenessWatch.ForRemoval, Unknown, Unknown, Unknown, Unknown));
    }

    [Fact]
    public void Removed_content_that_answers_again_three_times_is_reported_reinstated()
    {
        Assert.Equal([(LivenessAction.ReportReinstated, T0.AddMinutes(20))], Run(LivenessWatch.ForReinstatement, Gone, Gone, Up, Up, Up));
    }

    [Fact]
    public void After_acting_a_new_run_is_needed()
    {
        var actions = Run(LivenessWatch.ForRemoval, Gone, Gone, Gone, Gone, Gone, Gone, Gone);
        Assert.Equal([LivenessAction.ConfirmRemoved, LivenessAction.ConfirmRemoved], actions.Select(a => a.Action));
    }

    [Fact]
    public void Inconclusive_checks_back_off_exponentially_up_to_the_cap()
    {
        var tracker = new LivenessTracker(Options);
        var now = T0;
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            tracker.Record(Case, LivenessWatch.ForRemoval, Unknown, now);
            var due = NextDue(tracker, now);
            waits.Add(due - now);
            now = due;
        }
        Assert.Equal([10, 20, 40, 60, 60, 60], waits.Select(w => w.TotalMinutes));
    }

    [Fact]
    public void Settled_content_is_checked_again_after_the_interval_and_a_candidate_change_sooner()
    {
        var tracker = new LivenessTracker(Options);
        tracker.Record(Case, LivenessWatch.ForRemoval, Up, T0);
        Assert.Equal(TimeSpan.FromHours(6), NextDue(tracker, T0) - T0);
        tracker.Record(Case, LivenessWatch.ForRemoval, Gone, T0);
        Assert.Equal(TimeSpan.FromMinutes(10), NextDue(tracker, T0) - T0);
    }

    [Fact]
    public void A_case_whose_status_changed_is_due_at_once()
    {
        var tracker = new LivenessTracker(Options);
        tracker.Record(Case, LivenessWatch.ForRemoval, Up, T0);
        Assert.False(tracker.IsDue(Case, LivenessWatch.ForRemoval, T0.AddMinutes(1)));
        Assert.True(tracker.IsDue(Case, LivenessWatch.ForReinstatement, T0.AddMinutes(1)));
    }

    [Fact]
    public void Jitter_spreads_the_waits_within_its_fraction()
    {
        var options = new LivenessOptions { Interval = TimeSpan.FromHours(6), Jitter = 0.1 };
        var tracker = new LivenessTracker(options, new Random(7));
        var waits = Enumerable.Range(0, 50).Select(i =>
        {
            var id = Guid.NewGuid();
            tracker.Record(id, LivenessWatch.ForRemoval, Up, T0);
            return (NextDue(tracker, T0, id) - T0).TotalMinutes;
        }).ToList();
        Assert.All(waits, w => Assert.InRange(w, 324, 396));
        Assert.True(waits.Distinct().Count() > 20, "the waits differ");
    }

    // The first minute at which the URL is due again.
    private static DateTimeOffset NextDue(LivenessTracker tracker, DateTimeOffset from, Guid? id = null)
    {
        for (var t = from; t < from.AddDays(2); t = t.AddMinutes(1))
            if (tracker.IsDue(id ?? Case, LivenessWatch.ForRemoval, t))
                return t;
        throw new InvalidOperationException("never due");
    }
}
