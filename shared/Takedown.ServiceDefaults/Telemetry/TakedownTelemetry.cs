using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Takedown.ServiceDefaults.Telemetry;

/// <summary>The project's own trace source and meter, beside the ones the frameworks emit natively.</summary>
public static class TakedownTelemetry
{
    public const string Name = "Takedown";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ReportsAccepted = Meter.CreateCounter<long>("takedown.reports.accepted", "{report}", "Reports durably stored by Ingest.");
    public static readonly Counter<long> ContentClassified = Meter.CreateCounter<long>("takedown.content.classified", "{item}", "Classification decisions, by category.");
    public static readonly Counter<long> ReuploadsDetected = Meter.CreateCounter<long>("takedown.reuploads.detected", "{match}", "Content matching already removed content.");
    public static readonly Counter<long> PlatformResponses = Meter.CreateCounter<long>("takedown.platform.responses", "{response}", "Platform answers recorded, by outcome.");
    public static readonly Counter<long> LivenessChecks = Meter.CreateCounter<long>("takedown.liveness.checks", "{check}", "URL liveness checks, by verdict and reason.");
    public static readonly Counter<long> LivenessActions = Meter.CreateCounter<long>("takedown.liveness.actions", "{action}", "Case changes the liveness monitor made or reported, by action.");
    public static readonly Counter<long> SlaBreaches = Meter.CreateCounter<long>("takedown.sla.breaches", "{breach}", "Legal deadlines recorded as missed by the SLA clock, by regime.");
}
