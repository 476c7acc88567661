using System.Diagnostics;
using Takedown.Fingerprints;
using Takedown.Fingerprints.Media;

namespace Takedown.Benchmarks.Hashing;

public sealed record PdqSettings(string Image, string Video, int Iterations, int Warmup)
{
    private const string DefaultImage = "tests/Takedown.Fingerprints.Tests/TestData/pdq/images/bridge-mods/aaa-orig.jpg";
    private const string DefaultVideo = "tests/Takedown.Fingerprints.Tests/TestData/pdq/video/doorknob-hd-no-bar.mp4";

    public static PdqSettings From(CommandLine args) => new(
        RepositoryPath(args.String("image", DefaultImage)), RepositoryPath(args.String("video", DefaultVideo)),
        args.Int("iterations", 30), args.Int("warmup", 3));

    /// <summary>Relative paths are taken from the repository root (the folder with global.json), so it runs from anywhere inside.</summary>
    private static string RepositoryPath(string path)
    {
        if (Path.IsPathRooted(path))
            return path;
        var directory = new DirectoryInfo(Directory.GetCurrentDirectory());
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "global.json")))
            directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? Directory.GetCurrentDirectory(), path);
    }
}

/// <summary>
/// PDQ cost per image: the hash alone from pixels already decoded, and end to end from the JPEG's bytes (ffmpeg
/// started, fed over a pipe, decoding, and the hash); plus one short video at vPDQ's one frame a second.
/// Runs sequentially, one at a time, as a consumer handles one message.
/// </summary>
public static class PdqBenchmark
{
    public static async Task<int> RunAsync(PdqSettings settings, CancellationToken ct)
    {
        var fingerprinter = new MediaFingerprinter();
        var jpeg = await File.ReadAllBytesAsync(settings.Image, ct);
        var decoded = await fingerprinter.DecodeImageAsync(jpeg, ct);

        Console.WriteLine($"# pdq — {Server.Describe()}");
        Console.WriteLine($"{FfmpegVersion()}; image {Path.GetFileName(settings.Image)} ({jpeg.Length / 1024} KiB JPEG, {decoded.Width}x{decoded.Height}); " +
            $"{settings.Iterations} timed runs after {settings.Warmup} warm-up runs each");
        Console.WriteLine();
        Console.WriteLine("| what | mean ms | median ms | p95 ms | min ms | CPU ms per run (.NET + ffmpeg) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");

        Row("PDQ from RGB24 pixels (`Pdq.FromRgb24`)", settings, () =>
        {
            Pdq.FromRgb24(decoded.Rgb, decoded.Width, decoded.Height);
            return Task.CompletedTask;
        });
        Row("8 dihedral hashes from pixels (`Pdq.DihedralFromRgb24`)", settings, () =>
        {
            Pdq.DihedralFromRgb24(decoded.Rgb, decoded.Width, decoded.Height);
            return Task.CompletedTask;
        });
        Row("decode only: ffmpeg to RGB24 (`DecodeImageAsync`)", settings, () => fingerprinter.DecodeImageAsync(jpeg, ct));
        Row("end to end from JPEG bytes (`HashImageAsync`)", settings, () => fingerprinter.HashImageAsync(jpeg, ct));

        var video = await fingerprinter.HashVideoFileAsync(settings.Video, ct);
        var videoSettings = settings with { Iterations = Math.Max(3, settings.Iterations / 6), Warmup = 1 };
        Row($"video end to end, {Path.GetFileName(settings.Video)} ({video.Width}x{video.Height}, {video.Frames.Count} frames hashed at 1 a second)",
            videoSettings, () => fingerprinter.HashVideoFileAsync(settings.Video, ct));
        return 0;
    }

    private static void Row(string what, PdqSettings settings, Func<Task> run)
    {
        for (var i = 0; i < settings.Warmup; i++)
            run().GetAwaiter().GetResult();
        var times = new double[settings.Iterations];
        var cpu = CpuTicks();
        for (var i = 0; i < settings.Iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            run().GetAwaiter().GetResult();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var cpuMs = (CpuTicks() - cpu) * 1000.0 / TicksPerSecond / settings.Iterations;
        Array.Sort(times);
        Console.WriteLine($"| {what} | {times.Average():0.0} | {times[times.Length / 2]:0.0} | {times[(int)Math.Ceiling(times.Length * 0.95) - 1]:0.0} | {times[0]:0.0} | {cpuMs:0} |");
    }

    // USER_HZ; Linux reports /proc times in these ticks (100 on every mainstream build).
    private const int TicksPerSecond = 100;

    /// <summary>
    /// CPU time of this process plus its finished children (ffmpeg), from /proc/self/stat: utime, stime, cutime,
    /// cstime. Unlike wall time it does not grow when other work on the machine takes the cores.
    /// </summary>
    private static long CpuTicks()
    {
        if (!File.Exists("/proc/self/stat"))
            return 0;
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]) + long.Parse(fields[13]) + long.Parse(fields[14]);
    }

    private static string FfmpegVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("ffmpeg", "-version") { RedirectStandardOutput = true })!;
            var first = process.StandardOutput.ReadLine() ?? "ffmpeg";
            process.WaitForExit();
            return first.Split(" Copyright")[0];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "ffmpeg not found";
        }
    }
}
