using System.Globalization;

namespace Takedown.Fingerprints.Media;

/// <summary>
/// PDQ hashes of images and vPDQ hashes of videos from their bytes. Decoding is ffmpeg's, run as a separate process
/// (a crash or exploit in a codec stays out of ours), restricted to image and video container formats and to local
/// input, so a "video" that is really a playlist cannot make ffmpeg fetch URLs or read other files. See docs/fingerprints.md.
/// </summary>
public sealed class MediaFingerprinter(MediaOptions? options = null)
{
    // Demuxers ffmpeg may choose from after probing the bytes; anything else is refused as undecodable.
    private const string ImageFormats =
        "jpeg_pipe,png_pipe,webp_pipe,gif,gif_pipe,bmp_pipe,tiff_pipe,jpegxl_pipe,j2k_pipe,qoi_pipe,pam_pipe,ppm_pipe,pgm_pipe,pbm_pipe";
    private const string VideoFormats = "mov,matroska,webm,avi,flv,mpegts,mpeg,ogg,gif";

    private readonly MediaOptions options = options ?? new MediaOptions();

    public MediaOptions Options => options;

    public async Task<ImageFingerprint> HashImageAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        var image = await DecodeImageAsync(bytes, cancellationToken);
        return new ImageFingerprint(Pdq.FromRgb24(image.Rgb, image.Width, image.Height), image.Width, image.Height, image.Orientation);
    }

    public async Task<ImageFingerprint> HashImageAsync(Stream stream, CancellationToken cancellationToken = default) =>
        await HashImageAsync(await ReadCappedAsync(stream, options.MaxImageBytes, "image", cancellationToken), cancellationToken);

    /// <summary>The first frame of the image, as displayed: EXIF orientation applied, alpha composited over white, 8 bits a channel.</summary>
    public async Task<DecodedImage> DecodeImageAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        if (bytes.Length == 0)
        {
            throw new UndecodableMediaException("The image is empty.");
        }
        if (bytes.Length > options.MaxImageBytes)
        {
            throw new MediaLimitExceededException($"The image is {bytes.Length} bytes; the limit is {options.MaxImageBytes}.");
        }
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error",
            "-noautorotate",
            "-format_whitelist", ImageFormats,
            "-protocol_whitelist", "pipe",
            "-max_pixels", options.MaxPixels.ToString(CultureInfo.InvariantCulture),
            "-i", "pipe:0",
            "-map", "0:v:0", "-frames:v", "1",
            // libjpeg's default ("fancy") chroma upsampling is a triangle filter; bilinear at full chroma resolution
            // and accurate rounding comes closest to it (ffmpeg's fast path replicates chroma: 12 bits off on q0122).
            "-sws_flags", "bilinear+full_chroma_int+accurate_rnd",
            "-f", "image2pipe", "-c:v", "pam", "-pix_fmt", "rgba", "pipe:1",
        ];
        var frame = await MediaTool.RunAsync(options.FfmpegPath, arguments, bytes,
            (output, ct) => new PamFrames(output).NextAsync(ct), options.ImageTimeout, cancellationToken)
            ?? throw new UndecodableMediaException("ffmpeg found no image in the input.");

        var orientation = ExifOrientation.Read(bytes.Span);
        var (rgb, width, height) = ExifOrientation.Apply(OverWhite(frame.Rgba), frame.Width, frame.Height, orientation);
        return new DecodedImage(rgb, width, height, orientation);
    }

    /// <summary>Copies the stream to a private temporary file first: an MP4's index may sit at the end, which a pipe cannot seek to.</summary>
    public async Task<VideoFingerprint> HashVideoAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Path.GetTempPath(), $"takedown-video-{Guid.NewGuid():N}");
        var create = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose,
        };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using var spool = new FileStream(path, create);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > options.MaxVideoBytes)
            {
                throw new MediaLimitExceededException($"The video is over the limit of {options.MaxVideoBytes} bytes.");
            }
            await spool.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        await spool.FlushAsync(cancellationToken);
        return await HashVideoFileAsync(path, cancellationToken);
    }

    public async Task<VideoFingerprint> HashVideoFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new UndecodableMediaException("The video is empty.");
        }
        if (length > options.MaxVideoBytes)
        {
            throw new MediaLimitExceededException($"The video is {length} bytes; the limit is {options.MaxVideoBytes}.");
        }
        var input = "file:" + Path.GetFullPath(path);
        var (width, height, frameRate) = await ProbeVideoAsync(input, cancellationToken);

        // vPDQ samples by frame count, not by clock: frames 0, k, 2k, ... with k = (int)(seconds per hash * frame rate).
        var interval = Math.Max(1, (int)(options.VideoSecondsPerHash * frameRate));
        // vPDQ converts (and optionally shrinks) frames with swscale's Lanczos; full chroma resolution and accurate
        // rounding bring our frames closer still to its hashes (median distance 0-4 on the sample videos).
        var size = options.VideoFrameSide is { } side ? $"{side}:{side}:" : "";
        var filters = $"select=not(mod(n\\,{interval})),scale={size}flags=lanczos+full_chroma_int+accurate_rnd";
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error",
            "-format_whitelist", VideoFormats,
            "-protocol_whitelist", "file",
            "-max_pixels", options.MaxPixels.ToString(CultureInfo.InvariantCulture),
            "-i", input,
            "-map", "0:v:0", "-vf", filters,
            // Without passthrough ffmpeg would duplicate the selected frames to refill the original frame rate.
            "-fps_mode", "passthrough",
            "-f", "image2pipe", "-c:v", "pam", "-pix_fmt", "rgba", "pipe:1",
        ];
        var frames = await MediaTool.RunAsync(options.FfmpegPath, arguments, input: null,
            (output, ct) => HashFramesAsync(new PamFrames(output), interval, frameRate, ct), options.VideoTimeout, cancellationToken);
        if (frames.Count == 0)
        {
            throw new UndecodableMediaException("ffmpeg found no video frames in the input.");
        }
        return new VideoFingerprint(frames, width, height, frameRate, interval);
    }

    private async Task<List<VideoFrameHash>> HashFramesAsync(PamFrames frames, int interval, double frameRate, CancellationToken cancellationToken)
    {
        var hashes = new List<VideoFrameHash>();
        var sampled = 0;
        while (await frames.NextAsync(cancellationToken) is { } frame)
        {
            if (sampled >= options.MaxVideoFrames)
            {
                throw new MediaLimitExceededException($"The video has more than {options.MaxVideoFrames} sampled frames.");
            }
            var frameNumber = sampled++ * interval;
            var hash = Pdq.FromRgb24(OverWhite(frame.Rgba), frame.Width, frame.Height);
            if (hashes.Count == 0 || !SameBits(hashes[^1].Hash, hash))
            {
                hashes.Add(new VideoFrameHash(frameNumber, hash, frameNumber / frameRate));
            }
        }
        return hashes;
    }

    private async Task<(int Width, int Height, double FrameRate)> ProbeVideoAsync(string input, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error",
            "-format_whitelist", VideoFormats,
            "-protocol_whitelist", "file",
            "-select_streams", "v:0",
            "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate",
            "-of", "default=noprint_wrappers=1",
            input,
        ];
        var text = await MediaTool.RunAsync(options.FfprobePath, arguments, input: null,
            async (output, ct) => await new StreamReader(output).ReadToEndAsync(ct), options.VideoTimeout, cancellationToken);
        var fields = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0])
            .ToDictionary(group => group.Key, group => group.First()[1]);
        if (!fields.TryGetValue("width", out var w) || !int.TryParse(w, CultureInfo.InvariantCulture, out var width)
            || !fields.TryGetValue("height", out var h) || !int.TryParse(h, CultureInfo.InvariantCulture, out var height))
        {
            throw new UndecodableMediaException("The input has no video stream.");
        }
        // vPDQ's choice: the average frame rate, or the base rate when the container gives no average.
        var frameRate = Rate(fields.GetValueOrDefault("avg_frame_rate")) is > 0 and var average
            ? average
            : Rate(fields.GetValueOrDefault("r_frame_rate"));
        if (frameRate <= 0)
        {
            throw new UndecodableMediaException("The video stream has no frame rate.");
        }
        return (width, height, frameRate);
    }

    private static double Rate(string? fraction)
    {
        var parts = fraction?.Split('/') ?? [];
        return parts.Length == 2
            && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var numerator)
            && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var denominator)
            && denominator > 0
                ? numerator / denominator
                : 0;
    }

    /// <summary>
    /// RGBA to RGB24 over a white background, as a browser shows a transparent image on a white page. Compositing
    /// (rather than dropping alpha) means colour hidden under fully transparent pixels cannot steer the hash.
    /// </summary>
    internal static byte[] OverWhite(byte[] rgba)
    {
        var pixels = rgba.Length / 4;
        var rgb = new byte[pixels * 3];
        for (var p = 0; p < pixels; p++)
        {
            int alpha = rgba[4 * p + 3];
            for (var channel = 0; channel < 3; channel++)
            {
                int colour = rgba[4 * p + channel];
                rgb[3 * p + channel] = alpha == 255
                    ? (byte)colour
                    : (byte)((colour * alpha + 255 * (255 - alpha) + 127) / 255);
            }
        }
        return rgb;
    }

    private static bool SameBits(PdqHash a, PdqHash b) => a.Distance(b) == 0;

    private static async Task<byte[]> ReadCappedAsync(Stream stream, long limit, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new MediaLimitExceededException($"The {what} is over the limit of {limit} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
