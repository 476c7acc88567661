using MassTransit;
using Takedown.Classification.Classify;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.Classification;

public static class ClassificationModule
{
    public static WebApplicationBuilder AddClassification(this WebApplicationBuilder builder)
    {
        builder.AddTakedownEventStore("classification", store => store.Events.Map<ContentClassified>("content-classified"));
        builder.AddTakedownBus(bus => bus.AddConsumer<ClassifyContentConsumer, ClassifyContentConsumerDefinition>());
        return builder;
    }
}
