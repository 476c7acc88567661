using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Takedown.Fingerprints.Text;

/// <summary>
/// A near-duplicate fingerprint of a post's text: a MinHash signature of its character shingles
/// (<see cref="TextShingles"/>), whose share of equal positions estimates the Jaccard similarity of the two shingle
/// sets, plus a hash of the exact normalised words. Texts of fewer than <see cref="MinimumWords"/> words carry only
/// the exact hash: a few words in common say little, and one changed word in a slogan is another slogan.
/// </summary>
/// <remarks>
/// <para>Hex form (<see cref="ToHex"/>): 32 hex digits of the exact hash, then, for texts long enough, 512 hex digits of
/// the signature (128 values of 16 bits, big-endian). Events carry that string.</para>
/// <para>Candidate retrieval (<see cref="LookupKeys"/>): the exact key and 32 LSH band keys of 4 values each. A bank
/// stores one row per key and compares the texts that share any key with <see cref="IsNearDuplicate"/>. With 32 bands
/// of 4, a pair at the threshold's Jaccard of 0.6 shares a band with probability 0.99, a pair at 0.3 with 0.23.</para>
/// <para>Stable by construction: the shingle hash (FNV-1a 64 over UTF-16 code units), the 128 seeds and the mixing
/// function are fixed here. Changing any of them, <see cref="TextShingles"/> or the normaliser makes new fingerprints
/// incomparable with stored ones.</para>
/// </remarks>
public sealed class TextFingerprint : IEquatable<TextFingerprint>
{
    public const int HashCount = 128;
    public const int Bands = 32;
    public const int RowsPerBand = HashCount / Bands;

    /// <summary>Below this many words a text is matched only exactly (after normalisation).</summary>
    public const int MinimumWords = 8;

    /// <summary>
    /// Estimated Jaccard similarity at or above which two texts are the same text reposted. Measured on
    /// tests/Takedown.Fingerprints.Tests/TestData/text-pairs.jsonl; see docs/fingerprints.md, "Text near-duplicates".
    /// </summary>
    public const double Threshold = 0.6;

    private const int ExactBytes = 16;
    private const int HexLengthShort = ExactBytes * 2;
    private const int HexLengthFull = HexLengthShort + HashCount * 4;

    private static readonly ulong[] Seeds = CreateSeeds();

    private readonly byte[] _exact;
    private readonly ushort[]? _signature;

    private TextFingerprint(byte[] exact, ushort[]? signature)
    {
        _exact = exact;
        _signature = signature;
    }

    /// <summary>Whether the text was long enough for a signature; without one only an exact match is possible.</summary>
    public bool HasSignature => _signature is not null;

    /// <summary>The fingerprint of <paramref name="text"/>, or null when it has no words (only emoji, links or mentions).</summary>
    public static TextFingerprint? Of(string text)
    {
        var words = TextShingles.Words(text);
        if (words.Length == 0)
            return null;

        var exact = SHA256.HashData(Encoding.UTF8.GetBytes(words))[..ExactBytes];
        var wordCount = words.Count(c => c == ' ') + 1;
        if (wordCount < MinimumWords)
            return new TextFingerprint(exact, null);

        var minimums = new ulong[HashCount];
        Array.Fill(minimums, ulong.MaxValue);
        foreach (var shingle in TextShingles.FromWords(words))
        {
            var hash = Fnv1a.Hash64(shingle);
            for (var i = 0; i < HashCount; i++)
                minimums[i] = Math.Min(minimums[i], Mix(hash ^ Seeds[i]));
        }
        // b-bit MinHash: the top 16 bits of each minimum. Unequal minimums collide with probability 2^-16, which
        // raises the estimate by at most 0.00002.
        return new TextFingerprint(exact, [.. minimums.Select(m => (ushort)(m >> 48))]);
    }

