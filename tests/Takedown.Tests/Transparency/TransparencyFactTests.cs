extern alias reporting;

using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Statistics;
using reporting::Takedown.Reporting.Transparency;

namespace Takedown.Tests.Transparency;

/// <summary>An event the report was written before, from another slice of the case.</summary>
public sealed record SomethingNewHappened(Guid ContentId, DateTimeOffset At) : ICaseEvent;

public sealed class TransparencyFactTests
{
    private static readonly Guid Id = Guid.Parse("7a000000-0000-4000-8000-000000000001");
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static TransparencyFact Fold(params ICaseEvent[] events) => events.Aggregate(TransparencyFact.Initial(Id), TransparencyFact.Evolve);

    private static ContentReported Reported(DateTimeOffset at, long? views, string organisation = "ngo-a") =>
        new(Id, Guid.NewGuid(), 1, "https://x.example/1", "https://x.example/1", "x", organisation, null, views, at);

    [Fact]
    public void An_event_it_does_not_know_changes_nothing()
    {
        var before = Fold(Reported(T0, 5), new NoticeSent(Id, "email", "r", T0.AddHours(1)));
        Assert.Same(before, TransparencyFact.Evolve(before, new SomethingNewHappened(Id, T0.AddHours(2))));
    }

    [Fact]
    public void Views_are_the_highest_reported_before_the_removal()
    {
        var fact = Fold(Reported(T0, 100), Reported(T0.AddHours(1), 40, "ngo-b"), new RemovalConfirmed(Id, "platform", T0.AddHours(2)),
            Reported(T0.AddHours(3), 9000));
        Assert.Equal((100L, 3, 2), (fact.Views!.Value, fact.Reports, fact.ReporterOrganisations.Count));
    }

    [Fact]
    public void A_removal_after_a_refusal_counts_as_removed_not_rejected()
    {
        var refused = Fold(Reported(T0, null), new RemovalRejected(Id, "no", T0.AddHours(1)));
        Assert.True(refused.Rejected);
        var removed = TransparencyFact.Evolve(refused, new RemovalConfirmed(Id, "platform", T0.AddHours(5)));
        Assert.Equal((true, false), (removed.Removed, removed.Rejected));
    }

    [Fact]
    public void The_deadline_is_the_cases_from_its_notice_and_an_override_keeps_its_category_and_regime()
    {
        var fact = Fold(Reported(T0, null),
            new ContentClassified(Id, "abusive", "P3", 0.8, [], "m", T0, "de-netzdg-unlawful", TimeSpan.FromDays(7), "eu-2021-784-removal-order", TimeSpan.FromHours(1)),
            new ClassificationOverridden(Id, "hate-speech", "P2", "why", "analyst", T0, "de-netzdg-unlawful", TimeSpan.FromDays(7), "eu-2021-784-removal-order", TimeSpan.FromHours(1)),
            new ContentClassified(Id, "abusive", "P3", 0.9, [], "m", T0, "platform-default", TimeSpan.FromDays(3), "platform-default", TimeSpan.FromDays(3)),
            new NoticeSent(Id, "email", "r", T0.AddHours(1)));
        Assert.Equal(("hate-speech", "P2", "de-netzdg-unlawful", (DateTimeOffset?)T0.AddHours(1).AddDays(7)), (fact.Category, fact.Severity, fact.Regime, fact.DueAt));
    }

    [Theory]
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 30, 20)]    // ⌈0.3·5⌉ = 2nd
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 40, 20)]    // ⌈0.4·5⌉ = 2nd
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 50, 35)]    // ⌈2.5⌉ = 3rd
    [InlineData(new double[] { 15, 20, 35, 40, 50 }, 100, 50)]
    [InlineData(new double[] { 3, 1, 2 }, 1, 1)]                 // unsorted input; ⌈0.03⌉ = 1st
    [InlineData(new double[] { 7 }, 99, 7)]
    public void Percentiles_are_nearest_rank(double[] values, int percentile, double expected) =>
        Assert.Equal(expected, Percentiles.NearestRank(values, percentile));

    [Fact]
    public void No_values_have_no_percentile() => Assert.Null(Percentiles.NearestRank([], 50));

    [Fact]
    public void A_deadline_still_ahead_is_pending_not_missed()
    {
        var due = T0.AddDays(1);
        var open = Fold(Reported(T0, null), new ContentClassified(Id, "hate-speech", "P2", 0.8, [], "m", T0, "platform-default", TimeSpan.FromHours(23),
            "platform-default", TimeSpan.FromHours(23)), new NoticeSent(Id, "email", "r", T0.AddHours(1)));
        Assert.Equal(new SlaFigures(0, 0, 0, 1, null), TransparencyFigures.Of([open], asOf: T0.AddHours(1), silenceAsOf: T0.AddHours(1)).Sla);
        Assert.Equal(new SlaFigures(1, 0, 1, 0, 0), TransparencyFigures.Of([open], asOf: due.AddSeconds(1), silenceAsOf: due.AddSeconds(1)).Sla);
    }

    [Fact]
    public void Long_periods_chart_the_removal_rate_per_month()
    {
        var report = TransparencyFigures.Compute([Fold(Reported(new(2025, 2, 14, 0, 0, 0, TimeSpan.Zero), null))],
            new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2025, 7, 1, 0, 0, 0, TimeSpan.Zero), T0, null);
        Assert.Equal("month", report.RemovalRateOverTime.Interval);
        Assert.Equal([new DateOnly(2025, 1, 1), new(2025, 2, 1), new(2025, 3, 1), new(2025, 4, 1), new(2025, 5, 1), new(2025, 6, 1)],
            report.RemovalRateOverTime.Points.Select(p => p.Start));
        Assert.Equal(new RemovalRatePoint(new DateOnly(2025, 2, 1), 1, 0, 0), report.RemovalRateOverTime.Points[1]);
    }
}
