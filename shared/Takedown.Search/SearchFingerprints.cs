using System.Globalization;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Text;

namespace Takedown.Search;

/// <summary>
/// The searchable forms of a content item's fingerprints, from ReuploadDetection's "{signal}:{value}" list: PDQ hashes
/// (images and video frames) with their 16-bit chunks, and the text fingerprint's MinHash band keys.
/// </summary>
public sealed record SearchFingerprints(IReadOnlyList<string> Pdq, IReadOnlyList<string> PdqChunks, IReadOnlyList<string> TextMinhashBands)
{
    public const int ChunkCount = 16;

    /// <summary>Signals whose value is a PDQ hash that may be matched ("pdq-low-quality" never is).</summary>
    public static readonly IReadOnlySet<string> PdqSignals = new HashSet<string>(["pdq", "vpdq"], StringComparer.Ordinal);

    public const string TextMinhashSignal = "text-minhash";

    public static SearchFingerprints Of(IEnumerable<string> fingerprints)
    {
        var pdq = new List<string>();
        var bands = new List<string>();
        foreach (var fingerprint in fingerprints)
        {
            var colon = fingerprint.IndexOf(':');
            if (colon <= 0)
                continue;
            var signal = fingerprint[..colon];
            var value = fingerprint[(colon + 1)..];
            if (PdqSignals.Contains(signal) && PdqHash.TryParse(value, 0, out var hash) && !pdq.Contains(hash.ToHex()))
                pdq.Add(hash.ToHex());
            else if (signal == TextMinhashSignal && TextFingerprint.TryParse(value, out var text))
                bands.AddRange(text.LookupKeys().Where(key => !bands.Contains(key)));
        }
        return new SearchFingerprints(pdq, [.. pdq.SelectMany(Chunks).Distinct(StringComparer.Ordinal)], bands);
    }

    /// <summary>
    /// A PDQ hash's 16 chunks of 16 bits as keywords "{chunk:x}{bits:x4}". Two hashes within distance 15 share at
    /// least one chunk exactly (pigeonhole), so a chunk match is a cheap candidate filter before the exact distance.
    /// </summary>
    public static IEnumerable<string> Chunks(string pdqHex)
    {
        var hex = PdqHash.Parse(pdqHex).ToHex();
        for (var chunk = 0; chunk < ChunkCount; chunk++)
            yield return chunk.ToString("x", CultureInfo.InvariantCulture) + hex.Substring(chunk * 4, 4);
    }
}
