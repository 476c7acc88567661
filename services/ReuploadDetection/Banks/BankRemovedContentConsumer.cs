using MassTransit;
using Takedown.EventStore;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults.Messaging;
using Contracts = Takedown.Contracts;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>Once a platform removed content, its fingerprints enter the REMOVED bank so re-uploads are caught.</summary>
public sealed class BankRemovedContentConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.TakedownConfirmed>
{
    public Task Consume(ConsumeContext<Contracts.TakedownConfirmed> context) =>
        store.ConsumeOnceAsync(context, "reupload-bank-removed-content", async session =>
        {
            var m = context.Message;
            var ct = context.CancellationToken;
            var fingerprinted = await session.AggregateAsync<ContentFingerprinted?, ContentFingerprinted>(
                $"fingerprint-{m.ContentId}", null, (_, e) => e, ct);
            // Fingerprinting runs in parallel with the rest of the pipeline; the retry policy waits for it.
            if (fingerprinted.State is null)
                throw new ContentNotFingerprintedYet(m.ContentId);

            var now = time.GetUtcNow();
            var added = fingerprinted.State.Fingerprints
                .Select(f => new HashAdded(BankIndex.RemovedBank, f.Signal, f.Value, m.ContentId, $"removed from {m.Platform}", m.Source, now))
                .ToArray();
            if (added.Length == 0)
                return;

            await session.AppendAsync($"bank-{BankIndex.RemovedBank}", ExpectedVersion.Any, added, ct);
            foreach (var hash in added)
                await BankIndex.AddAsync(session, hash, ct);
        });
}

public sealed class ContentNotFingerprintedYet(Guid contentId) : Exception($"Content {contentId} has not been fingerprinted yet.");
