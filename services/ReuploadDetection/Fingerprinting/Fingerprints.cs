using System.Security.Cryptography;
using System.Text;
using Takedown.Contracts;
using Takedown.Text;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <summary>The fingerprints of one content item, in the stream "fingerprint-{contentId}".</summary>
public sealed record ContentFingerprinted(Guid ContentId, IReadOnlyList<Fingerprint> Fingerprints, DateTimeOffset FingerprintedAt);

/// <summary>The content matched a hash in the bank of removed content.</summary>
public sealed record ReuploadMatched(Guid ContentId, Guid MatchedContentId, string Bank, string Signal, string Value, DateTimeOffset MatchedAt, int Distance = 0);

/// <summary>The content matched a hash from an imported hash list (a bank entry without content of ours).</summary>
public sealed record KnownHashMatched(Guid ContentId, string Bank, string Signal, string Value, string MatchedValue, int Distance, string Label, string Source, DateTimeOffset MatchedAt);

public static class Signals
{
    public const string TextSha256 = "text-sha256";
    public const string MediaSha256 = "media-sha256";
    public const string MediaMd5 = "media-md5";
    /// <summary>256-bit perceptual image hash (64 hex digits), matched by Hamming distance.</summary>
    public const string Pdq = "pdq";
    /// <summary>A canonical content URL (Ingest's canonical form), matched exactly.</summary>
    public const string Url = "url";
    /// <summary>Near-duplicate text fingerprint (hex); its name may change with the text fingerprints, so only this constant names it.</summary>
    public const string TextMinHash = "text-minhash";

    /// <summary>
    /// Exact signals of a submission. The text is normalised first (diacritics, letter variants, spacing), so a
    /// re-post that only changes those still matches; near-duplicate text matching comes with the text fingerprints.
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

    /// <summary>The text signals; none for text that normalises to nothing.</summary>
    public static IReadOnlyList<Fingerprint> OfText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return [];
        var normalised = TextNormalizer.Normalize(text);
        return normalised.Length == 0
            ? []
            : [new Fingerprint { Signal = TextSha256, Value = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised))) }];
    }
}
