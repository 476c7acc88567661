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
            bus.AddConsumer<FingerprintContentConsumer, TakedownConsumerDefinition<FingerprintContentConsumer>>();
            bus.AddConsumer<BankRemovedContentConsumer, TakedownConsumerDefinition<BankRemovedContentConsumer>>();
        });
        return builder;
    }
}
