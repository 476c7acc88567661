using MassTransit;
using Takedown.EventStore;
using Takedown.ReuploadDetection.Fingerprinting;
using Takedown.ServiceDefaults.Messaging;
using Contracts = Takedown.Contracts;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>Once a platform removed content, its fingerprints enter the REMOVED bank so re-uploads are caught.</summary>
public sealed class BankRemovedContentConsumer(EventStore.EventStore store, BankMatcher matcher, TimeProvider time) : IConsumer<Contracts.TakedownConfirmed>
{
    public async Task Consume(ConsumeContext<Contracts.TakedownConfirmed> context)
    {
        (HashAdded[] Added, long Version)? committed = null;
        await store.ConsumeOnceAsync(context, "reupload-bank-removed-content", async session =>
        {
            var m = context.Message;
            var ct = context.CancellationToken;
            var fingerprinted = await session.AggregateAsync<ContentFingerprinted?, ContentFingerprinted>(
                $"fingerprint-{m.ContentId}", null, (_, e) => e, ct);
            // Fingerprinting runs in parallel with the rest of the pipeline; the retry policy waits for it.
            if (fingerprinted.State is null)
                throw new ContentNotFingerprintedYet(m.ContentId);

            // A second confirmation (platform, then a liveness check) must not bank the same hashes twice.
            await BankCatalogue.LockAsync(session, Bank.Removed, ct);
            var banked = await BankCatalogue.ExistingAsync(session, Bank.Removed, m.ContentId,
                [.. fingerprinted.State.Fingerprints.Select(f => (f.Signal, f.Value))], ct);
            var now = time.GetUtcNow();
            var added = fingerprinted.State.Fingerprints
                .Where(f => Signals.IsMatchable(f) && !banked.Contains((f.Signal, f.Value)))
                .Select(f => new HashAdded(Bank.Removed, f.Signal, f.Value, m.ContentId, $"removed from {m.Platform}", m.Source, now))
                .ToArray();
            if (added.Length == 0)
                return;

            var version = await session.AppendAsync(Bank.StreamId(Bank.Removed), ExpectedVersion.Any, added, ct);
            committed = (added, version);
        });
        // Committed by now; the feed would bring these within its poll interval, this replica need not wait.
        if (committed is var (hashes, last))
        {
            for (var i = 0; i < hashes.Length; i++)
                matcher.Add(hashes[i], last - hashes.Length + i + 1);
        }
    }
}

public sealed class ContentNotFingerprintedYet(Guid contentId) : Exception($"Content {contentId} has not been fingerprinted yet.");