    /// <summary>
    /// 1 for the same normalised words; otherwise the estimated Jaccard similarity of the shingle sets when both texts
    /// have a signature, and 0 when either is too short for one.
    /// </summary>
    public double Similarity(TextFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (_exact.AsSpan().SequenceEqual(other._exact))
            return 1.0;
        if (_signature is null || other._signature is null)
            return 0.0;
        var equal = 0;
        for (var i = 0; i < HashCount; i++)
        {
            if (_signature[i] == other._signature[i])
                equal++;
        }
        return (double)equal / HashCount;
    }

    public bool IsNearDuplicate(TextFingerprint other, double threshold = Threshold) => Similarity(other) >= threshold;

    public static double Similarity(TextFingerprint a, TextFingerprint b) => a.Similarity(b);

    public static bool IsNearDuplicate(TextFingerprint a, TextFingerprint b, double threshold = Threshold) => a.IsNearDuplicate(b, threshold);

    /// <summary>The key for exact matches: <c>x:</c> and the exact hash in hex.</summary>
    public string ExactKey => "x:" + Convert.ToHexStringLower(_exact);

    /// <summary>
    /// Keys under which a bank files this text: <see cref="ExactKey"/>, and for texts with a signature one key per band,
    /// <c>b{band:00}:{4 values in hex}</c>. Any shared key makes two texts candidates.
    /// </summary>
    public IReadOnlyList<string> LookupKeys()
    {
        var keys = new List<string>(1 + Bands) { ExactKey };
        if (_signature is null)
            return keys;
        for (var band = 0; band < Bands; band++)
        {
            var key = new StringBuilder(3 + 1 + RowsPerBand * 4).Append('b').Append(band.ToString("00", CultureInfo.InvariantCulture)).Append(':');
            for (var row = 0; row < RowsPerBand; row++)
                key.Append(_signature[band * RowsPerBand + row].ToString("x4", CultureInfo.InvariantCulture));
            keys.Add(key.ToString());
        }
        return keys;
    }

    public string ToHex()
    {
        var hex = new StringBuilder(HasSignature ? HexLengthFull : HexLengthShort).Append(Convert.ToHexStringLower(_exact));
        if (_signature is not null)
        {
            foreach (var value in _signature)
                hex.Append(value.ToString("x4", CultureInfo.InvariantCulture));
        }
        return hex.ToString();
    }

    public override string ToString() => ToHex();

    public static TextFingerprint Parse(string hex) =>
        TryParse(hex, out var fingerprint)
            ? fingerprint
            : throw new FormatException($"A text fingerprint is {HexLengthShort} or {HexLengthFull} hexadecimal digits; got \"{hex}\".");

    public static bool TryParse(string? hex, out TextFingerprint fingerprint)
    {
        fingerprint = null!;
        if (hex is null || (hex.Length != HexLengthShort && hex.Length != HexLengthFull) || !hex.All(char.IsAsciiHexDigit))
            return false;
        var exact = Convert.FromHexString(hex.AsSpan(0, HexLengthShort));
        ushort[]? signature = null;
        if (hex.Length == HexLengthFull)
        {
            signature = new ushort[HashCount];
            for (var i = 0; i < HashCount; i++)
                signature[i] = ushort.Parse(hex.AsSpan(HexLengthShort + i * 4, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }
        fingerprint = new TextFingerprint(exact, signature);
        return true;
    }

    public bool Equals(TextFingerprint? other) =>
        other is not null && _exact.AsSpan().SequenceEqual(other._exact)
        && (_signature is null ? other._signature is null : other._signature is not null && _signature.AsSpan().SequenceEqual(other._signature));

    public override bool Equals(object? obj) => Equals(obj as TextFingerprint);

    public override int GetHashCode() => BitConverter.ToInt32(_exact, 0);

    // SplitMix64's finaliser: a bijection on 64 bits, so each seed gives an independent-looking permutation of shingle hashes.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong[] CreateSeeds()
    {
        var seeds = new ulong[HashCount];
        var state = 0x7461_6B65_646F_776EUL;   // "takedown"
        for (var i = 0; i < HashCount; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            seeds[i] = Mix(state);
        }
        return seeds;
    }
}
