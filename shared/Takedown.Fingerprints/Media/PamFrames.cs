using System.Globalization;
using System.Text;

namespace Takedown.Fingerprints.Media;

/// <summary>One decoded frame: 8-bit RGBA, row-major, as ffmpeg wrote it.</summary>
internal sealed record RgbaFrame(byte[] Rgba, int Width, int Height);

/// <summary>
/// Reads ffmpeg's output of <c>-f image2pipe -c:v pam -pix_fmt rgba</c>: per frame a short text header (P7, WIDTH,
/// HEIGHT, DEPTH, MAXVAL, TUPLTYPE, ENDHDR) and then the raw pixels. The header is why we use PAM rather than
/// <c>-f rawvideo</c>: the size arrives with every frame, so no second process (ffprobe) is needed to learn it.
/// </summary>
internal sealed class PamFrames(Stream output)
{
    private const int MaxHeaderBytes = 256;

    private readonly BufferedStream stream = new(output, 64 * 1024);

    /// <summary>The next frame, or null at the end of the output.</summary>
    public async Task<RgbaFrame?> NextAsync(CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(cancellationToken);
        if (header is null)
        {
            return null;
        }
        var fields = header.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' ', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        var width = Field(fields, "WIDTH");
        var height = Field(fields, "HEIGHT");
        if (Field(fields, "DEPTH") != 4 || Field(fields, "MAXVAL") != 255)
        {
            throw new InvalidDataException($"ffmpeg wrote a PAM frame that is not 8-bit RGBA: {header.ReplaceLineEndings(" ")}");
        }
        var pixels = new byte[checked(width * height * 4)];
        await stream.ReadExactlyAsync(pixels, cancellationToken);
        return new RgbaFrame(pixels, width, height);
    }

    private async Task<string?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (header.Length < MaxHeaderBytes)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return header.Length == 0 ? null : throw new EndOfStreamException("ffmpeg's output ended inside a PAM header.");
            }
            header.Append((char)one[0]);
            if (header.Length == 3 && header.ToString() != "P7\n")
            {
                throw new InvalidDataException("ffmpeg's output is not PAM.");
            }
            if (one[0] == '\n' && header.ToString().EndsWith("\nENDHDR\n", StringComparison.Ordinal))
            {
                return header.ToString();
            }
        }
        throw new InvalidDataException("ffmpeg wrote a PAM header longer than expected.");
    }

    private static int Field(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new InvalidDataException($"ffmpeg wrote a PAM header without a valid {name}.");
}
