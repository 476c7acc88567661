using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Takedown.EventStore.Evidence;

/// <summary>Something in a bundle that does not hold.</summary>
/// <param name="Subject">What: "event version 3", a file's path in the bundle, "manifest.sig", "public-key.pem".</param>
public sealed record BundleProblem(string Subject, string Problem)
{
    public override string ToString() => $"{Subject}: {Problem}";
}

/// <param name="Problems">In the order checked; the first is the one to act on.</param>
/// <param name="Notes">What holds but a reader should know (media Ingest no longer had when the bundle was made).</param>
public sealed record BundleVerification(
    Guid? CaseId, string? StreamId, long EventsChecked, string? ChainHead, string? KeyId,
    IReadOnlyList<BundleProblem> Problems, IReadOnlyList<string> Notes)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>
/// Checks an evidence bundle with nothing but the zip (and, to pin the signer, a public key): recomputes the hash chain
/// from the events, checks each file against the manifest, derives the reported text, notices and fingerprints from
/// the events again, checks each media item against the SHA-256 its report recorded, and checks the manifest's signature.
/// </summary>
public static class EvidenceBundleVerifier
{
    private const long MaxEntryBytes = 1L << 30;

    public static BundleVerification Verify(Stream zip, EvidencePublicKey? pinned = null)
    {
        var problems = new List<BundleProblem>();
        var notes = new List<string>();
        Dictionary<string, byte[]> entries;
        try
        {
            entries = ReadEntries(zip, problems);
        }
        catch (InvalidDataException e)
        {
            return new(null, null, 0, null, null, [new BundleProblem("bundle", $"not a readable zip: {e.Message}")], notes);
        }

        var missing = new[] { EvidenceBundle.ManifestPath, EvidenceBundle.SignaturePath, EvidenceBundle.PublicKeyPath, EvidenceBundle.EventsPath }
            .Where(path => !entries.ContainsKey(path)).ToList();
        if (missing.Count > 0)
            return new(null, null, 0, null, null, [.. problems, .. missing.Select(path => new BundleProblem(path, "missing from the bundle"))], notes);

        var manifest = Read<BundleManifest>(entries, EvidenceBundle.ManifestPath, problems);
        var events = Read<BundleEvents>(entries, EvidenceBundle.EventsPath, problems);
        if (manifest is null || events is null)
            return new(null, null, 0, null, null, problems, notes);

        var checkedEvents = CheckChain(events, problems, out var chained);
        CheckManifestAgainstChain(manifest, events, chained, problems);
        CheckFiles(manifest, entries, problems);
        if (chained is not null)
        {
            try
            {
                CheckContents(manifest, events, entries, problems, notes);
            }
            catch (JsonException e)
            {
                problems.Add(new BundleProblem(EvidenceBundle.EventsPath, $"an event's data is not JSON: {e.Message}"));
            }
        }
        var keyId = CheckSignature(manifest, entries, pinned, problems);
        return new(manifest.CaseId, events.StreamId, checkedEvents, chained?.LastOrDefault()?.Hash, keyId, problems, notes);
    }

