using System.Text;
using Takedown.Fingerprints.Media;

namespace Takedown.Fingerprints.Tests.Media;

public class BadInputTests
{
    private static readonly string PdqDir = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");
    private static readonly byte[] Jpeg = File.ReadAllBytes(Path.Combine(PdqDir, "images", "labelme", "q2821.jpg"));
    private static readonly MediaFingerprinter Fingerprinter = new();

    [Fact]
    public async Task Random_bytes_are_undecodable_with_ffmpegs_reason()
    {
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);

        var error = await Assert.ThrowsAsync<UndecodableMediaException>(() => Fingerprinter.HashImageAsync(noise));
        Assert.StartsWith("ffmpeg could not decode the input: ", error.Message);
    }

    [Fact]
    public async Task Text_is_undecodable()
    {
        await Assert.ThrowsAsync<UndecodableMediaException>(() => Fingerprinter.HashImageAsync(Encoding.UTF8.GetBytes("hello, this is not an image\n")));
    }

    [Fact]
    public async Task A_truncated_jpeg_is_undecodable()
    {
        await Assert.ThrowsAsync<UndecodableMediaException>(() => Fingerprinter.HashImageAsync(Jpeg.AsMemory(0, 200)));
    }

    [Fact]
    public async Task Empty_input_is_undecodable()
    {
        await Assert.ThrowsAsync<UndecodableMediaException>(() => Fingerprinter.HashImageAsync(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public async Task Input_over_the_byte_limit_is_refused_before_decoding()
    {
        var small = new MediaFingerprinter(new MediaOptions { MaxImageBytes = 1000 });

        await Assert.ThrowsAsync<MediaLimitExceededException>(() => small.HashImageAsync(Jpeg));
        await Assert.ThrowsAsync<MediaLimitExceededException>(() => small.HashImageAsync(new MemoryStream(Jpeg)));
    }

    [Fact]
    public async Task A_picture_over_the_pixel_limit_is_refused_by_ffmpeg_before_it_allocates()
    {
        var small = new MediaFingerprinter(new MediaOptions { MaxPixels = 256 * 255 });

        var error = await Assert.ThrowsAsync<MediaLimitExceededException>(() => small.HashImageAsync(Jpeg));
        Assert.Contains("256x256", error.Message);
    }

    [Fact]
    public async Task Decoding_past_the_timeout_is_a_limit_error()
    {
        var impatient = new MediaFingerprinter(new MediaOptions { ImageTimeout = TimeSpan.FromMilliseconds(1) });

        await Assert.ThrowsAsync<MediaLimitExceededException>(() => impatient.HashImageAsync(Jpeg));
    }

    [Fact]
    public async Task The_callers_cancellation_is_a_cancellation_not_a_limit()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Fingerprinter.HashImageAsync(Jpeg, cancelled.Token));
    }

    [Fact]
    public async Task A_missing_ffmpeg_is_a_deployment_error()
    {
        var misconfigured = new MediaFingerprinter(new MediaOptions { FfmpegPath = "/nonexistent/ffmpeg" });

        var error = await Assert.ThrowsAsync<MediaToolUnavailableException>(() => misconfigured.HashImageAsync(Jpeg));
        Assert.Contains("/nonexistent/ffmpeg", error.Message);
    }

    [Fact]
    public async Task An_image_is_not_a_video()
    {
        var error = await Assert.ThrowsAsync<UndecodableMediaException>(() => Fingerprinter.HashVideoAsync(new MemoryStream(Jpeg)));
        Assert.StartsWith("ffprobe could not decode the input", error.Message);
    }

    [Fact]
    public async Task A_playlist_posing_as_a_video_cannot_make_ffmpeg_read_other_files()
    {
        // An HLS playlist would have ffmpeg open the files (or URLs) it names; the demuxer and protocol lists refuse it.
        var target = Path.Combine(SampleVideos.Dir, "doorknob-hd-no-bar.mp4");
        var playlist = $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4.0,\nfile:{target}\n#EXT-X-ENDLIST\n";

        await Assert.ThrowsAsync<UndecodableMediaException>(() => Fingerprinter.HashVideoAsync(new MemoryStream(Encoding.UTF8.GetBytes(playlist))));
    }

    [Fact]
    public async Task A_video_over_the_byte_limit_is_refused_while_it_is_copied()
    {
        var small = new MediaFingerprinter(new MediaOptions { MaxVideoBytes = 100_000 });
        await using var video = File.OpenRead(Path.Combine(SampleVideos.Dir, "doorknob-hd-no-bar.mp4"));

        await Assert.ThrowsAsync<MediaLimitExceededException>(() => small.HashVideoAsync(video));
    }
}
