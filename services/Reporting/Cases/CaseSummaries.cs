using System.Text.Json;
using Takedown.EventStore;
using Takedown.EventStore.Projections;

namespace Takedown.Reporting.Cases;

/// <summary>
/// The case list's read model: the case's own state (folded with the decider's Evolve, so the list can never
/// disagree with the case) beside the columns the list filters, sorts and counts on.
/// </summary>
public sealed class CaseSummaryProjection(string schema, JsonSerializerOptions json)
    : SingleStreamProjection<TakedownCase>("case-summaries", $"{schema}.case_summaries", json)
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE {schema}.case_summaries (
            id text PRIMARY KEY,
            version bigint NOT NULL,
            data jsonb NOT NULL,
            content_id uuid NOT NULL,
            status text NOT NULL,
            category text,
            severity text,
            platform text,
            reporter_organisations text[] NOT NULL,
            report_count int NOT NULL,
            first_reported_at timestamptz,
            first_notified_at timestamptz,
            removed_at timestamptz);
        CREATE INDEX case_summaries_reported ON {schema}.case_summaries (first_reported_at DESC, id);
        CREATE INDEX case_summaries_status ON {schema}.case_summaries (status, platform);
        CREATE INDEX case_summaries_organisations ON {schema}.case_summaries USING gin (reporter_organisations);
        """,
        // The legal clock: the governing deadline and whether a breach of it is on record. Existing rows get them
        // from a rebuild, requested here (the checkpoint row exists only once the daemon ran, i.e. not on a fresh install).
        """
        ALTER TABLE {schema}.case_summaries ADD COLUMN regime text, ADD COLUMN due_at timestamptz, ADD COLUMN breached boolean NOT NULL DEFAULT false;
        CREATE INDEX case_summaries_running_clocks ON {schema}.case_summaries (due_at) WHERE status IN ('open', 'rejected');
        UPDATE {schema}.projection_checkpoints SET rebuild_requested_at = now() WHERE name = 'case-summaries';
        """,
    ];

    protected override bool Handles(StoredEvent e) => e.Data is ICaseEvent;

    protected override TakedownCase? Create(StoredEvent first) =>
        TakedownCase.Evolve(TakedownCase.Initial(((ICaseEvent)first.Data).ContentId), (ICaseEvent)first.Data);

    protected override TakedownCase Apply(StoredEvent e, TakedownCase current) => TakedownCase.Evolve(current, (ICaseEvent)e.Data);

    protected override IReadOnlyList<(string Column, object? Value)> Columns(TakedownCase view) =>
    [
        ("content_id", view.ContentId),
        ("status", view.Status.ToString().ToLowerInvariant()),
        ("category", view.Category),
        ("severity", view.Severity),
        ("platform", view.Platform),
        ("reporter_organisations", view.ReporterOrganisations.ToArray()),
        ("report_count", view.ReportIds.Count),
        ("first_reported_at", view.FirstReportedAt),
        ("first_notified_at", view.FirstNotifiedAt),
        ("removed_at", view.RemovedAt),
        ("regime", view.Regime),
        ("due_at", view.DueAt),
        ("breached", view.DeadlineBreached()),
    ];
}
