using MassTransit;
using Microsoft.Extensions.Options;
using Takedown.EventStore;
using Takedown.ReuploadDetection.Banks;
using Takedown.ServiceDefaults.Messaging;
using Takedown.ServiceDefaults.Telemetry;
using Contracts = Takedown.Contracts;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <summary>Fingerprints every submission and checks it, and its URL, against every bank.</summary>
public sealed class FingerprintContentConsumer(
    EventStore.EventStore store, BankMatcher matcher, MediaSignals media, IOptions<BankOptions> options, TimeProvider time)
    : IConsumer<Contracts.ContentSubmitted>
{
    public async Task Consume(ConsumeContext<Contracts.ContentSubmitted> context)
    {
        // Decoding takes seconds for a video: done before the transaction, so no connection waits on ffmpeg.
        var perceptual = await media.OfAsync(context.Message, context.CancellationToken);
        await store.ConsumeOnceAsync(context, "reupload-fingerprint-content", async session =>
        {
            var m = context.Message;
            IReadOnlyList<Contracts.Fingerprint> fingerprints = [.. Signals.Of(m), .. perceptual];
            var matches = matcher.Match(
                [.. fingerprints.Where(Signals.IsMatchable).Select(f => (f.Signal, f.Value)), (Signals.Url, m.CanonicalUrl)], options.Value.PdqMaxDistance);
            var command = new FingerprintContent(m.ContentId, fingerprints, matches, time.GetUtcNow());
            var decided = await session.DecideAsync(ContentFingerprints.Aggregate, ContentFingerprints.StreamId(m.ContentId), null,
                state => ContentFingerprints.Decide(command, state), context.CancellationToken);

            foreach (var e in decided.NewEvents)
            {
                switch (e)
                {
                    case ContentFingerprinted fingerprinted:
                        session.Stage(new Contracts.ContentFingerprinted
                        {
                            ContentId = m.ContentId, Fingerprints = fingerprinted.Fingerprints, FingerprintedAt = fingerprinted.FingerprintedAt,
                        });
                        break;
                    case ReuploadMatched match:
                        session.Stage(new Contracts.ReuploadDetected
                        {
                            ContentId = match.ContentId, MatchedContentId = match.MatchedContentId, Signal = match.Signal, Value = match.Value,
                            Distance = match.Distance, DetectedAt = match.MatchedAt, Bank = match.Bank,
                            Label = matches.First(x => x.Entry.ContentId == match.MatchedContentId).Entry.Label,
                        });
                        session.AfterCommit(() => TakedownTelemetry.ReuploadsDetected.Add(1, new KeyValuePair<string, object?>("signal", match.Signal)));
                        break;
                    case KnownHashMatched match:
                        session.Stage(new Contracts.KnownHashMatched
                        {
                            ContentId = match.ContentId, Bank = match.Bank, Signal = match.Signal, Value = match.Value, MatchedValue = match.MatchedValue,
                            Distance = match.Distance, Label = match.Label, Source = match.Source, DetectedAt = match.MatchedAt,
                        });
                        break;
                }
            }
        });
    }
}
