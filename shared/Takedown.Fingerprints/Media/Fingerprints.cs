namespace Takedown.Fingerprints.Media;

/// <summary>The PDQ hash of an image as displayed (after its EXIF orientation), with the displayed size.</summary>
public sealed record ImageFingerprint(PdqHash Hash, int Width, int Height, ImageOrientation Orientation)
{
    public int Quality => Hash.Quality;

    /// <summary>False below quality 50 (flat or tiny images): such hashes collide with unrelated images, so they must not decide a match.</summary>
    public bool IsUsableForMatching => Hash.Quality >= PdqHash.MinimumUsefulQuality;
}

/// <summary>Decoded pixels as displayed: RGB24, row-major, alpha already composited over white.</summary>
public sealed record DecodedImage(byte[] Rgb, int Width, int Height, ImageOrientation Orientation);

/// <summary>One sampled video frame: vPDQ's feature (frame number counted from 0, quality, hash, seconds = frame / frame rate).</summary>
public sealed record VideoFrameHash(int FrameNumber, PdqHash Hash, double Seconds)
{
    public int Quality => Hash.Quality;

    public bool IsUsableForMatching => Hash.Quality >= PdqHash.MinimumUsefulQuality;
}

/// <summary>
/// A video's vPDQ hash: the sampled frames in order, with a frame dropped when its hash equals the previous kept one
/// (a still scene adds nothing to matching). <paramref name="FrameInterval"/> is how many frames apart samples are.
/// </summary>
public sealed record VideoFingerprint(IReadOnlyList<VideoFrameHash> Frames, int Width, int Height, double FrameRate, int FrameInterval);
