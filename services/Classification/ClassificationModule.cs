using JasperFx.Events.Projections;
using MassTransit;
using Takedown.Classification.Classify;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;
using Takedown.Triage;

namespace Takedown.Classification;

public static class ClassificationModule
{
    public static WebApplicationBuilder AddClassification(this WebApplicationBuilder builder)
    {
        builder.AddTakedownEventStore("classification", o =>
        {
            o.Events.MapEventType<ContentClassified>("content-classified");
            o.Events.MapEventType<ClassificationOverridden>("classification-overridden");
            o.Projections.Add(Classify.Classification.Aggregate, ProjectionLifecycle.Live);
        });
        // Classification:PolicyFile replaces the legal policy compiled into Takedown.Triage (legal-policy.json).
        var policyFile = builder.Configuration["Classification:PolicyFile"];
        builder.Services.AddSingleton(string.IsNullOrWhiteSpace(policyFile) ? LegalPolicy.Default : LegalPolicy.Load(policyFile));
        builder.AddTakedownBus(bus => bus.AddConsumer<ClassifyContentConsumer, TakedownConsumerDefinition<ClassifyContentConsumer>>());
        return builder;
    }
}
