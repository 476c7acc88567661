namespace Takedown.Fingerprints.Media;

/// <summary>Where ffmpeg is and how much work one piece of media may cost. The defaults suit uploads to a platform.</summary>
public sealed record MediaOptions
{
    public string FfmpegPath { get; init; } = "ffmpeg";
    public string FfprobePath { get; init; } = "ffprobe";

    public long MaxImageBytes { get; init; } = 50L * 1024 * 1024;
    public long MaxVideoBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>
    /// Largest frame ffmpeg will allocate (its <c>max_pixels</c>), checked from the header before decoding, so a small
    /// file declaring a huge canvas cannot exhaust memory. Hashing peaks at 15-18 bytes a pixel, so 50 megapixels
    /// (an 8,700 x 5,800 photo) needs up to about 900 MB.
    /// </summary>
    public long MaxPixels { get; init; } = 50_000_000;

    public TimeSpan ImageTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan VideoTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>vPDQ's sampling interval: every <c>(int)(SecondsPerHash * frame rate)</c>-th frame; 0 hashes every frame.</summary>
    public double VideoSecondsPerHash { get; init; } = 1.0;

    /// <summary>Cap on hashed frames: three hours at one a second.</summary>
    public int MaxVideoFrames { get; init; } = 3 * 60 * 60;

    /// <summary>When set, video frames are scaled to this square size (Lanczos, as vPDQ's downsampling option) before hashing.</summary>
    public int? VideoFrameSide { get; init; }
}
