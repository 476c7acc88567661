using System.Security.Cryptography;
using System.Text;

namespace Takedown.Ingest.Reports;

public static class ContentIds
{
    /// <summary>
    /// A name-based UUID (RFC 9562 version 8) from SHA-256 of the canonical URL: every replica, and every
    /// re-import, derives the same id for the same content without a lookup.
    /// </summary>
    public static Guid FromCanonicalUrl(string canonicalUrl) => NameBased("takedown:content:" + canonicalUrl);

    /// <summary>
    /// The id of an imported report: the same organisation reporting the same content under the same reference is the
    /// same report, so a file sent again, or resumed from an earlier row, adds nothing (<see cref="Submission.Decide"/>).
    /// </summary>
    public static Guid ForImportedReport(string organisation, string reporterReference, string canonicalUrl) =>
        NameBased($"takedown:report:{organisation.Length}:{organisation}:{reporterReference.Length}:{reporterReference}:{canonicalUrl}");

    /// <summary>The id of a report sent with an <c>Idempotency-Key</c>: every retry under the key is the same report.</summary>
    public static Guid ForIdempotentReport(string organisation, string key) =>
        NameBased($"takedown:idempotent-report:{organisation.Length}:{organisation}:{key}");

    private static Guid NameBased(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
