extern alias reporting;

using reporting::Takedown.Reporting.Cases;

namespace Takedown.Tests.Cases;

/// <summary>The case decider, as behaviour: given these events, when this command, then these events (or a refusal).</summary>
public sealed class TakedownCaseTests
{
    private static readonly Guid Id = Guid.Parse("0195a6f2-0000-7000-8000-0000000000aa");
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private static readonly ContentReported Reported = new(Id, Guid.NewGuid(), 1, "https://x.com/a/status/1", "https://x.com/a/status/1", "x", "tech-for-peace", "IQ", null, T0);
    private static readonly NoticeSent Notified = new(Id, "trusted-flagger-portal", "TFP-1", T0.AddMinutes(5));

    private static Scenario Given(params ICaseEvent[] events) => new(events);

    private sealed class Scenario(ICaseEvent[] history)
    {
        private TakedownCase State => history.Aggregate(TakedownCase.Initial(Id), TakedownCase.Evolve);

        public void When(CaseCommand command, params ICaseEvent[] expected) => Assert.Equal(expected, TakedownCase.Decide(command, State));

        public void WhenRefused(CaseCommand command) => Assert.Throws<InvalidCaseTransition>(() => TakedownCase.Decide(command, State));
    }

    [Fact]
    public void A_notice_on_an_open_case_is_recorded() =>
        Given(Reported).When(new SendNotice(Id, "trusted-flagger-portal", "TFP-1", T0.AddMinutes(5), T0.AddMinutes(6)), Notified);

    [Fact]
    public void A_notice_before_the_report_arrived_is_refused() =>
        Given().WhenRefused(new SendNotice(Id, "email", "m-1", T0, T0));

    [Fact]
    public void A_notice_after_removal_is_refused() =>
        Given(Reported, Notified, new RemovalConfirmed(Id, "platform", T0.AddHours(2))).WhenRefused(new SendNotice(Id, "email", "m-2", T0.AddHours(3), T0.AddHours(3)));

    [Fact]
    public void A_new_notice_after_a_rejection_is_the_next_step() =>
        Given(Reported, Notified, new RemovalRejected(Id, "Does not violate our policies.", T0.AddDays(1)))
            .When(new SendNotice(Id, "removal-order", "EU-RO-7", T0.AddDays(2), T0.AddDays(2)), new NoticeSent(Id, "removal-order", "EU-RO-7", T0.AddDays(2)));

    [Fact]
    public void An_acknowledgement_needs_a_notice() =>
        Given(Reported).WhenRefused(new AcknowledgeNotice(Id, "ticket-9", T0.AddMinutes(10), T0.AddMinutes(10)));

    [Fact]
    public void An_acknowledgement_is_recorded_once() =>
        Given(Reported, Notified, new PlatformAcknowledged(Id, "ticket-9", T0.AddMinutes(10)))
            .When(new AcknowledgeNotice(Id, "ticket-9", T0.AddMinutes(20), T0.AddMinutes(20)));

    [Fact]
    public void Removal_after_a_notice_is_confirmed_and_a_second_confirmation_changes_nothing()
    {
        Given(Reported, Notified).When(new ConfirmRemoval(Id, "platform", T0.AddHours(1), T0.AddHours(1)), new RemovalConfirmed(Id, "platform", T0.AddHours(1)));
        Given(Reported, Notified, new RemovalConfirmed(Id, "platform", T0.AddHours(1))).When(new ConfirmRemoval(Id, "platform", T0.AddHours(2), T0.AddHours(2)));
    }

    [Fact]
    public void A_rejection_after_removal_is_refused() =>
        Given(Reported, new RemovalConfirmed(Id, "platform", T0.AddHours(1))).WhenRefused(new RejectRemoval(Id, "no", T0.AddHours(2), T0.AddHours(2)));

    [Fact]
    public void The_first_notice_time_is_kept_across_later_notices()
    {
        var state = new ICaseEvent[] { Reported, Notified, new NoticeSent(Id, "email", "m-3", T0.AddDays(1)) }
            .Aggregate(TakedownCase.Initial(Id), TakedownCase.Evolve);

        Assert.Equal((T0.AddMinutes(5), 2), (state.FirstNotifiedAt!.Value, state.Notices));
    }
}
