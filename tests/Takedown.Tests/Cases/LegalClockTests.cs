extern alias reporting;

using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Sla;

namespace Takedown.Tests.Cases;

/// <summary>
/// The legal clock as the case decider uses it: given the case's events, when the SLA clock (or a removal) asks at an
/// instant, then the breach it records — or nothing. The terms are those shared/Takedown.Triage/Policy/legal-policy.json
/// gives (Classification decides them; LegalPolicyTests covers that table); the deadline is Reporting's alone.
/// </summary>
public sealed class LegalClockTests
{
    private static readonly Guid Id = Guid.Parse("0195a6f2-0000-7000-8000-0000000000cc");
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private static readonly ContentReported Reported = new(Id, Guid.NewGuid(), 1, "https://x.com/a/status/2", "https://x.com/a/status/2", "x", "tech-for-peace", "DE", null, T0);

    private const string RemovalOrder = "eu-2021-784-removal-order";
    private static readonly TimeSpan OrderAllowed = TimeSpan.FromHours(1);

    private static ContentClassified Classified(string regime, TimeSpan allowed, string category = "terrorist-propaganda", string severity = "P1") =>
        new(Id, category, severity, 0.9, ["rule"], "keyword-rules/1", T0.AddSeconds(1), regime, allowed, RemovalOrder, OrderAllowed);

    private static ClassificationOverridden Overridden(string regime, TimeSpan allowed, DateTimeOffset at) =>
        new(Id, "incitement-threat-to-life", "P0", "a date and a place", "api-key:analyst@tfp", at, regime, allowed, regime, allowed);

    private static readonly ContentClassified NetzDg24h = Classified("de-netzdg-manifestly-unlawful", TimeSpan.FromHours(24));
    private static readonly NoticeSent Notice = new(Id, "trusted-flagger-portal", "TFP-1", T0.AddMinutes(10));
    private static readonly DateTimeOffset NoticeDue = Notice.SentAt.AddHours(24);

    private static Scenario Given(params ICaseEvent[] events) => new(events);

    private sealed class Scenario(ICaseEvent[] history)
    {
        public Outcome When(CaseCommand command) =>
            new(() => TakedownCase.Decide(command, history.Aggregate(TakedownCase.Initial(Id), TakedownCase.Evolve)));
    }

    private sealed class Outcome(Func<ICaseEvent[]> decide)
    {
        public void Then(params ICaseEvent[] expected) => Assert.Equal(expected, decide());

        public void ThenNothing() => Assert.Empty(decide());
    }

    private static RecordSlaBreach AskAt(DateTimeOffset now) => new(Id, now);

    // --- Every regime of the policy ---

    [Theory]
    [InlineData("de-netzdg-manifestly-unlawful", 24)]      // NetzDG § 3(2) no. 2
    [InlineData("de-netzdg-unlawful", 7 * 24)]             // NetzDG § 3(2) no. 3
    [InlineData("platform-default", 7 * 24)]               // no statute: the platform's 7 days
    [InlineData("p0-imminent-threat", 1)]                  // P0: the shortest clock the policy has
    public void A_regime_falls_due_its_allowed_time_after_the_first_notice_and_not_a_second_earlier(string regime, int hours)
    {
        var due = Notice.SentAt.AddHours(hours);
        Given(Reported, Classified(regime, TimeSpan.FromHours(hours)), Notice).When(AskAt(due.AddSeconds(-1))).ThenNothing();
        Given(Reported, Classified(regime, TimeSpan.FromHours(hours)), Notice).When(AskAt(due)).Then(new SlaBreached(Id, regime, due, due));
    }

    [Fact]
    public void A_removal_order_falls_due_one_hour_after_the_authority_issued_it_under_EU_2021_784()
    {
        var issued = T0.AddHours(2);
        var order = new NoticeSent(Id, "removal-order", "EU-RO-7", issued.AddMinutes(15), issued);
        Given(Reported, NetzDg24h, order).When(AskAt(issued.AddMinutes(59))).ThenNothing();
        Given(Reported, NetzDg24h, order).When(AskAt(issued.AddHours(1).AddMinutes(5)))
            .Then(new SlaBreached(Id, RemovalOrder, issued.AddHours(1), issued.AddHours(1).AddMinutes(5)));
    }

    [Fact]
    public void No_clock_runs_before_a_notice_whatever_the_regime() =>
        Given(Reported, Classified("p0-imminent-threat", TimeSpan.FromHours(1))).When(AskAt(T0.AddDays(30))).ThenNothing();

    // --- Notice clock and order clock: the earlier governs ---

    [Fact]
    public void An_order_after_a_notice_governs_when_its_hour_ends_first()
    {
        var issued = T0.AddHours(5);
        var order = new NoticeSent(Id, "removal-order", "EU-RO-8", issued, issued);
        Given(Reported, NetzDg24h, Notice, order).When(AskAt(issued.AddHours(1)))
            .Then(new SlaBreached(Id, RemovalOrder, issued.AddHours(1), issued.AddHours(1)));
    }

    [Fact]
    public void The_notice_clock_governs_when_it_ends_before_a_later_orders_hour()
    {
        var p0 = Classified("p0-imminent-threat", TimeSpan.FromHours(1), "incitement-threat-to-life", "P0");
        var order = new NoticeSent(Id, "removal-order", "EU-RO-9", Notice.SentAt.AddMinutes(30), Notice.SentAt.AddMinutes(30));
        Given(Reported, p0, Notice, order).When(AskAt(Notice.SentAt.AddHours(1)))
            .Then(new SlaBreached(Id, "p0-imminent-threat", Notice.SentAt.AddHours(1), Notice.SentAt.AddHours(1)));
    }

