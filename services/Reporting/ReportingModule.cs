using JasperFx.Events.Projections;
using MassTransit;
using Takedown.Reporting.Accounts;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Transparency;
using Takedown.Reporting.Liveness;
using Takedown.Reporting.Search;
using Takedown.Reporting.Search.Elasticsearch;
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
            store.Events.MapEventType<ContentReported>("content-reported");
            store.Events.MapEventType<ContentClassified>("content-classified");
            store.Events.MapEventType<ClassificationOverridden>("classification-overridden");
            store.Events.MapEventType<FingerprintsRecorded>("fingerprints-recorded");
            store.Events.MapEventType<ReuploadLinked>("reupload-linked");
            store.Events.MapEventType<NoticeSent>("notice-sent");
            store.Events.MapEventType<PlatformAcknowledged>("platform-acknowledged");
            store.Events.MapEventType<RemovalConfirmed>("removal-confirmed");
            store.Events.MapEventType<RemovalRejected>("removal-rejected");
            store.Events.MapEventType<Escalated>("escalated");
            store.Events.MapEventType<SlaBreached>("sla-breached");
            store.Events.MapEventType<ContentReinstated>("content-reinstated");
            store.Events.MapEventType<CaseClosed>("case-closed");
            store.Events.MapEventType<AccountContentReported>("account-content-reported");
            store.Events.MapEventType<AccountContentClassified>("account-content-classified");
            store.Events.MapEventType<AccountNoticeSent>("account-notice-sent");
            store.Events.MapEventType<AccountSuspended>("account-suspended");
            store.Events.MapEventType<AccountRestricted>("account-restricted");
            store.Events.MapEventType<AccountActionRejected>("account-action-rejected");
            store.Events.MapEventType<AccountReinstated>("account-reinstated");
            store.Events.MapEventType<AccountSlaBreached>("account-sla-breached");
            store.Projections.Add(TakedownCase.Aggregate, ProjectionLifecycle.Live);
            store.Projections.Add(PlatformAccount.Aggregate, ProjectionLifecycle.Live);
            store.Projections.Add(SearchableContent.Aggregate, ProjectionLifecycle.Live);
            CaseSummaries.Register(store);
            AccountSummaries.Register(store);
            SearchDocuments.Register(store);
            TransparencyFacts.Register(store);
        });
        builder.Services.AddSingleton<CaseSummaries>();
        builder.Services.AddSingleton<AccountSummaries>();
        builder.Services.AddSingleton<TransparencyFacts>();
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
        builder.AddElasticsearchIndexing(); // indexes cases into Elasticsearch when Search:Elasticsearch:Url is set (docs/search.md)
        return builder;
    }
}
