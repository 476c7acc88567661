using Takedown.Contracts;
using Takedown.Fingerprints.Media;
using Takedown.ServiceDefaults.Evidence;

namespace Takedown.ReuploadDetection.Fingerprinting;

/// <summary>
/// The perceptual signals of reported media: <see cref="Signals.Pdq"/> of each image and <see cref="Signals.Vpdq"/>
/// of each video's frames, from the bytes Ingest holds. Media that cannot be decoded, is over a limit or is gone is
/// skipped with a warning (its exact hashes and the text still count); ffmpeg missing or Ingest unreachable throws,
/// so the message is retried.
/// </summary>
public sealed partial class MediaSignals(EvidenceClient evidence, MediaFingerprinter media, ILogger<MediaSignals> logger)
{
    public static bool IsImage(string contentType) => contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase);

    public static bool IsVideo(string contentType) => contentType.StartsWith("video/", StringComparison.OrdinalIgnoreCase);

    public async Task<IReadOnlyList<Fingerprint>> OfAsync(ContentSubmitted content, CancellationToken ct)
    {
        var fingerprints = new List<Fingerprint>();
        foreach (var item in content.Media.DistinctBy(m => m.Sha256.ToLowerInvariant()))
        {
            if (!IsImage(item.ContentType) && !IsVideo(item.ContentType))
                continue;
            try
            {
                var fetched = await evidence.FetchAsync(item.Sha256, ct);
                fingerprints.AddRange(IsImage(item.ContentType)
                    ? OfImage(await media.HashImageAsync(fetched.Bytes, ct))
                    : OfVideo(await HashVideoAsync(fetched.Bytes, ct)));
            }
            catch (Exception e) when (e is UndecodableMediaException or MediaLimitExceededException or EvidenceNotFoundException or EvidenceTooLargeException)
            {
                LogSkipped(logger, e, item.Sha256, item.ContentType, content.ContentId);
            }
        }
        return fingerprints;
    }

    /// <summary>Fingerprints an upload directly (the match endpoint): the same signals as reported media.</summary>
    public async Task<IReadOnlyList<Fingerprint>> OfUploadAsync(byte[] bytes, bool video, CancellationToken ct) =>
        video ? OfVideo(await HashVideoAsync(bytes, ct)) : OfImage(await media.HashImageAsync(bytes, ct));

    public static IReadOnlyList<Fingerprint> OfImage(ImageFingerprint image) =>
    [
        new() { Signal = image.IsUsableForMatching ? Signals.Pdq : Signals.PdqLowQuality, Value = image.Hash.ToHex() },
    ];

    /// <summary>One <see cref="Signals.Vpdq"/> per distinct usable frame hash, in frame order.</summary>
    public static IReadOnlyList<Fingerprint> OfVideo(VideoFingerprint video) =>
    [
        .. video.Frames.Where(f => f.IsUsableForMatching)
            .Select(f => f.Hash.ToHex())
            .Distinct(StringComparer.Ordinal)
            .Select(hex => new Fingerprint { Signal = Signals.Vpdq, Value = hex }),
    ];

    private async Task<VideoFingerprint> HashVideoAsync(byte[] bytes, CancellationToken ct)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return await media.HashVideoAsync(stream, ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media {Sha256} ({ContentType}) of content {ContentId} is not fingerprinted; its exact hashes still count")]
    private static partial void LogSkipped(ILogger logger, Exception exception, string sha256, string contentType, Guid contentId);
}