    [Fact]
    public void The_deadline_function_takes_the_earlier_clock_and_needs_terms_and_a_start()
    {
        var terms = new ClockTerms("de-netzdg-unlawful", TimeSpan.FromDays(7), RemovalOrder, OrderAllowed);
        Assert.Equal(new Deadline("de-netzdg-unlawful", T0.AddDays(7)), LegalClock.Of(terms, T0, null));
        Assert.Equal(new Deadline(RemovalOrder, T0.AddDays(2).AddHours(1)), LegalClock.Of(terms, T0, T0.AddDays(2)));
        Assert.Equal(new Deadline("de-netzdg-unlawful", T0.AddDays(7)), LegalClock.Of(terms, T0, T0.AddDays(7)));   // a tie: the notice's regime
        Assert.Null(LegalClock.Of(terms, null, null));
        Assert.Null(LegalClock.Of(null, T0, T0));
    }

    // --- Overrides ---

    [Fact]
    public void An_override_before_the_first_notice_sets_the_clock_the_notice_starts()
    {
        var toP0 = Overridden("p0-imminent-threat", TimeSpan.FromHours(1), T0.AddMinutes(5));
        Given(Reported, NetzDg24h, toP0, Notice).When(AskAt(Notice.SentAt.AddHours(1)))
            .Then(new SlaBreached(Id, "p0-imminent-threat", Notice.SentAt.AddHours(1), Notice.SentAt.AddHours(1)));
    }

    [Fact]
    public void An_override_after_the_first_notice_moves_the_deadline_from_the_same_start_and_a_later_classification_keeps_it()
    {
        var toP0 = Overridden("p0-imminent-threat", TimeSpan.FromHours(1), Notice.SentAt.AddMinutes(20));
        Given(Reported, NetzDg24h, Notice, toP0, NetzDg24h).When(AskAt(Notice.SentAt.AddHours(2)))
            .Then(new SlaBreached(Id, "p0-imminent-threat", Notice.SentAt.AddHours(1), Notice.SentAt.AddHours(2)));
    }

    [Fact]
    public void An_override_to_a_longer_regime_moves_the_deadline_out()
    {
        var toSevenDays = Overridden("de-netzdg-unlawful", TimeSpan.FromDays(7), Notice.SentAt.AddHours(1));
        Given(Reported, NetzDg24h, Notice, toSevenDays).When(AskAt(NoticeDue.AddHours(1))).ThenNothing();
    }

    // --- Once per deadline; reinstatement and reopening start afresh ---

    [Fact]
    public void A_breach_is_recorded_once_per_deadline()
    {
        var breached = new SlaBreached(Id, "de-netzdg-manifestly-unlawful", NoticeDue, NoticeDue.AddMinutes(1));
        Given(Reported, NetzDg24h, Notice, breached).When(AskAt(NoticeDue.AddDays(3))).ThenNothing();
        Given(Reported, NetzDg24h, Notice, breached).When(new ConfirmRemoval(Id, "platform", NoticeDue.AddDays(1), NoticeDue.AddDays(1)))
            .Then(new RemovalConfirmed(Id, "platform", NoticeDue.AddDays(1)));
    }

    [Fact]
    public void After_reinstatement_the_old_deadline_is_spent_and_a_new_notice_starts_a_fresh_clock()
    {
        var breached = new SlaBreached(Id, "de-netzdg-manifestly-unlawful", NoticeDue, NoticeDue);
        var removed = new RemovalConfirmed(Id, "platform", NoticeDue.AddHours(2));
        var reinstated = new ContentReinstated(Id, "liveness-check", T0.AddDays(4));
        var again = new NoticeSent(Id, "email", "m-again", T0.AddDays(4).AddHours(1));

        Given(Reported, NetzDg24h, Notice, breached, removed, reinstated).When(AskAt(T0.AddDays(30))).ThenNothing();
        Given(Reported, NetzDg24h, Notice, breached, removed, reinstated, again).When(AskAt(again.SentAt.AddHours(24)))
            .Then(new SlaBreached(Id, "de-netzdg-manifestly-unlawful", again.SentAt.AddHours(24), again.SentAt.AddHours(24)));
    }

    [Fact]
    public void A_reopened_case_runs_no_clock_until_its_next_notice()
    {
        var closed = new CaseClosed(Id, "Duplicate.", T0.AddHours(1));
        var reportedAgain = Reported with { ReportId = Guid.NewGuid(), ReportNumber = 2, ReportedAt = T0.AddDays(2) };
        var again = new NoticeSent(Id, "email", "m-reopened", T0.AddDays(2).AddHours(1));

        Given(Reported, NetzDg24h, Notice, closed, reportedAgain).When(AskAt(T0.AddDays(10))).ThenNothing();
        Given(Reported, NetzDg24h, Notice, closed, reportedAgain, again).When(AskAt(again.SentAt.AddHours(24)))
            .Then(new SlaBreached(Id, "de-netzdg-manifestly-unlawful", again.SentAt.AddHours(24), again.SentAt.AddHours(24)));
    }
}
