using MassTransit;
using Takedown.EventStore;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults.Messaging;
using Contracts = Takedown.Contracts;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>Once a platform removed content, its fingerprints enter the REMOVED bank so re-uploads are caught.</summary>
public sealed class BankRemovedContentConsumer(EventStore.EventStore store, BankMatcher matcher, TimeProvider time) : IConsumer<Contracts.TakedownConfirmed>
{
    public Task Consume(ConsumeContext<Contracts.TakedownConfirmed> context) =>
        store.ConsumeOnceAsync(context, "reupload-bank-removed-content", async session =>
        {
            var m = context.Message;
            var ct = context.CancellationToken;
            // Fingerprinting runs in parallel with the rest of the pipeline; the retry policy waits for it.
            var fingerprinted = await store.AggregateAsync(ContentFingerprints.Aggregate, ContentFingerprints.StreamId(m.ContentId), ct);
            if (fingerprinted.State.Fingerprints is not { } fingerprints)
                throw new ContentNotFingerprintedYet(m.ContentId);

            BankHash[] hashes = [.. fingerprints.Where(Signals.IsMatchable).Select(f => new BankHash(f.Signal, f.Value, $"removed from {m.Platform}", m.Source))];
            // A second confirmation (platform, then a liveness check) banks nothing again: the hashes are in the catalogue.
            await BankCatalogue.DecideAsync(session, Bank.Removed, matcher, async () => new AddHashes(
                hashes, m.ContentId, await BankCatalogue.ExistingAsync(session, Bank.Removed, m.ContentId, [.. hashes.Select(h => (h.Signal, h.Value))], ct),
                time.GetUtcNow()), ct);
        });
}

public sealed class ContentNotFingerprintedYet(Guid contentId) : Exception($"Content {contentId} has not been fingerprinted yet.");
