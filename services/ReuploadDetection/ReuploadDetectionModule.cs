using MassTransit;
using Takedown.ReuploadDetection.Banks;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.ReuploadDetection;

public static class ReuploadDetectionModule
{
    public static WebApplicationBuilder AddReuploadDetection(this WebApplicationBuilder builder)
    {
        builder.AddTakedownEventStore("reupload", store =>
        {
            store.Events
                .Map<ContentFingerprinted>("content-fingerprinted")
                .Map<ReuploadMatched>("reupload-matched")
                .Map<HashAdded>("hash-added");
            store.ReadModelMigrations.AddRange(BankIndex.Migrations);
        });
        builder.AddTakedownBus(bus =>
        {
            bus.AddConsumer<FingerprintContentConsumer, ReuploadConsumerDefinition<FingerprintContentConsumer>>();
            bus.AddConsumer<BankRemovedContentConsumer, ReuploadConsumerDefinition<BankRemovedContentConsumer>>();
        });
        return builder;
    }
}

public sealed class ReuploadConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseTakedownRetry();
        endpointConfigurator.ConcurrentMessageLimit = 8;
    }
}
