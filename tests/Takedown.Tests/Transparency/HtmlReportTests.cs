using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Takedown.Tests.Transparency.TransparencyFixture;

namespace Takedown.Tests.Transparency;

/// <summary>
/// The HTML report rendered by a real browser (Debian's chromium, headless; deploy/infra.sh installs it): the
/// screenshot is a picture, not a blank page, and every figure in the rendered page equals the JSON's.
/// </summary>
[Collection(TransparencyCollection.Name)]
public sealed partial class HtmlReportTests(TransparencyFixture fixture)
{
    private const string Query = "/api/v1/reports/transparency?from=2025-03-01&to=2025-03-31";
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_page_is_self_contained()
    {
        var html = await GetAsync("html");
        Assert.DoesNotMatch(@"<script|<link|src=""http|href=""http|@import|url\(", html);
        foreach (var chart in new[] { "time-to-removal", "time-to-answer", "silence" })
            Assert.Contains($"<svg role=\"img\" aria-labelledby=\"{chart}-title {chart}-desc\"", html);
        // The fixture's silence (F, telegram) and its escalation (B, youtube) are on the page as figures.
        Assert.Contains("data-scope=\"platform/telegram\" data-figure=\"answers.unansweredAfter24Hours\" data-value=\"1\"", html);
        Assert.Contains("data-scope=\"platform/youtube\" data-figure=\"answers.escalatedOutsideChannel\" data-value=\"1\"", html);
        Assert.Contains("nearest-rank", html);
    }

    [Fact]
    public async Task Chromium_renders_a_picture_whose_figures_equal_the_json()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (deploy/infra.sh does).");
        var json = JsonDocument.Parse(await GetAsync("json")).RootElement;
        var directory = Directory.CreateTempSubdirectory("takedown-report-");
        try
        {
            var page = Path.Combine(directory.FullName, "report.html");
            await File.WriteAllTextAsync(page, await GetAsync("html"));
            var screenshot = Path.Combine(directory.FullName, "report.png");

            await RunChromiumAsync(directory.FullName, $"--screenshot={screenshot}", new Uri(page).AbsoluteUri);
            var (width, height, colours, inked) = PngSummary.Read(await File.ReadAllBytesAsync(screenshot));
            File.Copy(screenshot, Path.Combine(AppContext.BaseDirectory, "transparency-report.png"), overwrite: true);   // to look at
            Assert.Equal((1280, 2000), (width, height));
            Assert.True(colours >= 20, $"only {colours} distinct colours: the page looks blank");
            Assert.True(inked > 0.05, $"only {inked:P1} of the pixels are not white: the page looks blank");

            var dom = await RunChromiumAsync(directory.FullName, "--dump-dom", new Uri(page).AbsoluteUri);
            var figures = FigureElement().Matches(dom).ToList();
            Assert.True(figures.Count >= 100, $"only {figures.Count} figures in the rendered page");
            foreach (Match figure in figures)
            {
                var (scope, path, value, text) = (WebUtility.HtmlDecode(figure.Groups["scope"].Value), figure.Groups["figure"].Value,
                    figure.Groups["value"].Value, WebUtility.HtmlDecode(figure.Groups["text"].Value));
                var expected = Resolve(json, scope, path);
                var where = $"{scope} {path}";
                if (expected.ValueKind == JsonValueKind.Null)
                {
                    Assert.True(value == "" && text == "–", $"{where}: expected no value, page has '{value}' / '{text}'");
                    continue;
                }
                var number = expected.GetDouble();
                Assert.True(double.Parse(value, CultureInfo.InvariantCulture) == number, $"{where}: data-value {value}, JSON {number}");
                Assert.True(Math.Abs(Shown(text, path) - number) < 1e-9, $"{where}: shows '{text}', JSON {number}");
            }
            // The key figures a reader sees first, by name.
            Assert.Contains(figures, f => f.Groups["scope"].Value == "totals" && f.Groups["figure"].Value == "removalRate" && f.Groups["text"].Value == "66.67 %");
            Assert.Contains(figures, f => f.Groups["scope"].Value == "platform/youtube" && f.Groups["figure"].Value == "timeToRemoval.p90Hours" && f.Groups["text"].Value == "192 h");
            Assert.Contains(figures, f => f.Groups["scope"].Value == "totals" && f.Groups["figure"].Value == "sla.complianceRate" && f.Groups["text"].Value == "40 %");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The visible text as a number in the JSON's unit: "66.67 %" is 0.6667, "192 h" is 192, "5,340" is 5340.</summary>
    private static double Shown(string text, string path)
    {
        var number = double.Parse(text.Replace(",", "").Replace("%", "").Replace("h", "").Trim(), CultureInfo.InvariantCulture);
        return text.EndsWith('%') ? Math.Round(number / 100, 6) : number;
    }

    /// <summary>Finds a figure in the JSON report from its scope ("totals", "platform/x", "over-time/2025-03-03", …) and path.</summary>
    private static JsonElement Resolve(JsonElement report, string scope, string path)
    {
        var parts = scope.Split('/');
        var node = parts[0] switch
        {
            "totals" => report.GetProperty("totals"),
            "platform" => Single(report.GetProperty("platforms"), p => p.GetProperty("platform").GetString() == parts[1]).GetProperty("figures"),
            "category" => Single(report.GetProperty("categories"), c => c.GetProperty("category").GetString() == parts[1]).GetProperty("figures"),
            "platform-category" => Single(report.GetProperty("platformCategories"),
                p => p.GetProperty("platform").GetString() == parts[1] && p.GetProperty("category").GetString() == parts[2]).GetProperty("figures"),
            "over-time" => Single(report.GetProperty("removalRateOverTime").GetProperty("points"), p => p.GetProperty("start").GetString() == parts[1]),
            _ => throw new InvalidOperationException($"unknown scope {scope}"),
        };
        foreach (var name in path.Split('.'))
            node = node.GetProperty(name);
        return node;
    }

    private static JsonElement Single(JsonElement array, Func<JsonElement, bool> match) => array.EnumerateArray().Single(match);

    private async Task<string> GetAsync(string format)
    {
        using var response = await fixture.Reporting.SendAsync(Get($"{Query}&format={format}", fixture.Analyst));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> RunChromiumAsync(string profile, params string[] arguments)
    {
        var start = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                     $"--user-data-dir={Path.Combine(profile, "profile")}", "--window-size=1280,2000", .. arguments])
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish in 2 minutes: {await error}");
        }
        Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await error}");
        return await output;
    }

    [GeneratedRegex("""<(?:td|dd)[^>]*?data-scope="(?<scope>[^"]*)" data-figure="(?<figure>[^"]*)" data-value="(?<value>[^"]*)"[^>]*>(?<text>[^<]*)</(?:td|dd)>""")]
    private static partial Regex FigureElement();
}

