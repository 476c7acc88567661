extern alias reporting;

using reporting::Takedown.Reporting.Accounts;
using reporting::Takedown.Reporting.Sla;

namespace Takedown.Tests.Accounts;

/// <summary>The account decider, as behaviour: given these events, when this command, then these events (or a refusal).</summary>
public sealed class PlatformAccountTests
{
    private const string Id = "telegram:somechannel";
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid ContentA = Guid.Parse("0195a6f2-0000-7000-8000-0000000000aa");
    private static readonly Guid ContentB = Guid.Parse("0195a6f2-0000-7000-8000-0000000000bb");
    private static readonly AccountContentReported ReportedA =
        new(Id, "telegram", ContentA, Guid.Parse("0195a6f2-0000-7000-8000-00000000a001"), "https://t.me/somechannel/1", "tech-for-peace", T0);
    // NetzDG: 24 hours from the notice; EU 2021/784: one hour from a removal order.
    private static readonly AccountContentClassified NetzDgA =
        new(Id, ContentA, "de-netzdg-manifestly-unlawful", TimeSpan.FromHours(24), "eu-2021-784-removal-order", TimeSpan.FromHours(1), T0.AddMinutes(1));
    private static readonly AccountNoticeSent Notified = new(Id, "trusted-flagger-portal", "TFP-7", T0.AddHours(1));
    private static readonly AccountSuspended Suspended = new(Id, "Terms of service", T0.AddHours(3));

    private static Scenario Given(params IAccountEvent[] events) => new(events);

    private sealed class Scenario(IAccountEvent[] history)
    {
        private Func<IAccountEvent[]>? _decision;

        public PlatformAccount State => history.Aggregate(PlatformAccount.Initial, PlatformAccount.Evolve);

        public Scenario When(AccountCommand command)
        {
            var state = State;
            _decision = () => PlatformAccount.Decide(command, state);
            return this;
        }

        public void Then(params IAccountEvent[] expected) => Assert.Equal(expected, _decision!());

        public void ThenNothing() => Assert.Empty(_decision!());

        public void ThenRefused() => Assert.Throws<InvalidAccountTransition>(() => _decision!());
    }

    [Fact]
    public void Content_reported_from_an_unknown_account_opens_it()
    {
        Given().When(new RecordAccountContent(ReportedA, T0)).Then(ReportedA);
        Assert.Equal((AccountStatus.Open, "telegram", 1), (Given(ReportedA).State.Status, Given(ReportedA).State.Platform, Given(ReportedA).State.Content.Count));
    }

    [Fact]
    public void The_same_report_linked_again_changes_nothing() =>
        Given(ReportedA).When(new RecordAccountContent(ReportedA, T0.AddMinutes(5))).ThenNothing();

    [Fact]
    public void Content_reported_from_a_suspended_account_is_linked_without_reopening_it()
    {
        var reportedB = ReportedA with { ContentId = ContentB, ReportId = Guid.NewGuid(), ReportedAt = T0.AddHours(4) };
        Given(ReportedA, Suspended).When(new RecordAccountContent(reportedB, T0.AddHours(4))).Then(reportedB);
        Assert.Equal(AccountStatus.Suspended, Given(ReportedA, Suspended, reportedB).State.Status);
    }

    [Fact]
    public void A_content_classification_gives_the_account_its_terms() =>
        Given(ReportedA).When(new RecordAccountContentTerms(Id, ContentA, Terms(NetzDgA), NetzDgA.ClassifiedAt, T0.AddMinutes(1))).Then(NetzDgA);

    [Fact]
    public void The_same_terms_for_the_same_content_change_nothing() =>
        Given(ReportedA, NetzDgA).When(new RecordAccountContentTerms(Id, ContentA, Terms(NetzDgA), T0.AddMinutes(9), T0.AddMinutes(9))).ThenNothing();

    [Fact]
    public void Terms_for_an_account_no_report_linked_yet_change_nothing() =>
        Given().When(new RecordAccountContentTerms(Id, ContentA, Terms(NetzDgA), T0, T0)).ThenNothing();

    [Fact]
    public void The_account_runs_on_the_strictest_terms_of_its_content()
    {
        var sevenDaysB = new AccountContentClassified(Id, ContentB, "dsa-notice", TimeSpan.FromDays(7), "eu-2021-784-removal-order", TimeSpan.FromHours(1), T0.AddMinutes(2));
        var state = Given(ReportedA, sevenDaysB, NetzDgA, Notified).State;

        Assert.Equal(("de-netzdg-manifestly-unlawful", Notified.SentAt.AddHours(24)), (state.Regime, state.DueAt!.Value));
    }

    [Fact]
    public void A_notice_on_an_open_account_is_recorded() =>
        Given(ReportedA).When(new SendAccountNotice(Id, "trusted-flagger-portal", "TFP-7", T0.AddHours(1), T0.AddHours(1))).Then(Notified);

    [Fact]
    public void A_personal_contact_is_a_notice_channel_for_accounts_too() =>
        Given(ReportedA).When(new SendAccountNotice(Id, "personal-contact", "signal-2026-11-21", T0.AddHours(1), T0.AddHours(1)))
            .Then(new AccountNoticeSent(Id, "personal-contact", "signal-2026-11-21", T0.AddHours(1)));