    private static Dictionary<string, byte[]> ReadEntries(Stream zip, List<BundleProblem> problems)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/'))
                continue;   // a folder
            if (entry.Length > MaxEntryBytes)
            {
                problems.Add(new BundleProblem(entry.FullName, $"larger than {MaxEntryBytes} bytes"));
                continue;
            }
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            if (!entries.TryAdd(entry.FullName, buffer.ToArray()))
                problems.Add(new BundleProblem(entry.FullName, "appears twice in the bundle"));
        }
        return entries;
    }

    private static T? Read<T>(Dictionary<string, byte[]> entries, string path, List<BundleProblem> problems) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(entries[path], EvidenceBundle.Json)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            problems.Add(new BundleProblem(path, $"cannot be read: {e.Message}"));
            return null;
        }
    }

    /// <returns>The number of events whose link holds; <paramref name="chained"/> is null when the chain breaks.</returns>
    private static long CheckChain(BundleEvents events, List<BundleProblem> problems, out List<ChainedEvent>? chained)
    {
        chained = [];
        foreach (var e in events.Events)
        {
            if (!EvidenceBundle.TryParseTimestamp(e.Timestamp, out var micros))
            {
                problems.Add(new BundleProblem($"event version {e.Version}", $"timestamp '{e.Timestamp}' is not UTC with six fractional digits"));
                chained = null;
                return 0;
            }
            chained.Add(new ChainedEvent(events.StreamId, e.Version, e.Type, e.Data, micros, e.Hash, null, null, null));
        }
        if (ChainedEvents.FirstBreak(chained) is { } broken)
        {
            problems.Add(new BundleProblem($"event version {broken.Version}", broken.Problem));
            var intact = broken.Version - 1;
            chained = null;
            return intact;
        }
        if (chained.Count == 0)
        {
            problems.Add(new BundleProblem(EvidenceBundle.EventsPath, "holds no events"));
            chained = null;
        }
        return chained?.Count ?? 0;
    }

    private static void CheckManifestAgainstChain(BundleManifest manifest, BundleEvents events, List<ChainedEvent>? chained, List<BundleProblem> problems)
    {
        if (manifest.Format != EvidenceBundle.Format)
            problems.Add(new BundleProblem(EvidenceBundle.ManifestPath, $"format '{manifest.Format}' is not {EvidenceBundle.Format}"));
        if (manifest.StreamId != events.StreamId || manifest.StreamId != EvidenceBundle.StreamIdOf(manifest.CaseId))
            problems.Add(new BundleProblem(EvidenceBundle.ManifestPath, $"stream '{manifest.StreamId}' is not case {manifest.CaseId}'s events' stream '{events.StreamId}'"));
        if (chained is { Count: > 0 } && (manifest.StreamVersion != chained[^1].Version || manifest.ChainHead != chained[^1].Hash))
            problems.Add(new BundleProblem(EvidenceBundle.ManifestPath,
                $"names version {manifest.StreamVersion} with head {manifest.ChainHead}, but the events end at version {chained[^1].Version} with head {chained[^1].Hash}"));
    }

    private static void CheckFiles(BundleManifest manifest, Dictionary<string, byte[]> entries, List<BundleProblem> problems)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            if (!listed.Add(file.Path))
            {
                problems.Add(new BundleProblem(file.Path, "is listed twice in the manifest"));
                continue;
            }
            if (!entries.TryGetValue(file.Path, out var bytes))
            {
                problems.Add(new BundleProblem(file.Path, "is in the manifest but not in the bundle"));
                continue;
            }
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (sha256 != file.Sha256 || bytes.LongLength != file.Length)
                problems.Add(new BundleProblem(file.Path, $"SHA-256 {sha256} ({bytes.LongLength} bytes) does not match the manifest's {file.Sha256} ({file.Length} bytes)"));
        }
        foreach (var path in entries.Keys.Where(p => p is not (EvidenceBundle.ManifestPath or EvidenceBundle.SignaturePath) && !listed.Contains(p)).Order(StringComparer.Ordinal))
            problems.Add(new BundleProblem(path, "is in the bundle but not in the manifest"));
    }

    private static void CheckContents(BundleManifest manifest, BundleEvents events, Dictionary<string, byte[]> entries, List<BundleProblem> problems, List<string> notes)
    {
        var derived = EvidenceBundle.DerivedFiles(events.StreamId, events.Events);
        derived.Remove(EvidenceBundle.EventsPath);   // the source itself
        foreach (var (path, expected) in derived)
        {
            if (!entries.TryGetValue(path, out var actual))
                problems.Add(new BundleProblem(path, "follows from the events but is not in the bundle"));
            else if (!actual.AsSpan().SequenceEqual(expected))
                problems.Add(new BundleProblem(path, "is not what the events say"));
        }
        foreach (var path in entries.Keys.Where(p => p.StartsWith(EvidenceBundle.TextFolder, StringComparison.Ordinal) && !derived.ContainsKey(p)))
            problems.Add(new BundleProblem(path, "is no event's reported text"));

        var media = EvidenceBundle.MediaOf(events.Events);
        var omitted = manifest.OmittedMedia.ToDictionary(m => m.Sha256, StringComparer.Ordinal);
        foreach (var item in media)
        {
            var path = EvidenceBundle.MediaFolder + item.Sha256;
            if (!entries.TryGetValue(path, out var bytes))
            {
                if (omitted.TryGetValue(item.Sha256, out var why))
                    notes.Add($"media {item.Sha256} of event version {item.Version} is not in the bundle: {why.Reason}");
                else
                    problems.Add(new BundleProblem(path, $"event version {item.Version} reported it, but it is not in the bundle"));
                continue;
            }
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (sha256 != item.Sha256)
                problems.Add(new BundleProblem(path, $"the bytes' SHA-256 is {sha256}, not the {item.Sha256} that event version {item.Version} recorded"));
        }
        var reported = media.Select(m => EvidenceBundle.MediaFolder + m.Sha256).ToHashSet(StringComparer.Ordinal);
        foreach (var path in entries.Keys.Where(p => p.StartsWith(EvidenceBundle.MediaFolder, StringComparison.Ordinal) && !reported.Contains(p)))
            problems.Add(new BundleProblem(path, "is no reported media of the case"));
    }

    private static string? CheckSignature(BundleManifest manifest, Dictionary<string, byte[]> entries, EvidencePublicKey? pinned, List<BundleProblem> problems)
    {
        EvidencePublicKey key;
        try
        {
            key = EvidencePublicKey.Parse(Encoding.ASCII.GetString(entries[EvidenceBundle.PublicKeyPath]));
        }
        catch (FormatException e)
        {
            problems.Add(new BundleProblem(EvidenceBundle.PublicKeyPath, e.Message));
            return null;
        }
        if (manifest.KeyId != key.KeyId)
            problems.Add(new BundleProblem(EvidenceBundle.ManifestPath, $"names key {manifest.KeyId}, but {EvidenceBundle.PublicKeyPath} is {key.KeyId}"));
        if (pinned is not null && pinned.KeyId != key.KeyId)
            problems.Add(new BundleProblem(EvidenceBundle.PublicKeyPath, $"is key {key.KeyId}, not the pinned key {pinned.KeyId}"));
        if (!key.Verify(entries[EvidenceBundle.ManifestPath], entries[EvidenceBundle.SignaturePath]))
            problems.Add(new BundleProblem(EvidenceBundle.SignaturePath, $"the signature of {EvidenceBundle.ManifestPath} does not verify with {EvidenceBundle.PublicKeyPath}"));
        return key.KeyId;
    }
}
