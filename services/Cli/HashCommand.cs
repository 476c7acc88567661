using System.CommandLine;
using System.Globalization;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Media;

namespace Takedown.Cli;

/// <summary>
/// PDQ hashes of local files, decoded by ffmpeg, in the reference tools' formats: per image <c>pdq_hex,quality,FILE</c>;
/// with <c>--video</c>, per sampled frame <c>frame,quality,pdq_hex,seconds</c>. Hashes of quality under 50 are still
/// printed (as the reference does) and named on stderr, because matching ignores them.
/// </summary>
public sealed class HashCommand : Command
{
    private readonly CliHost host;

    private readonly Argument<string[]> files = new("FILE")
    {
        Description = "Images to hash (JPEG, PNG, WebP, GIF, BMP, TIFF, ...), or with --video one video",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<bool> video = new("--video")
    {
        Description = "Hash one video with vPDQ: a frame a second, consecutive repeats dropped",
    };

    private readonly Option<double> secondsPerHash = new("--seconds-per-hash")
    {
        Description = "With --video: seconds between hashed frames; 0 hashes every frame",
        HelpName = "seconds",
        DefaultValueFactory = _ => 1.0,
    };

    public HashCommand(CliHost host)
        : base("hash", "Print the PDQ hash and quality of images, or the vPDQ frame hashes of a video (needs ffmpeg; no services)")
    {
        this.host = host;
        Arguments.Add(files);
        Options.Add(video);
        Options.Add(secondsPerHash);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var paths = parseResult.GetValue(files)!;
        var seconds = parseResult.GetValue(secondsPerHash);
        if (seconds < 0 || !double.IsFinite(seconds))
        {
            throw new UsageException("--seconds-per-hash must be 0 or more.");
        }
        var fingerprinter = new MediaFingerprinter(new MediaOptions { VideoSecondsPerHash = seconds });
        try
        {
            if (parseResult.GetValue(video))
            {
                return paths.Length == 1
                    ? await HashVideoAsync(fingerprinter, paths[0], cancellationToken)
                    : throw new UsageException("--video takes exactly one FILE (its lines do not name the file).");
            }
            var failed = 0;
            foreach (var path in paths)
            {
                failed += await HashImageAsync(fingerprinter, path, cancellationToken) ? 0 : 1;
            }
            if (failed > 0)
            {
                host.Error.WriteLine($"{failed} of {paths.Length} files could not be hashed.");
                return ExitCodes.CallerError;
            }
            return ExitCodes.Ok;
        }
        catch (MediaToolUnavailableException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private async Task<bool> HashImageAsync(MediaFingerprinter fingerprinter, string path, CancellationToken cancellationToken)
    {
        try
        {
            var image = await fingerprinter.HashImageAsync(await File.ReadAllBytesAsync(path, cancellationToken), cancellationToken);
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{image.Hash.ToHex()},{image.Quality},{path}"));
            if (!image.IsUsableForMatching)
            {
                host.Error.WriteLine($"note: {path}: quality {image.Quality} is under {PdqHash.MinimumUsefulQuality}; this hash is not used for matching.");
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UndecodableMediaException or MediaLimitExceededException)
        {
            host.Error.WriteLine($"error: {path}: {e.Message}");
            return false;
        }
    }

    private async Task<int> HashVideoAsync(MediaFingerprinter fingerprinter, string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"cannot read {path}: no such file.");
        }
        VideoFingerprint fingerprint;
        try
        {
            fingerprint = await fingerprinter.HashVideoFileAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UndecodableMediaException or MediaLimitExceededException)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
        foreach (var frame in fingerprint.Frames)
        {
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{frame.FrameNumber},{frame.Quality},{frame.Hash.ToHex()},{frame.Seconds:0.000}"));
        }
        var unusable = fingerprint.Frames.Count(f => !f.IsUsableForMatching);
        if (unusable > 0)
        {
            host.Error.WriteLine($"note: {unusable} of {fingerprint.Frames.Count} frames have quality under {PdqHash.MinimumUsefulQuality}; matching ignores them.");
        }
        return ExitCodes.Ok;
    }
}
