namespace Takedown.Cli.Tests;

public sealed class MatchCommandTests : IDisposable
{
    private const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    private const string Near = "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596621e1d33e6339c4e9c9b22";
    private static readonly Guid Removed = Guid.Parse("0b9f4c7e-2a57-4a3e-9a52-5b7d3f1c8e21");

    private readonly FakeApi reupload = new();
    private readonly string directory = Directory.CreateTempSubdirectory("takedown-match-").FullName;

    public void Dispose()
    {
        reupload.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private Task<CliResult> MatchAsync(params string[] args) =>
        Cli.RunAsync(["match", .. args, "--reupload-url", reupload.BaseUrl, "--api-key", "analyst-key"]);

    private static CannedResponse Found(string mediaHashes = "null") => new(200, $$"""
        {"matches":[
          {"signal":"pdq","hash":"{{Near}}","matchedHash":"{{Pdq}}","distance":2,"bank":"removed","label":"removed from telegram","source":"platform","contentId":"{{Removed}}","caseUrl":"/api/v1/cases/{{Removed}}"},
          {"signal":"pdq","hash":"{{Near}}","matchedHash":"{{Pdq}}","distance":2,"bank":"gifct-2025","label":"bridge","source":"gifct","contentId":null,"caseUrl":null}],
         "mediaHashes":{{mediaHashes}}}
        """);

    [Fact]
    public async Task Hashes_a_text_and_a_url_go_in_one_request_and_each_match_is_a_line()
    {
        reupload.Respond("POST", "/api/v1/match", Found());

        var result = await MatchAsync("--hash", $"pdq:{Near}", "--hash", "url:https://t.me/s/x/1", "--text", "بيان", "--url", "https://example.org/a");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reupload.Requests);
        Assert.Equal("analyst-key", request.ApiKey);
        Assert.Equal(
            [("pdq", Near), ("url", "https://t.me/s/x/1")],
            request.Json.GetProperty("hashes").EnumerateArray().Select(h => (h.GetProperty("signal").GetString(), h.GetProperty("hash").GetString())));
        Assert.Equal(("بيان", "https://example.org/a"), (request.Json.GetProperty("text").GetString(), request.Json.GetProperty("url").GetString()));
        Assert.Equal(
            [
                $"pdq distance 2 in bank removed: content {Removed} (case /api/v1/cases/{Removed})",
                "pdq distance 2 in bank gifct-2025: label \"bridge\", source \"gifct\"",
            ],
            result.OutLines);
    }

    [Fact]
    public async Task An_image_is_sent_base64_with_its_media_type_and_the_hashes_computed_are_shown_on_stderr()
    {
        var bytes = new byte[] { 0xff, 0xd8, 0xff, 0xe0, 1, 2, 3 };
        var path = Path.Combine(directory, "photo.JPG");
        await File.WriteAllBytesAsync(path, bytes);
        reupload.Respond("POST", "/api/v1/match", Found($$"""[{"signal":"pdq","hash":"{{Near}}"}]"""));

        var result = await MatchAsync("--image", path);

        Assert.Equal(0, result.ExitCode);
        var image = Assert.Single(reupload.Requests).Json.GetProperty("image");
        Assert.Equal(("image/jpeg", Convert.ToBase64String(bytes)), (image.GetProperty("contentType").GetString(), image.GetProperty("data").GetString()));
        Assert.Equal([$"pdq:{Near}"], result.ErrorLines);
        Assert.Equal(2, result.OutLines.Length);
    }

    [Fact]
    public async Task A_video_is_sent_as_video_and_no_match_says_so()
    {
        var path = Path.Combine(directory, "clip.mp4");
        await File.WriteAllBytesAsync(path, [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p']);
        reupload.Respond("POST", "/api/v1/match", new CannedResponse(200, """{"matches":[],"mediaHashes":[]}"""));

        var result = await MatchAsync("--video", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("video/mp4", Assert.Single(reupload.Requests).Json.GetProperty("video").GetProperty("contentType").GetString());
        Assert.Equal(["no match"], result.OutLines);
    }

    [Fact]
    public async Task Nothing_to_look_up_or_a_hash_without_its_signal_is_a_usage_error_and_nothing_is_sent()
    {
        var nothing = await MatchAsync();
        var bare = await MatchAsync("--hash", Near);

        Assert.Equal((2, 2), (nothing.ExitCode, bare.ExitCode));
        Assert.Contains("give at least one of --hash, --text, --url, --image or --video", nothing.Error);
        Assert.Contains("--hash takes signal:value", bare.Error);
        Assert.Empty(reupload.Requests);
    }

    [Fact]
    public async Task Undecodable_media_is_the_services_problem_details_naming_the_field()
    {
        var path = Path.Combine(directory, "not-a-picture.png");
        await File.WriteAllTextAsync(path, "text");
        reupload.Respond("POST", "/api/v1/match", new CannedResponse(400,
            """{"title":"One or more validation errors occurred.","status":400,"errors":{"image.data":["ffmpeg could not decode the image: Invalid data found when processing input"]}}""",
            "application/problem+json"));

        var result = await MatchAsync("--image", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("image.data", result.Error);
        Assert.Equal("image/png", Assert.Single(reupload.Requests).Json.GetProperty("image").GetProperty("contentType").GetString());
    }
}