    [Fact]
    public void A_removal_order_starts_its_own_clock_at_its_issue()
    {
        var order = new AccountNoticeSent(Id, "removal-order", "EU-RO-9", T0.AddHours(2), T0.AddHours(1).AddMinutes(30), "BKA");
        Given(ReportedA, NetzDgA).When(new SendAccountNotice(Id, "removal-order", "EU-RO-9", T0.AddHours(2), T0.AddHours(2), T0.AddHours(1).AddMinutes(30), "BKA"))
            .Then(order);
        Assert.Equal(("eu-2021-784-removal-order", T0.AddHours(2).AddMinutes(30)), (Given(ReportedA, NetzDgA, order).State.Regime, Given(ReportedA, NetzDgA, order).State.DueAt!.Value));
    }

    [Fact]
    public void A_notice_before_any_content_was_reported_is_refused() =>
        Given().When(new SendAccountNotice(Id, "email", "m-1", T0, T0)).ThenRefused();

    [Fact]
    public void A_notice_on_a_suspended_account_is_refused() =>
        Given(ReportedA, Notified, Suspended).When(new SendAccountNotice(Id, "email", "m-2", T0.AddHours(4), T0.AddHours(4))).ThenRefused();

    [Fact]
    public void A_suspension_within_the_deadline_is_recorded() =>
        Given(ReportedA, NetzDgA, Notified).When(new RecordAccountOutcome(Id, AccountOutcome.Suspended, "Terms of service", T0.AddHours(3), T0.AddHours(3)))
            .Then(Suspended);

    [Fact]
    public void A_suspension_after_the_deadline_records_the_breach_with_it()
    {
        var late = Notified.SentAt.AddHours(30);
        Given(ReportedA, NetzDgA, Notified).When(new RecordAccountOutcome(Id, AccountOutcome.Suspended, null, late, late))
            .Then(new AccountSlaBreached(Id, "de-netzdg-manifestly-unlawful", Notified.SentAt.AddHours(24), late), new AccountSuspended(Id, null, late));
    }

    [Fact]
    public void A_second_suspension_changes_nothing() =>
        Given(ReportedA, Notified, Suspended).When(new RecordAccountOutcome(Id, AccountOutcome.Suspended, null, T0.AddHours(5), T0.AddHours(5))).ThenNothing();

    [Fact]
    public void A_restricted_account_can_be_suspended_later()
    {
        var restricted = new AccountRestricted(Id, "geo-blocked in DE", T0.AddHours(2));
        Given(ReportedA, Notified, restricted).When(new RecordAccountOutcome(Id, AccountOutcome.Suspended, null, T0.AddHours(5), T0.AddHours(5)))
            .Then(new AccountSuspended(Id, null, T0.AddHours(5)));
    }

    [Fact]
    public void Restricting_a_suspended_account_is_refused() =>
        Given(ReportedA, Notified, Suspended).When(new RecordAccountOutcome(Id, AccountOutcome.Restricted, null, T0.AddHours(5), T0.AddHours(5))).ThenRefused();

    [Fact]
    public void A_rejection_keeps_the_account_up_and_its_clock_running()
    {
        var rejected = new AccountActionRejected(Id, "Does not violate our policies.", T0.AddHours(2));
        Given(ReportedA, NetzDgA, Notified).When(new RecordAccountOutcome(Id, AccountOutcome.Rejected, "Does not violate our policies.", T0.AddHours(2), T0.AddHours(2)))
            .Then(rejected);
        var state = Given(ReportedA, NetzDgA, Notified, rejected).State;
        Assert.Equal((AccountStatus.Rejected, true, Notified.SentAt.AddHours(24)), (state.Status, state.AccountUp(), state.DueAt!.Value));
    }

    [Fact]
    public void A_rejection_without_the_platforms_reason_is_refused() =>
        Given(ReportedA, Notified).When(new RecordAccountOutcome(Id, AccountOutcome.Rejected, null, T0.AddHours(2), T0.AddHours(2))).ThenRefused();

    [Fact]
    public void A_reinstated_account_is_up_again_and_waits_for_a_new_notice()
    {
        var reinstated = new AccountReinstated(Id, "appeal granted", T0.AddDays(2));
        Given(ReportedA, NetzDgA, Notified, Suspended).When(new RecordAccountOutcome(Id, AccountOutcome.Reinstated, "appeal granted", T0.AddDays(2), T0.AddDays(2)))
            .Then(reinstated);
        var state = Given(ReportedA, NetzDgA, Notified, Suspended, reinstated).State;
        Assert.Equal((AccountStatus.Open, (DateTimeOffset?)null), (state.Status, state.DueAt));
    }

    [Fact]
    public void Reinstating_an_account_that_was_never_suspended_is_refused() =>
        Given(ReportedA, Notified).When(new RecordAccountOutcome(Id, AccountOutcome.Reinstated, null, T0.AddHours(2), T0.AddHours(2))).ThenRefused();

    [Theory]
    [InlineData("x:someuser", "account-x-someuser")]
    [InlineData("x:id:783214", "account-x-id:783214")]
    [InlineData("facebook:group:name", "account-facebook-group:name")]
    [InlineData("youtube:id:UCabcdefghijklmnopqrstuv", "account-youtube-id:UCabcdefghijklmnopqrstuv")]
    public void The_stream_id_is_the_platform_and_the_rest_of_the_account_id(string accountId, string streamId) =>
        Assert.Equal(streamId, PlatformAccount.StreamId(accountId));

    private static ClockTerms Terms(AccountContentClassified c) => new(c.Regime, c.Allowed, c.RemovalOrderRegime, c.RemovalOrderAllowed);
}
