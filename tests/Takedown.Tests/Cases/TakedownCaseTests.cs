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

    private static readonly Guid Removed = Guid.Parse("0195a6f2-0000-7000-8000-0000000000bb");
    // Classified under NetzDG: 24 hours from the notice, or one hour from a removal order (EU 2021/784).
    private static readonly ContentClassified Classified = new(Id, "terrorist-propaganda", "P1", 0.9, ["rule"], "keyword-rules/1", T0.AddSeconds(1),
        "de-netzdg-manifestly-unlawful", TimeSpan.FromHours(24), "eu-2021-784-removal-order", TimeSpan.FromHours(1));
    private static readonly DateTimeOffset Due = Notified.SentAt.AddHours(24);
    private static readonly SlaBreached Breached = new(Id, "de-netzdg-manifestly-unlawful", Due, Due.AddSeconds(30));
    private static readonly RemovalConfirmed RemovedByPlatform = new(Id, "platform", T0.AddHours(2));
    private static readonly CaseClosed Closed = new(Id, "Duplicate of another case.", T0.AddHours(3));

    private static Scenario Given(params ICaseEvent[] events) => new(events);

    private static TakedownCase StateAfter(params ICaseEvent[] events) => events.Aggregate(TakedownCase.Initial(Id), TakedownCase.Evolve);

    private sealed class Scenario(ICaseEvent[] history)
    {
        private TakedownCase State => StateAfter(history);

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
            .When(new SendNotice(Id, "removal-order", "EU-RO-7", T0.AddDays(2), T0.AddDays(2)), new NoticeSent(Id, "removal-order", "EU-RO-7", T0.AddDays(2), T0.AddDays(2)));

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

    // --- Reports, classification, fingerprints ---

    [Fact]
    public void The_first_report_opens_the_case_and_a_repeat_of_it_changes_nothing()
    {
        Given().When(new RecordReport(Reported, T0), Reported);
        Given(Reported).When(new RecordReport(Reported, T0.AddMinutes(1)));
        Assert.Equal(CaseStatus.Open, StateAfter(Reported).Status);
    }

    [Fact]
    public void A_classification_is_recorded_once()
    {
        Given(Reported).When(new RecordClassification(Classified, T0), Classified);
        Given(Reported, Classified).When(new RecordClassification(Classified, T0.AddMinutes(1)));
    }

    [Fact]
    public void An_override_is_recorded_and_later_classifications_do_not_undo_it()
    {
        var overridden = new ClassificationOverridden(Id, "hate-speech", "P2", "quoted", "api-key:a@b", T0.AddHours(1),
            "de-netzdg-unlawful", TimeSpan.FromDays(7), "eu-2021-784-removal-order", TimeSpan.FromHours(1));
        Given(Reported, Classified).When(new RecordOverride(overridden, T0.AddHours(1)), overridden);

        var state = StateAfter(Reported, overridden, Classified, Notified);
        Assert.Equal(("hate-speech", "P2"), (state.Category, state.Severity));
        Assert.Equal(("de-netzdg-unlawful", Notified.SentAt.AddDays(7)), (state.Regime, state.DueAt!.Value));   // the override's regime, not the later classification's
    }

    [Fact]
    public void An_override_to_P0_puts_the_case_on_the_shortest_clock_from_its_notice_and_later_classifications_keep_it()
    {
        var toP0 = new ClassificationOverridden(Id, "incitement-threat-to-life", "P0", "A date and a place for the attack", "api-key:a@b", T0.AddHours(1),
            "p0-imminent-threat", TimeSpan.FromHours(1), "p0-imminent-threat", TimeSpan.FromHours(1));
        var state = StateAfter(Reported, Classified, Notified, toP0);
        Assert.Equal(("p0-imminent-threat", Notified.SentAt.AddHours(1)), (state.Regime, state.DueAt!.Value));

        Assert.Equal(Notified.SentAt.AddHours(1), StateAfter(Reported, Classified, Notified, toP0, Classified).DueAt);
        Given(Reported, Classified, Notified, toP0).When(new RecordSlaBreach(Id, Notified.SentAt.AddHours(2)),
            new SlaBreached(Id, "p0-imminent-threat", Notified.SentAt.AddHours(1), Notified.SentAt.AddHours(2)));
    }

    [Fact]
    public void Fingerprints_are_recorded_when_they_change()
    {
        IReadOnlyList<string> changed = ["text-sha256:bb"];
        Given(Reported, new FingerprintsRecorded(Id, ["text-sha256:aa"], T0))
            .When(new RecordFingerprints(Id, changed, T0.AddMinutes(1), T0.AddMinutes(1)), new FingerprintsRecorded(Id, changed, T0.AddMinutes(1)));
    }

    [Fact]
    public void The_same_fingerprints_again_change_nothing() =>
        Given(Reported, new FingerprintsRecorded(Id, ["text-sha256:aa"], T0)).When(new RecordFingerprints(Id, ["text-sha256:aa"], T0.AddMinutes(1), T0.AddMinutes(1)));

    // --- Re-uploads and escalation ---

    [Fact]
    public void A_reupload_is_linked_and_escalated_to_analysts_once()
    {
        Given(Reported).When(new LinkReupload(Id, Removed, "media-sha256", T0.AddMinutes(2), T0.AddMinutes(2)),
            new ReuploadLinked(Id, Removed, "media-sha256", T0.AddMinutes(2)),
            new Escalated(Id, "analysts", $"re-upload of removed content {Removed}", T0.AddMinutes(2)));
        Given(Reported, new ReuploadLinked(Id, Removed, "media-sha256", T0.AddMinutes(2)))
            .When(new LinkReupload(Id, Removed, "text-sha256", T0.AddMinutes(3), T0.AddMinutes(3)));
    }

    [Fact]
    public void A_reupload_detected_before_the_report_arrived_is_escalated_too() =>
        Given().When(new LinkReupload(Id, Removed, "text-sha256", T0, T0),
            new ReuploadLinked(Id, Removed, "text-sha256", T0), new Escalated(Id, "analysts", $"re-upload of removed content {Removed}", T0));

    [Fact]
    public void A_reupload_of_a_closed_case_is_linked_without_escalation() =>
        Given(Reported, Closed).When(new LinkReupload(Id, Removed, "text-sha256", T0.AddHours(4), T0.AddHours(4)),
            new ReuploadLinked(Id, Removed, "text-sha256", T0.AddHours(4)));

    [Fact]
    public void A_case_is_escalated_and_the_same_escalation_again_changes_nothing()
    {
        var escalated = new Escalated(Id, "legal", "Platform ignores notices", T0.AddHours(1));
        Given(Reported, Notified).When(new Escalate(Id, "legal", "Platform ignores notices", T0.AddHours(1), T0.AddHours(1)), escalated);
        Given(Reported, Notified, escalated).When(new Escalate(Id, "legal", "Platform ignores notices", T0.AddHours(2), T0.AddHours(2)));
        Given(Reported, Notified, escalated).When(new Escalate(Id, "analysts", "Second opinion", T0.AddHours(2), T0.AddHours(2)),
            new Escalated(Id, "analysts", "Second opinion", T0.AddHours(2)));
    }

    [Fact]
    public void A_removed_case_can_be_escalated_but_a_closed_one_cannot()
    {
        Given(Reported, RemovedByPlatform).When(new Escalate(Id, "legal", "Check the mirror sites", T0.AddHours(3), T0.AddHours(3)),
            new Escalated(Id, "legal", "Check the mirror sites", T0.AddHours(3)));
        Given(Reported, Closed).WhenRefused(new Escalate(Id, "legal", "Too late", T0.AddHours(4), T0.AddHours(4)));
    }

    // --- Notices and the clock ---

    [Fact]
    public void No_clock_runs_before_the_first_notice_and_the_first_notice_starts_it()
    {
        Assert.Null(StateAfter(Reported, Classified).DueAt);
        var state = StateAfter(Reported, Classified, Notified, new NoticeSent(Id, "email", "m-2", T0.AddHours(5)));
        Assert.Equal(("de-netzdg-manifestly-unlawful", Due, Notified.SentAt), (state.Regime, state.DueAt!.Value, state.Clock.StartedAt!.Value));
    }

    [Fact]
    public void A_notice_sent_before_classification_arrived_starts_the_clock_once_the_regime_is_known() =>
        Assert.Equal(Due, StateAfter(Reported, Notified, Classified).DueAt);

    [Fact]
    public void A_removal_order_runs_on_its_own_clock_from_the_time_it_was_issued()
    {
        var issued = T0.AddHours(3);
        Given(Reported, Classified, Notified).When(new SendNotice(Id, "removal-order", "EU-RO-1", issued.AddMinutes(20), issued.AddMinutes(21), issued),
            new NoticeSent(Id, "removal-order", "EU-RO-1", issued.AddMinutes(20), issued));

        var state = StateAfter(Reported, Classified, Notified, new NoticeSent(Id, "removal-order", "EU-RO-1", issued.AddMinutes(20), issued));
        Assert.Equal(("eu-2021-784-removal-order", issued.AddHours(1)), (state.Regime, state.DueAt!.Value));
    }

    [Fact]
    public void A_removal_order_without_an_issue_time_starts_its_clock_when_sent() =>
        Given(Reported).When(new SendNotice(Id, "removal-order", "EU-RO-2", T0.AddHours(1), T0.AddHours(1)),
            new NoticeSent(Id, "removal-order", "EU-RO-2", T0.AddHours(1), T0.AddHours(1)));

    [Fact]
    public void An_issue_time_on_an_ordinary_notice_is_not_recorded() =>
        Given(Reported).When(new SendNotice(Id, "email", "m-9", T0.AddHours(1), T0.AddHours(1), T0),
            new NoticeSent(Id, "email", "m-9", T0.AddHours(1)));

    [Fact]
    public void A_notice_on_a_closed_case_is_refused() =>
        Given(Reported, Closed).WhenRefused(new SendNotice(Id, "email", "m-1", T0.AddHours(4), T0.AddHours(4)));

    // --- Breaches ---

    [Fact]
    public void Nothing_is_breached_before_the_deadline() =>
        Given(Reported, Classified, Notified).When(new RecordSlaBreach(Id, Due.AddSeconds(-1)));

    [Fact]
    public void A_deadline_passed_with_the_content_up_is_breached_once()
    {
        Given(Reported, Classified, Notified).When(new RecordSlaBreach(Id, Due.AddSeconds(30)), Breached);
        Given(Reported, Classified, Notified, Breached).When(new RecordSlaBreach(Id, Due.AddHours(1)));
        Assert.True(StateAfter(Reported, Classified, Notified, Breached).DeadlineBreached());
    }

    [Fact]
    public void A_rejected_case_still_breaches() =>
        Given(Reported, Classified, Notified, new RemovalRejected(Id, "no", T0.AddHours(1)))
            .When(new RecordSlaBreach(Id, Due.AddSeconds(30)), Breached);

    [Fact]
    public void Removed_or_closed_content_and_cases_without_a_clock_never_breach()
    {
        Given(Reported, Classified, Notified, RemovedByPlatform).When(new RecordSlaBreach(Id, Due.AddDays(1)));
        Given(Reported, Classified, Notified, Closed).When(new RecordSlaBreach(Id, Due.AddDays(1)));
        Given(Reported, Classified).When(new RecordSlaBreach(Id, T0.AddDays(30)));
        Given().When(new RecordSlaBreach(Id, T0.AddDays(30)));
    }

    [Fact]
    public void Removal_after_deadline_records_a_breach() =>
        Given(Reported, Classified, Notified).When(new ConfirmRemoval(Id, "platform", Due.AddHours(1), Due.AddHours(2)),
            new SlaBreached(Id, "de-netzdg-manifestly-unlawful", Due, Due.AddHours(2)), new RemovalConfirmed(Id, "platform", Due.AddHours(1)));

    [Fact]
    public void Removal_after_a_recorded_breach_does_not_record_it_again() =>
        Given(Reported, Classified, Notified, Breached).When(new ConfirmRemoval(Id, "platform", Due.AddHours(1), Due.AddHours(2)),
            new RemovalConfirmed(Id, "platform", Due.AddHours(1)));

    [Fact]
    public void Removal_in_time_records_no_breach() =>
        Given(Reported, Classified, Notified).When(new ConfirmRemoval(Id, "platform", Due.AddMinutes(-1), Due.AddHours(2)),
            new RemovalConfirmed(Id, "platform", Due.AddMinutes(-1)));

    // --- Removal, rejection ---

    [Fact]
    public void A_liveness_check_confirms_removal_of_rejected_content() =>
        Given(Reported, Notified, new RemovalRejected(Id, "no", T0.AddHours(1)))
            .When(new ConfirmRemoval(Id, "liveness-check", T0.AddHours(2), T0.AddHours(2)), new RemovalConfirmed(Id, "liveness-check", T0.AddHours(2)));

    [Fact]
    public void Removal_of_content_never_reported_or_of_a_closed_case_is_refused()
    {
        Given().WhenRefused(new ConfirmRemoval(Id, "liveness-check", T0, T0));
        Given(Reported, Closed).WhenRefused(new ConfirmRemoval(Id, "liveness-check", T0.AddHours(4), T0.AddHours(4)));
    }

    [Fact]
    public void A_rejection_is_recorded_and_the_same_reason_again_changes_nothing()
    {
        Given(Reported, Notified).When(new RejectRemoval(Id, "no", T0.AddHours(1), T0.AddHours(1)), new RemovalRejected(Id, "no", T0.AddHours(1)));
        Given(Reported, Notified, new RemovalRejected(Id, "no", T0.AddHours(1))).When(new RejectRemoval(Id, "no", T0.AddHours(2), T0.AddHours(2)));
        Given(Reported, Notified, new RemovalRejected(Id, "no", T0.AddHours(1)))
            .When(new RejectRemoval(Id, "still no", T0.AddHours(2), T0.AddHours(2)), new RemovalRejected(Id, "still no", T0.AddHours(2)));
    }

    [Fact]
    public void Platform_answers_on_a_closed_case_are_refused()
    {
        Given(Reported, Notified, Closed).WhenRefused(new RejectRemoval(Id, "no", T0.AddHours(4), T0.AddHours(4)));
        Given(Reported, Notified, Closed).WhenRefused(new AcknowledgeNotice(Id, "t", T0.AddHours(4), T0.AddHours(4)));
    }

    // --- Reinstatement ---

    [Fact]
    public void Removed_content_seen_up_again_is_reinstated_and_the_case_opens()
    {
        Given(Reported, Notified, RemovedByPlatform).When(new ReinstateContent(Id, "liveness-check", T0.AddDays(1), T0.AddDays(1)),
            new ContentReinstated(Id, "liveness-check", T0.AddDays(1)));

        var state = StateAfter(Reported, Notified, RemovedByPlatform, new ContentReinstated(Id, "liveness-check", T0.AddDays(1)));
        Assert.Equal((CaseStatus.Open, (DateTimeOffset?)null, T0.AddDays(1)), (state.Status, state.RemovedAt, state.ReinstatedAt!.Value));
    }

    [Fact]
    public void Reinstating_content_that_is_not_removed_is_refused_unless_it_is_the_same_report_again()
    {
        Given(Reported, Notified).WhenRefused(new ReinstateContent(Id, "analyst", T0.AddDays(1), T0.AddDays(1)));
        Given().WhenRefused(new ReinstateContent(Id, "liveness-check", T0, T0));
        Given(Reported, Closed).WhenRefused(new ReinstateContent(Id, "liveness-check", T0.AddDays(1), T0.AddDays(1)));
        Given(Reported, Notified, RemovedByPlatform, new ContentReinstated(Id, "liveness-check", T0.AddDays(1)))
            .When(new ReinstateContent(Id, "liveness-check", T0.AddDays(1), T0.AddDays(1).AddHours(1)));
    }

    [Fact]
    public void After_reinstatement_no_clock_runs_until_a_new_notice_starts_a_fresh_one()
    {
        var reinstated = new ContentReinstated(Id, "liveness-check", T0.AddDays(3));
        var history = new ICaseEvent[] { Reported, Classified, Notified, Breached, RemovedByPlatform, reinstated };
        Assert.Null(StateAfter(history).DueAt);
        Given(history).When(new RecordSlaBreach(Id, T0.AddDays(30)));

        var renotified = new NoticeSent(Id, "email", "m-again", T0.AddDays(3).AddHours(1));
        var state = StateAfter([.. history, renotified]);
        Assert.Equal(renotified.SentAt.AddHours(24), state.DueAt);
        Given([.. history, renotified]).When(new RecordSlaBreach(Id, renotified.SentAt.AddHours(25)),
            new SlaBreached(Id, "de-netzdg-manifestly-unlawful", renotified.SentAt.AddHours(24), renotified.SentAt.AddHours(25)));
    }

    // --- Closure ---

    [Fact]
    public void An_open_or_removed_case_is_closed_and_closing_again_for_the_same_reason_changes_nothing()
    {
        Given(Reported).When(new CloseCase(Id, Closed.Reason, Closed.ClosedAt, Closed.ClosedAt), Closed);
        Given(Reported, RemovedByPlatform).When(new CloseCase(Id, Closed.Reason, Closed.ClosedAt, Closed.ClosedAt), Closed);
        Given(Reported, Closed).When(new CloseCase(Id, Closed.Reason, T0.AddHours(5), T0.AddHours(5)));
    }

    [Fact]
    public void Closing_a_closed_case_for_another_reason_or_a_case_without_a_report_is_refused()
    {
        Given(Reported, Closed).WhenRefused(new CloseCase(Id, "Another reason", T0.AddHours(5), T0.AddHours(5)));
        Given().WhenRefused(new CloseCase(Id, "Nothing here", T0, T0));
    }

    [Fact]
    public void A_new_report_reopens_a_closed_case_without_a_running_clock()
    {
        var again = Reported with { ReportId = Guid.NewGuid(), ReportNumber = 2, ReportedAt = T0.AddDays(2) };
        Given(Reported, Classified, Notified, Closed).When(new RecordReport(again, T0.AddDays(2)), again);

        var state = StateAfter(Reported, Classified, Notified, Closed, again);
        Assert.Equal((CaseStatus.Open, (DateTimeOffset?)null, (string?)null), (state.Status, state.DueAt, state.ClosedReason));
    }
}
