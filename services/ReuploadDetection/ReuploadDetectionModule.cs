using MassTransit;
using Microsoft.Extensions.Options;
using Takedown.EventStore.Projections;
using Takedown.Fingerprints.Media;
using Takedown.ReuploadDetection.Banks;
using Takedown.ReuploadDetection.Evidence;
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
                .Map<KnownHashMatched>("known-hash-matched")
                .Map<HashAdded>("hash-added")
                .Map<HashRemoved>("hash-removed");
            store.ReadModelMigrations.AddRange(BankCatalogue.Migrations);
            store.Projections.Add(new BankCatalogue(store.Schema), ProjectionLifecycle.Inline);
        });
        builder.Services.AddOptions<BankOptions>().Bind(builder.Configuration.GetSection("Takedown:Banks"));
        builder.Services.AddSingleton<IPdqCandidateIndex>(_ => new MultiIndexPdqIndex());
        builder.Services.AddSingleton<BankMatcher>();
        // Before the bus: the matcher is loaded before the first submission is consumed.
        builder.Services.AddSingleton<BankFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BankFeed>());
        // Reported media stays in Ingest's schema; fingerprinting fetches it from there.
        builder.Services.AddOptions<IngestClientOptions>().Bind(builder.Configuration.GetSection("Ingest"));
        builder.Services.AddHttpClient<EvidenceClient>((services, http) =>
        {
            if (services.GetRequiredService<IOptions<IngestClientOptions>>().Value.BaseUrl is { } ingest)
                http.BaseAddress = new Uri(ingest.AbsoluteUri.TrimEnd('/') + "/");
            http.Timeout = Timeout.InfiniteTimeSpan;   // each attempt has its own timeout (Polly)
        });
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
