using MassTransit;
using Takedown.EventStore.Projections;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Transparency;
using Takedown.Reporting.Liveness;
using Takedown.Reporting.Sla;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.Reporting;

public static class ReportingModule
{
    private const string Schema = "reporting";

    public static WebApplicationBuilder AddReporting(this WebApplicationBuilder builder)
    {
        builder.AddTakedownEventStore(Schema, store =>
        {
            store.Events
                .Map<ContentReported>("content-reported")
                .Map<ContentClassified>("content-classified")
                .Map<ClassificationOverridden>("classification-overridden")
                .Map<FingerprintsRecorded>("fingerprints-recorded")
                .Map<ReuploadLinked>("reupload-linked")
                .Map<NoticeSent>("notice-sent")
                .Map<PlatformAcknowledged>("platform-acknowledged")
                .Map<RemovalConfirmed>("removal-confirmed")
                .Map<RemovalRejected>("removal-rejected")
                .Map<Escalated>("escalated")
                .Map<SlaBreached>("sla-breached")
                .Map<ContentReinstated>("content-reinstated")
                .Map<CaseClosed>("case-closed");
            store.ReadModelMigrations.AddRange(CaseSummaryProjection.Migrations);
            store.Projections.Add(new CaseSummaryProjection(Schema, store.Json), ProjectionLifecycle.Async);
            store.ReadModelMigrations.AddRange(TransparencyFactsProjection.Migrations);
            store.Projections.Add(new TransparencyFactsProjection(Schema, store.Json), ProjectionLifecycle.Async);
        });
        // Reporting:SlaClock:PollInterval bounds how late a breach is recorded (default 30 seconds).
        builder.Services.AddOptions<SlaClockOptions>().Bind(builder.Configuration.GetSection("Reporting:SlaClock"));
        builder.Services.AddHostedService<SlaClock>();
        builder.Services.AddSingleton<CaseStatusMetrics>();          // the takedown.cases gauge, from the case list
        builder.Services.AddHostedService(services => services.GetRequiredService<CaseStatusMetrics>());
        builder.AddTakedownBus(bus =>
        {
            bus.AddConsumer<CaseConsumers.ContentSubmittedConsumer, TakedownConsumerDefinition<CaseConsumers.ContentSubmittedConsumer>>();
            bus.AddConsumer<CaseConsumers.ContentClassifiedConsumer, TakedownConsumerDefinition<CaseConsumers.ContentClassifiedConsumer>>();
            bus.AddConsumer<CaseConsumers.ClassificationOverriddenConsumer, TakedownConsumerDefinition<CaseConsumers.ClassificationOverriddenConsumer>>();
            bus.AddConsumer<CaseConsumers.ContentFingerprintedConsumer, TakedownConsumerDefinition<CaseConsumers.ContentFingerprintedConsumer>>();
            bus.AddConsumer<CaseConsumers.ReuploadDetectedConsumer, TakedownConsumerDefinition<CaseConsumers.ReuploadDetectedConsumer>>();
        });
        builder.AddLiveness();      // checks case URLs on a schedule when Liveness:Enabled (docs/liveness.md)
        return builder;
    }
}
