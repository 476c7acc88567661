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
            var ct = context.CancellationToken;
            var now = time.GetUtcNow();
            var stream = $"fingerprint-{m.ContentId}";
            IReadOnlyList<Contracts.Fingerprint> fingerprints = [.. Signals.Of(m), .. perceptual];

            var current = await session.AggregateAsync<IReadOnlyList<Contracts.Fingerprint>?, ContentFingerprinted>(stream, null, (_, e) => e.Fingerprints, ct);
            var events = new List<object>();
            if (current.State is null || !current.State.SequenceEqual(fingerprints))
                events.Add(new ContentFingerprinted(m.ContentId, fingerprints, now));

            var matches = matcher.Match(
                [.. fingerprints.Where(Signals.IsMatchable).Select(f => (f.Signal, f.Value)), (Signals.Url, m.CanonicalUrl)], options.Value.PdqMaxDistance);
            // One re-upload per removed content (its closest hash), never the content itself; one match per imported entry.
            events.AddRange(matches
                .Where(match => match.Entry.ContentId is { } matched && matched != m.ContentId)
                .GroupBy(match => match.Entry.ContentId!.Value)
                .Select(g => g.First())
                .Select(match => new ReuploadMatched(m.ContentId, match.Entry.ContentId!.Value, match.Entry.Bank, match.Signal, match.Value, now, match.Distance)));
            // An image found among an imported video's frames is one match with that video, not one per frame.
            events.AddRange(matches
                .Where(match => match.Entry.ContentId is null)
                .DistinctBy(match => match.Entry.Signal == Signals.Vpdq ? (match.Entry.Bank, match.Entry.Label, "") : (match.Entry.Bank, match.Entry.Label, match.Signal + match.Value + match.Entry.Value))
                .Select(match => new KnownHashMatched(m.ContentId, match.Entry.Bank, match.Signal, match.Value, match.Entry.Value, match.Distance,
                    match.Entry.Label, match.Entry.Source, now)));
            if (events.Count == 0)
                return;

            await session.AppendAsync(stream, current.Exists ? ExpectedVersion.Exactly(current.Version) : ExpectedVersion.NoStream, events, ct);
            if (events[0] is ContentFingerprinted fingerprinted)
            {
                await session.StageAsync(new Contracts.ContentFingerprinted
                {
                    ContentId = m.ContentId, Fingerprints = fingerprinted.Fingerprints, FingerprintedAt = fingerprinted.FingerprintedAt,
                }, ct);
            }
            foreach (var match in events.OfType<ReuploadMatched>())
            {
                var label = matches.First(x => x.Entry.ContentId == match.MatchedContentId).Entry.Label;
                await session.StageAsync(new Contracts.ReuploadDetected
                {
                    ContentId = match.ContentId, MatchedContentId = match.MatchedContentId, Signal = match.Signal,
                    Value = match.Value, Distance = match.Distance, DetectedAt = match.MatchedAt, Bank = match.Bank, Label = label,
                }, ct);
                var signal = match.Signal;
                session.AfterCommit(() => TakedownTelemetry.ReuploadsDetected.Add(1, new KeyValuePair<string, object?>("signal", signal)));
            }
            foreach (var match in events.OfType<KnownHashMatched>())
            {
                await session.StageAsync(new Contracts.KnownHashMatched
                {
                    ContentId = match.ContentId, Bank = match.Bank, Signal = match.Signal, Value = match.Value, MatchedValue = match.MatchedValue,
                    Distance = match.Distance, Label = match.Label, Source = match.Source, DetectedAt = match.MatchedAt,
                }, ct);
            }
        });
    }
}
