using System.Globalization;

namespace Takedown.Cli.Tests;

public sealed class HashCommandTests
{
    private static readonly string Data = Path.Combine(AppContext.BaseDirectory, "TestData", "pdq");
    private static readonly string Photo = Path.Combine(Data, "q2821.jpg");
    private static readonly string Flat = Path.Combine(Data, "q0003.jpg");
    private static readonly string Video = Path.Combine(Data, "doorknob-hd-no-bar.mp4");

    [Fact]
    public async Task Each_image_gets_a_line_of_hash_quality_and_file()
    {
        var result = await Cli.RunAsync(["hash", Photo, Flat]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, result.OutLines.Length);
        // The reference (libjpeg) hash of this photo; ffmpeg's decode gives the same bits.
        Assert.Equal($"b150231ffae4710ffcf4f18bb574b109a576f14bb8543189f8743289f174b109,100,{Photo}", result.OutLines[0]);
        Assert.Matches($"^[0-9a-f]{{64}},3,{Regex(Flat)}$", result.OutLines[1]);
        Assert.Equal([$"note: {Flat}: quality 3 is under 50; this hash is not used for matching."], result.ErrorLines);
    }

    [Fact]
    public async Task A_file_that_cannot_be_hashed_is_named_on_stderr_the_others_are_still_hashed_and_the_exit_code_is_2()
    {
        var text = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(text, "not an image");
            var result = await Cli.RunAsync(["hash", "/nonexistent/a.jpg", text, Photo]);

            Assert.Equal(2, result.ExitCode);
            Assert.Equal([$"b150231ffae4710ffcf4f18bb574b109a576f14bb8543189f8743289f174b109,100,{Photo}"], result.OutLines);
            Assert.Equal(3, result.ErrorLines.Length);
            Assert.StartsWith("error: /nonexistent/a.jpg: ", result.ErrorLines[0]);
            Assert.StartsWith($"error: {text}: ffmpeg could not decode the input", result.ErrorLines[1]);
            Assert.Equal("2 of 3 files could not be hashed.", result.ErrorLines[2]);
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public async Task A_video_gets_a_line_per_second_in_the_vpdq_format_close_to_the_reference()
    {
        var reference = File.ReadLines(Path.Combine(Data, "doorknob-hd-no-bar.vpdq.txt"))
            .Select(line => line.Split(','))
            .ToDictionary(f => int.Parse(f[0], CultureInfo.InvariantCulture), f => f[2]);

        var result = await Cli.RunAsync(["hash", "--video", Video]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.OutLines.Select(line => line.Split(',')).ToArray();
        Assert.Equal(["0", "30", "60", "90"], lines.Select(f => f[0]));
        Assert.Equal(["0.000", "1.000", "2.000", "3.000"], lines.Select(f => f[3]));
        // Frame 0 is the reference's bit for bit; the frames at 2 s and 3 s are nearly flat (quality under 50), and
        // the bits of a flat frame are noise, which is why matching ignores them.
        Assert.Equal(["100", "68", "0", "24"], lines.Select(f => f[1])); // the reference's qualities for frames 0, 30, 60, 90
        Assert.Equal(reference[0], lines[0][2]);
        Assert.InRange(Distance(lines[1][2], reference[30]), 0, 8);
        Assert.Equal(["note: 2 of 4 frames have quality under 50; matching ignores them."], result.ErrorLines);
    }

    [Fact]
    public async Task Every_frame_of_a_video_with_seconds_per_hash_zero()
    {
        var result = await Cli.RunAsync(["hash", "--video", "--seconds-per-hash", "0", Video]);

        Assert.Equal(0, result.ExitCode);
        Assert.InRange(result.OutLines.Length, 110, 120); // 120 frames less consecutive repeats
        Assert.All(result.OutLines.Select(line => line.Split(',')), f =>
            Assert.Equal((int.Parse(f[0], CultureInfo.InvariantCulture) / 30.0).ToString("0.000", CultureInfo.InvariantCulture), f[3]));
        Assert.StartsWith("0,100,", result.OutLines[0]);
        // The doorknob video opens on a few near-black frames.
        Assert.Matches(@"^note: \d+ of \d+ frames have quality under 50; matching ignores them\.$", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Video_takes_one_file_only()
    {
        var result = await Cli.RunAsync(["hash", "--video", Video, Video]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: --video takes exactly one FILE (its lines do not name the file)."], result.ErrorLines);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task An_image_given_as_a_video_is_a_caller_error()
    {
        var result = await Cli.RunAsync(["hash", "--video", Photo]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"error: {Photo}: ffprobe could not decode the input", result.Error);
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    private static int Distance(string a, string b) =>
        Enumerable.Range(0, 64).Sum(i => int.PopCount(Convert.ToInt32(a[i].ToString(), 16) ^ Convert.ToInt32(b[i].ToString(), 16)));
}
