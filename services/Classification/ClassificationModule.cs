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
        builder.AddTakedownEventStore("classification", store => store.Events
            .Map<ContentClassified>("content-classified")
            .Map<ClassificationOverridden>("classification-overridden"));
        // Classification:PolicyFile replaces the legal policy compiled into Takedown.Triage (legal-policy.json).
        var policyFile = builder.Configuration["Classification:PolicyFile"];
        builder.Services.AddSingleton(string.IsNullOrWhiteSpace(policyFile) ? LegalPolicy.Default : LegalPolicy.Load(policyFile));
        builder.AddTakedownBus(bus => bus.AddConsumer<ClassifyContentConsumer, TakedownConsumerDefinition<ClassifyContentConsumer>>());
        return builder;
    }
}
