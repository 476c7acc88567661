using Takedown.Ingest.Reports;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.Ingest;

public static class IngestModule
{
    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().Bind(builder.Configuration.GetSection("Ingest"));
        builder.AddTakedownEventStore("ingest", store =>
        {
            store.Events.Map<ReportReceived>("report-received");
            store.ReadModelMigrations.AddRange(Evidence.Migrations);
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
}
