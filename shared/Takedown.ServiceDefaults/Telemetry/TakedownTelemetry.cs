using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Takedown.ServiceDefaults.Telemetry;

/// <summary>
/// The project's own trace source and meter, beside the ones the frameworks emit natively. Counters count what is
/// committed: they are added after the transaction that stored the events (EventSession.AfterCommit), so a retried
/// request or a redelivered message cannot count twice.
/// </summary>
public static class TakedownTelemetry
{
    public const string Name = "Takedown";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    // Span tags: identifiers and decisions only, never a report's text or a reporter's reference.
    public const string ContentIdTag = "takedown.content.id";
    public const string OutcomeTag = "takedown.outcome";

    public static readonly Counter<long> ReportsAccepted = Meter.CreateCounter<long>("takedown.reports.accepted", "{report}", "Reports durably stored by Ingest.");
    public static readonly Counter<long> ContentClassified = Meter.CreateCounter<long>("takedown.content.classified", "{item}", "Classification decisions, by category.");
    public static readonly Counter<long> ReuploadsDetected = Meter.CreateCounter<long>("takedown.reuploads.detected", "{match}", "Content matching already removed content.");
    public static readonly Counter<long> PlatformResponses = Meter.CreateCounter<long>("takedown.platform.responses", "{response}", "Platform answers recorded, by outcome.");
    public static readonly Counter<long> LivenessChecks = Meter.CreateCounter<long>("takedown.liveness.checks", "{check}", "URL liveness checks, by verdict and reason.");
    public static readonly Counter<long> LivenessActions = Meter.CreateCounter<long>("takedown.liveness.actions", "{action}", "Case changes the liveness monitor made or reported, by action.");
    public static readonly Counter<long> SlaBreaches = Meter.CreateCounter<long>("takedown.sla.breaches", "{breach}", "Legal deadlines recorded as missed, by regime (by the SLA clock or by a late removal).");

    /// <summary>First notice (or report) to confirmed removal; minutes to weeks, hence buckets from ten minutes to thirty days.</summary>
    public static readonly Histogram<double> TimeToRemoval = Meter.CreateHistogram(
        "takedown.case.time_to_removal", "s", "Time from a case's first notice (or first report, before any notice) to its confirmed removal, by platform and source.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [600, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 30 * 86400] });

    /// <summary>One bank lookup of a submission's hashes (lock wait included); well under a millisecond to a few.</summary>
    public static readonly Histogram<double> MatchDuration = Meter.CreateHistogram(
        "takedown.match.duration", "s", "Duration of one lookup of hashes and URL in the banks.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

    /// <summary>The name of the cases-by-status gauge Reporting observes from its case list.</summary>
    public const string CasesByStatus = "takedown.cases";

    /// <summary>Marks <paramref name="span"/> failed; false, so it can sit in an exception filter without catching.</summary>
    public static bool Failed(this Activity? span, Exception ex)
    {
        span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
        span?.SetTag(OutcomeTag, "failed");
        return false;
    }
}
