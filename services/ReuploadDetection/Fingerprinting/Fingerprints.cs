using System.Security.Cryptography;
using System.Text;
using Takedown.Contracts;
using Takedown.Fingerprints.Text;
using Takedown.Text;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <summary>An event in the stream "fingerprint-{contentId}".</summary>
public interface IFingerprintEvent
{
    Guid ContentId { get; }
}

/// <summary>The fingerprints of one content item.</summary>
public sealed record ContentFingerprinted(Guid ContentId, IReadOnlyList<Fingerprint> Fingerprints, DateTimeOffset FingerprintedAt) : IFingerprintEvent;

/// <summary>The content matched a hash in the bank of removed content.</summary>
public sealed record ReuploadMatched(Guid ContentId, Guid MatchedContentId, string Bank, string Signal, string Value, DateTimeOffset MatchedAt, int Distance = 0)
    : IFingerprintEvent;

/// <summary>The content matched a hash from an imported hash list (a bank entry without content of ours).</summary>
public sealed record KnownHashMatched(
    Guid ContentId, string Bank, string Signal, string Value, string MatchedValue, int Distance, string Label, string Source, DateTimeOffset MatchedAt)
    : IFingerprintEvent;

public static class Signals
{
    public const string TextSha256 = "text-sha256";
    public const string MediaSha256 = "media-sha256";
    public const string MediaMd5 = "media-md5";
    /// <summary>256-bit perceptual image hash (64 hex digits), matched by Hamming distance.</summary>
    public const string Pdq = "pdq";
    /// <summary>
    /// One frame of a video (vPDQ): a PDQ hash, 64 hex digits. A video has one per distinct frame hash of quality
    /// 50 or more, in frame order; they match as a whole (at least 80% of the frames within the PDQ distance of one
    /// banked video's frames), each also matches images like a <see cref="Pdq"/>.
    /// </summary>
    public const string Vpdq = "vpdq";
    /// <summary>
    /// The PDQ hash of an image of quality under 50 (flat or tiny): recorded, never matched nor banked, since such
    /// hashes collide with unrelated images.
    /// </summary>
    public const string PdqLowQuality = "pdq-low-quality";
    /// <summary>A canonical content URL (Ingest's canonical form), matched exactly.</summary>
    public const string Url = "url";
    /// <summary>
    /// Near-duplicate text fingerprint: <see cref="TextFingerprint.ToHex"/> (32 hex digits of the exact hash, then
    /// 512 of the MinHash signature for texts of 8 words or more), matched by <see cref="TextFingerprint.Similarity"/>.
    /// </summary>
    public const string TextMinHash = "text-minhash";

    /// <summary>Signals whose values are PDQ hashes, searched by Hamming distance.</summary>
    public static bool IsPdq(string signal) => signal is Pdq or Vpdq;

    /// <summary>Whether a recorded fingerprint is matched and banked (all but <see cref="PdqLowQuality"/>).</summary>
    public static bool IsMatchable(Fingerprint fingerprint) => fingerprint.Signal != PdqLowQuality;

    /// <summary>
    /// The signals of a submission: its text (exact and near-duplicate) and its media's hashes. The text is
    /// normalised first (diacritics, letter variants, spacing), so a re-post that only changes those matches exactly.
    /// </summary>
    public static IReadOnlyList<Fingerprint> Of(ContentSubmitted content)
    {
        var fingerprints = new List<Fingerprint>(OfText(content.Text));
        foreach (var media in content.Media)
        {
            fingerprints.Add(new Fingerprint { Signal = MediaSha256, Value = media.Sha256.ToLowerInvariant() });
            fingerprints.Add(new Fingerprint { Signal = MediaMd5, Value = media.Md5.ToLowerInvariant() });
        }
        return fingerprints;
    }

    /// <summary>
    /// The text signals: <see cref="TextSha256"/> of the normalised text, then <see cref="TextMinHash"/>. None for text
    /// that normalises to nothing; no <see cref="TextMinHash"/> for text without words (only emoji, links or mentions).
    /// The exact signal comes first, so an unchanged re-post is reported by it.
    /// </summary>
    public static IReadOnlyList<Fingerprint> OfText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];
        var normalised = TextNormalizer.Normalize(text);
        if (normalised.Length == 0)
            return [];
        var fingerprints = new List<Fingerprint>(2)
        {
            new() { Signal = TextSha256, Value = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised))) },
        };
        if (TextFingerprint.Of(text) is { } near)
            fingerprints.Add(new Fingerprint { Signal = TextMinHash, Value = near.ToHex() });
        return fingerprints;
    }

    /// <summary>
    /// How far apart two texts of similarity <paramref name="similarity"/> are, as a match's distance:
    /// round((1 − similarity) × 100), so 0 for the same words and at most 40 at the 0.6 threshold.
    /// </summary>
    public static int TextDistance(double similarity) => (int)Math.Round((1 - similarity) * 100, MidpointRounding.AwayFromZero);
}
