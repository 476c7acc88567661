using JasperFx.Events.Projections;
using Takedown.Ingest.Reports;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.Ingest;

public static class IngestModule
{
    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().Bind(builder.Configuration.GetSection("Ingest"));
        builder.AddTakedownEventStore("ingest", o =>
        {
            o.Events.MapEventType<ReportReceived>("report-received");
            o.Projections.Add(Submission.Aggregate, ProjectionLifecycle.Live);
            o.Storage.ExtendedSchemaObjects.Add(Evidence.Table(o.DatabaseSchemaName));
            o.Storage.ExtendedSchemaObjects.Add(IdempotencyKeys.Table(o.DatabaseSchemaName));
        });
        builder.AddTakedownBus(); // Ingest only publishes, through its outbox
        return builder;
    }
}

public sealed class IngestOptions
{
    /// <summary>Where clients read cases (the Reporting service), for the Location header; relative when unset.</summary>
    public string? CaseBaseUrl { get; set; }

    /// <summary>Largest media item accepted inside a report.</summary>
    public long MaxMediaBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Body limit of the report import only; every other endpoint keeps its own limit.</summary>
    public long MaxImportBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Reports committed per unit of work during an import, so a large file is not one giant transaction.</summary>
    public int ImportBatchRows { get; set; } = 500;

    /// <summary>How long an <c>Idempotency-Key</c> of a report answers with its first answer; after it, the key is free again.</summary>
    public TimeSpan IdempotencyKeyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Rejected rows listed in an import's answer; the rest are only counted.</summary>
    public int MaxReportedErrors { get; set; } = 1000;
}
