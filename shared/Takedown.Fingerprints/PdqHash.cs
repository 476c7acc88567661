using System.Globalization;
using System.Numerics;

namespace Takedown.Fingerprints;

/// <summary>
/// A 256-bit PDQ hash. Bit k (0..255) is DCT coefficient (k / 16, k % 16); <c>Bits0</c> holds bits 0..63,
/// <c>Bits3</c> bits 192..255. Hex follows the reference: most significant 16-bit word (bits 240..255) first.
/// </summary>
public readonly record struct PdqHash(ulong Bits0, ulong Bits1, ulong Bits2, ulong Bits3, int Quality)
{
    public const int BitCount = 256;

    /// <summary>The reference's match threshold: two hashes match at distance &lt;= 31.</summary>
    public const int MatchThreshold = 31;

    /// <summary>Hashes below this quality are too flat to be trusted (reference recommendation).</summary>
    public const int MinimumUsefulQuality = 50;

    public bool this[int bit] => bit is >= 0 and < BitCount
        ? ((Word(bit >> 6) >> (bit & 63)) & 1UL) != 0
        : throw new ArgumentOutOfRangeException(nameof(bit));

    public int Distance(PdqHash other) =>
        BitOperations.PopCount(Bits0 ^ other.Bits0) + BitOperations.PopCount(Bits1 ^ other.Bits1)
        + BitOperations.PopCount(Bits2 ^ other.Bits2) + BitOperations.PopCount(Bits3 ^ other.Bits3);

    public bool Matches(PdqHash other, int threshold = MatchThreshold) => Distance(other) <= threshold;

    public string ToHex() =>
        string.Create(64, this, static (chars, h) =>
        {
            for (var i = 0; i < 4; i++)
            {
                h.Word(3 - i).TryFormat(chars.Slice(i * 16, 16), out _, "x16", CultureInfo.InvariantCulture);
            }
        });

    public override string ToString() => ToHex();

    public static PdqHash Parse(string hex) => Parse(hex, quality: 0);

    public static PdqHash Parse(string hex, int quality)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!TryParse(hex, quality, out var hash))
        {
            throw new FormatException($"A PDQ hash is 64 hexadecimal digits; got \"{hex}\".");
        }
        return hash;
    }

    public static bool TryParse(string? hex, int quality, out PdqHash hash)
    {
        hash = default;
        if (hex is null || hex.Length != 64)
        {
            return false;
        }
        Span<ulong> words = stackalloc ulong[4];
        for (var i = 0; i < 4; i++)
        {
            if (!ulong.TryParse(hex.AsSpan(i * 16, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[3 - i]))
            {
                return false;
            }
        }
        hash = new PdqHash(words[0], words[1], words[2], words[3], quality);
        return true;
    }

    /// <summary>Bitwise complement (quality kept): the hash at distance 256.</summary>
    public PdqHash Complement() => new(~Bits0, ~Bits1, ~Bits2, ~Bits3, Quality);

    internal static PdqHash FromBits(ReadOnlySpan<bool> bits, int quality)
    {
        Span<ulong> words = stackalloc ulong[4];
        for (var k = 0; k < BitCount; k++)
        {
            if (bits[k])
            {
                words[k >> 6] |= 1UL << (k & 63);
            }
        }
        return new PdqHash(words[0], words[1], words[2], words[3], quality);
    }

    private ulong Word(int index) => index switch
    {
        0 => Bits0,
        1 => Bits1,
        2 => Bits2,
        _ => Bits3,
    };
}