/// <summary>
/// Just enough of PNG (RFC 2083) to tell a picture from a blank page: chunks, zlib-inflated IDAT, the five
/// scanline filters, 8-bit RGB or RGBA. Gives the size, the number of distinct colours and the share of non-white pixels.
/// </summary>
public static class PngSummary
{
    public static (int Width, int Height, int Colours, double Inked) Read(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "not a PNG");
        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]));
                Assert.Equal(8, data[8]);   // bit depth
                channels = data[9] switch { 2 => 3, 6 => 4, var other => throw new NotSupportedException($"PNG colour type {other}") };
                Assert.Equal(0, data[12]);  // not interlaced
            }
            else if (type == "IDAT")
                compressed.Write(data);
            at += 12 + length;
        }
        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
            zlib.CopyTo(inflated);
        var raw = inflated.ToArray();

        var stride = width * channels;
        var previous = new byte[stride];
        var current = new byte[stride];
        var colours = new HashSet<int>();
        long inked = 0;
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride);
            for (var i = 0; i < stride; i++)
            {
                int left = i >= channels ? current[i - channels] : 0, up = previous[i], upLeft = i >= channels ? previous[i - channels] : 0;
                current[i] = (byte)(line[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                });
            }
            for (var x = 0; x < width; x++)
            {
                var p = x * channels;
                var rgb = current[p] << 16 | current[p + 1] << 8 | current[p + 2];
                colours.Add(rgb);
                if (rgb != 0xFFFFFF)
                    inked++;
            }
            (previous, current) = (current, previous);
        }
        return (width, height, colours.Count, (double)inked / ((long)width * height));
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
