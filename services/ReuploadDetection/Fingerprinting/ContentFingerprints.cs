using Takedown.Contracts;
using Takedown.EventStore;
using Takedown.ReuploadDetection.Banks;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <param name="Fingerprints">Every signal of the submission, recorded or not.</param>
/// <param name="Matches">What the matchable fingerprints and the URL matched in the banks.</param>
public sealed record FingerprintContent(Guid ContentId, IReadOnlyList<Fingerprint> Fingerprints, IReadOnlyList<BankMatch> Matches, DateTimeOffset Now);

/// <summary>What a content item's fingerprint stream says: its latest fingerprints, null before the first.</summary>
public sealed record ContentFingerprints(IReadOnlyList<Fingerprint>? Fingerprints)
{
    public static readonly ContentFingerprints None = new((IReadOnlyList<Fingerprint>?)null);

    public static string StreamId(Guid contentId) => $"fingerprint-{contentId}";

    public static readonly StreamAggregate<ContentFingerprints, IFingerprintEvent> Aggregate = new(_ => None, Evolve);

    /// <summary>
    /// Fingerprints are recorded when they are new or changed. Matches are recorded on every submission: one re-upload
    /// per removed content (its closest hash), never the content itself; one match per imported entry, and an image
    /// found among an imported video's frames is one match with that video, not one per frame.
    /// </summary>
    public static IFingerprintEvent[] Decide(FingerprintContent command, ContentFingerprints state)
    {
        var events = new List<IFingerprintEvent>();
        if (state.Fingerprints is null || !state.Fingerprints.SequenceEqual(command.Fingerprints))
            events.Add(new ContentFingerprinted(command.ContentId, command.Fingerprints, command.Now));
        events.AddRange(command.Matches
            .Where(match => match.Entry.ContentId is { } matched && matched != command.ContentId)
            .GroupBy(match => match.Entry.ContentId!.Value)
            .Select(g => g.First())
            .Select(match => new ReuploadMatched(command.ContentId, match.Entry.ContentId!.Value, match.Entry.Bank, match.Signal, match.Value, command.Now, match.Distance)));
        events.AddRange(command.Matches
            .Where(match => match.Entry.ContentId is null)
            .DistinctBy(match => match.Entry.Signal == Signals.Vpdq
                ? (match.Entry.Bank, match.Entry.Label, "")
                : (match.Entry.Bank, match.Entry.Label, match.Signal + match.Value + match.Entry.Value))
            .Select(match => new KnownHashMatched(command.ContentId, match.Entry.Bank, match.Signal, match.Value, match.Entry.Value, match.Distance,
                match.Entry.Label, match.Entry.Source, command.Now)));
        return [.. events];
    }

    public static ContentFingerprints Evolve(ContentFingerprints state, IFingerprintEvent e) => e switch
    {
        ContentFingerprinted fingerprinted => new ContentFingerprints(fingerprinted.Fingerprints),
        _ => state,
    };
}
