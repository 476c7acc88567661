using System.Security.Cryptography;
using System.Text;

namespace Takedown.Ingest.Reports;

public static class ContentIds
{
    /// <summary>
    /// A name-based UUID (RFC 9562 version 8) from SHA-256 of the canonical URL: every replica, and every
    /// re-import, derives the same id for the same content without a lookup.
    /// </summary>
    public static Guid FromCanonicalUrl(string canonicalUrl)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("takedown:content:" + canonicalUrl), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
