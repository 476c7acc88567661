using JasperFx.Events.Projections;
using MassTransit;
using Takedown.Fingerprints.Media;
using Takedown.ReuploadDetection.Banks;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults;
using Takedown.ServiceDefaults.Evidence;
using Takedown.ServiceDefaults.Messaging;

namespace Takedown.ReuploadDetection;

public static class ReuploadDetectionModule
{
    public static WebApplicationBuilder AddReuploadDetection(this WebApplicationBuilder builder)
    {
        builder.AddTakedownEventStore("reupload", store =>
        {
            store.Events.MapEventType<ContentFingerprinted>("content-fingerprinted");
            store.Events.MapEventType<ReuploadMatched>("reupload-matched");
            store.Events.MapEventType<KnownHashMatched>("known-hash-matched");
            store.Events.MapEventType<HashAdded>("hash-added");
            store.Events.MapEventType<HashRemoved>("hash-removed");
            store.Projections.Add(ContentFingerprints.Aggregate, ProjectionLifecycle.Live);
            store.Projections.Add(Bank.Aggregate, ProjectionLifecycle.Inline);
            BankCatalogue.Register(store);
            // Every replica's bank feed reads up to the high-water mark, which needs the daemon running, and moving soon:
            // when caught up the daemon looks again after SlowPollingTime (1 s by default); with the feed's own poll this
            // keeps a banked hash matchable everywhere within a second.
            store.Projections.Subscribe(new HighWaterKeeper());
            store.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
        });
        builder.Services.AddOptions<BankOptions>().Bind(builder.Configuration.GetSection("Takedown:Banks"));
        builder.Services.AddSingleton<IPdqCandidateIndex>(_ => new MultiIndexPdqIndex());
        builder.Services.AddSingleton<BankMatcher>();
        // Before the bus: the matcher is loaded before the first submission is consumed.
        builder.Services.AddSingleton<BankFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BankFeed>());
        // Reported media stays in Ingest's schema; fingerprinting fetches it from there.
        builder.AddIngestEvidenceClient();
        // ffmpeg decodes images and video for pdq and vpdq (docs/fingerprints.md, "Images and video").
        builder.Services.AddSingleton(_ => new MediaFingerprinter(builder.Configuration.GetSection("Takedown:Media").Get<MediaOptions>() ?? new MediaOptions()));
        builder.Services.AddSingleton<MediaSignals>();
        builder.AddTakedownBus(bus =>
        {
            bus.AddConsumer<FingerprintContentConsumer, TakedownConsumerDefinition<FingerprintContentConsumer>>();
            bus.AddConsumer<BankRemovedContentConsumer, TakedownConsumerDefinition<BankRemovedContentConsumer>>();
        });
        return builder;
    }
}
