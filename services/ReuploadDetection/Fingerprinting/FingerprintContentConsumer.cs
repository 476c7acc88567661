using MassTransit;
using Takedown.EventStore;
using Takedown.ReuploadDetection.Banks;
using Takedown.ServiceDefaults.Messaging;
using Takedown.ServiceDefaults.Telemetry;
using Contracts = Takedown.Contracts;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <summary>Fingerprints every submission and checks it against the bank of removed content.</summary>
public sealed class FingerprintContentConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ContentSubmitted>
{
    public Task Consume(ConsumeContext<Contracts.ContentSubmitted> context) =>
        store.ConsumeOnceAsync(context, "reupload-fingerprint-content", async session =>
        {
            var m = context.Message;
            var ct = context.CancellationToken;
            var now = time.GetUtcNow();
            var stream = $"fingerprint-{m.ContentId}";
            var fingerprints = Signals.Of(m);

            var current = await session.AggregateAsync<IReadOnlyList<Contracts.Fingerprint>?, ContentFingerprinted>(stream, null, (_, e) => e.Fingerprints, ct);
            var events = new List<object>();
            if (current.State is null || !current.State.SequenceEqual(fingerprints))
                events.Add(new ContentFingerprinted(m.ContentId, fingerprints, now));

            var matches = await BankIndex.FindRemovedAsync(session, m.ContentId, fingerprints, ct);
            events.AddRange(matches.Select(match => new ReuploadMatched(m.ContentId, match.ContentId, BankIndex.RemovedBank, match.Signal, match.Value, now)));
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
                await session.StageAsync(new Contracts.ReuploadDetected
                {
                    ContentId = match.ContentId, MatchedContentId = match.MatchedContentId, Signal = match.Signal,
                    Value = match.Value, Distance = 0, DetectedAt = match.MatchedAt,
                }, ct);
                TakedownTelemetry.ReuploadsDetected.Add(1, new KeyValuePair<string, object?>("signal", match.Signal));
            }
        });
}
