using System.Security.Cryptography;
using System.Text;
using Takedown.Contracts;
using Takedown.Text;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <summary>The fingerprints of one content item, in the stream "fingerprint-{contentId}".</summary>
public sealed record ContentFingerprinted(Guid ContentId, IReadOnlyList<Fingerprint> Fingerprints, DateTimeOffset FingerprintedAt);

/// <summary>The content matched a hash in a bank of removed content.</summary>
public sealed record ReuploadMatched(Guid ContentId, Guid MatchedContentId, string Bank, string Signal, string Value, DateTimeOffset MatchedAt);

public static class Signals
{
    public const string TextSha256 = "text-sha256";
    public const string MediaSha256 = "media-sha256";
    public const string MediaMd5 = "media-md5";

    /// <summary>
    /// Exact signals of a submission. The text is normalised first (diacritics, letter variants, spacing), so a
    /// re-post that only changes those still matches; near-duplicate text matching comes with the text fingerprints.
    /// </summary>
    public static IReadOnlyList<Fingerprint> Of(ContentSubmitted content)
    {
        var fingerprints = new List<Fingerprint>();
        if (!string.IsNullOrWhiteSpace(content.Text))
        {
            var normalised = TextNormalizer.Normalize(content.Text);
            if (normalised.Length > 0)
                fingerprints.Add(new Fingerprint { Signal = TextSha256, Value = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised))) });
        }
        foreach (var media in content.Media)
        {
            fingerprints.Add(new Fingerprint { Signal = MediaSha256, Value = media.Sha256.ToLowerInvariant() });
            fingerprints.Add(new Fingerprint { Signal = MediaMd5, Value = media.Md5.ToLowerInvariant() });
        }
        return fingerprints;
    }
}
