using System.Globalization;
using CsvHelper;

namespace Takedown.Reporting.Transparency;

/// <summary>
/// The report as one CSV table (RFC 4180): a row per platform × category, then each platform's and each category's
/// totals and the grand total, marked "(all)". Empty cells are figures that do not exist (no removals, no deadline).
/// </summary>
public static class TransparencyCsv
{
    public const string All = "(all)";

    public static readonly IReadOnlyList<string> Header =
    [
        "platform", "category", "cases", "reports", "notified", "notices_sent", "removed", "removed_without_notice", "rejected", "open",
        "removal_rate", "time_to_removal_count", "time_to_removal_p50_hours", "time_to_removal_p90_hours", "time_to_removal_p99_hours",
        "sla_with_deadline", "sla_met", "sla_missed", "sla_pending", "sla_compliance_rate", "reuploads",
        "removed_with_views", "views_before_removal", "median_views_before_removal",
        "answers_notified", "time_to_acknowledgement_count", "time_to_acknowledgement_p50_hours", "time_to_acknowledgement_p90_hours",
        "time_to_acknowledgement_p99_hours", "time_to_answer_count", "time_to_answer_p50_hours", "time_to_answer_p90_hours", "time_to_answer_p99_hours",
        "unanswered_after_24h", "unanswered_after_7d", "unanswered_after_30d", "answered_does_not_violate", "removed_after_does_not_violate",
        "removed_after_does_not_violate_share", "escalated_outside_channel",
    ];

    public static string Write(TransparencyReport report)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\r\n" };
        using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture))
        {
            foreach (var name in Header)
                csv.WriteField(name);
            csv.NextRecord();
            foreach (var row in report.PlatformCategories)
                WriteRow(csv, row.Platform, row.Category, row.Figures);
            foreach (var row in report.Platforms)
                WriteRow(csv, row.Platform, All, row.Figures);
            foreach (var row in report.Categories)
                WriteRow(csv, All, row.Category, row.Figures);
            WriteRow(csv, All, All, report.Totals);
        }
        return text.ToString();
    }

    private static void WriteRow(CsvWriter csv, string platform, string category, Figures f)
    {
        var a = f.Answers;
        object?[] cells =
        [
            platform, category, f.Cases, f.Reports, f.Notified, f.NoticesSent, f.Removed, f.RemovedWithoutNotice, f.Rejected, f.Open,
            f.RemovalRate, f.TimeToRemoval.Count, f.TimeToRemoval.P50Hours, f.TimeToRemoval.P90Hours, f.TimeToRemoval.P99Hours,
            f.Sla.WithDeadline, f.Sla.Met, f.Sla.Missed, f.Sla.Pending, f.Sla.ComplianceRate, f.Reuploads,
            f.ViewsBeforeRemoval.Cases, f.ViewsBeforeRemoval.Total, f.ViewsBeforeRemoval.Median,
            a.Notified, a.TimeToAcknowledgement.Count, a.TimeToAcknowledgement.P50Hours, a.TimeToAcknowledgement.P90Hours, a.TimeToAcknowledgement.P99Hours,
            a.TimeToAnswer.Count, a.TimeToAnswer.P50Hours, a.TimeToAnswer.P90Hours, a.TimeToAnswer.P99Hours,
            a.UnansweredAfter24Hours, a.UnansweredAfter7Days, a.UnansweredAfter30Days, a.AnsweredDoesNotViolate, a.RemovedAfterDoesNotViolate,
            a.RemovedAfterDoesNotViolateShare, a.EscalatedOutsideChannel,
        ];
        foreach (var cell in cells)
            csv.WriteField(cell switch
            {
                null => "",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
                _ => cell.ToString(),
            });
        csv.NextRecord();
    }
}
