namespace Takedown.Cli.Tests;

public sealed class CaseCommandTests : IDisposable
{
    private const string ContentId = "0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01";
    private const string CasePath = $"/api/v1/cases/{ContentId}";

    private const string Reported = """{"version":1,"type":"ContentReported","occurredAt":"2025-03-01T09:30:05Z","summary":"Reported on youtube"}""";
    private const string Classified = """{"version":2,"type":"ContentClassified","occurredAt":"2025-03-01T09:30:06.123+00:00","summary":"terrorist-propaganda [high]"}""";
    private const string Fingerprinted = """{"version":3,"type":"FingerprintsRecorded","occurredAt":"2025-03-01T11:30:07+02:00","summary":"2 fingerprints"}""";

    private const string NotFound = $$"""
        {"title":"Not Found","status":404,"detail":"No case for content {{ContentId}}."}
        """;

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    private static string Case(string? category, params string[] timeline) => $$"""
        {"contentId":"{{ContentId}}","version":{{timeline.Length}},"status":"open","platform":"youtube",
         "url":"https://video.example/watch?v=abc","canonicalUrl":"https://video.example/watch?v=abc",
         "category":{{(category is null ? "null" : $"\"{category}\"")}},"severity":{{(category is null ? "null" : "\"high\"")}},
         "confidence":{{(category is null ? "null" : "0.93")}},"reportCount":2,"reuploadOf":[],"removedAt":null,
         "timeline":[{{string.Join(",", timeline)}}]}
        """;

    [Fact]
    public async Task Case_prints_the_header_and_every_timeline_entry()
    {
        reporting.Respond("GET", CasePath, new CannedResponse(200, Case("terrorist-propaganda", Reported, Classified, Fingerprinted)));

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", reporting.BaseUrl, "--api-key", "analyst-key"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("GET", CasePath, "analyst-key"), (request.Method, request.Path, request.ApiKey));
        Assert.Equal(
        [
            $"case {ContentId}",
            "status open",
            "category terrorist-propaganda (confidence 0.93)",
            "severity high",
            "platform youtube",
            "url https://video.example/watch?v=abc",
            "reports 2",
        ], result.OutLinesNormalized.Take(7));
        Assert.Equal(
        [
            ["version", "time (UTC)", "type", "summary"],
            ["1", "2025-03-01T09:30:05Z", "ContentReported", "Reported on youtube"],
            ["2", "2025-03-01T09:30:06Z", "ContentClassified", "terrorist-propaganda [high]"],
            ["3", "2025-03-01T09:30:07Z", "FingerprintsRecorded", "2 fingerprints"],
        ], result.TableRows);
    }

    [Fact]
    public async Task Case_with_json_prints_the_body_as_received()
    {
        var body = Case("terrorist-propaganda", Reported);
        reporting.Respond("GET", CasePath, new CannedResponse(200, body));

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", reporting.BaseUrl, "--json"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(body + "\n", result.Out.ReplaceLineEndings("\n"));
        Assert.Null(Assert.Single(reporting.Requests).ApiKey);
    }

    [Fact]
    public async Task An_unknown_case_exits_2()
    {
        reporting.Respond("GET", CasePath, new CannedResponse(404, NotFound, "application/problem+json"));

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", reporting.BaseUrl]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal([$"error: 404 Not Found: No case for content {ContentId}."], result.ErrorLines);
        Assert.Single(reporting.Requests);
    }

    [Fact]
    public async Task An_unreachable_reporting_service_exits_3_and_names_the_url_tried()
    {
        var nowhere = FakeApi.UnreachableUrl();

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", nowhere]);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: cannot reach {nowhere}{CasePath}: Connection refused", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Wait_polls_until_the_case_is_classified_and_fingerprinted()
    {
        reporting.Respond("GET", CasePath,
            new CannedResponse(404, NotFound, "application/problem+json"),
            new CannedResponse(200, Case(null, Reported)),
            new CannedResponse(200, Case("terrorist-propaganda", Reported, Classified)),
            new CannedResponse(200, Case("terrorist-propaganda", Reported, Classified, Fingerprinted)),
            new CannedResponse(500, """{"title":"polled after the case was complete","status":500}"""));

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", reporting.BaseUrl, "--wait", "30"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(4, reporting.Requests.Count);
        Assert.Contains("category terrorist-propaganda (confidence 0.93)", result.OutLinesNormalized);
        Assert.Equal(
            ["ContentReported", "ContentClassified", "FingerprintsRecorded"],
            result.TableRows.Skip(1).Select(row => row[2]));
    }

    [Fact]
    public async Task Wait_gives_up_at_the_deadline_and_shows_the_case_as_it_is()
    {
        reporting.Respond("GET", CasePath, new CannedResponse(200, Case("terrorist-propaganda", Reported, Classified)));

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", reporting.BaseUrl, "--wait", "1"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["note: stopped waiting after 1 s; no FingerprintsRecorded event yet."], result.ErrorLines);
        Assert.InRange(reporting.Requests.Count, 2, 4);
        Assert.Equal(["ContentReported", "ContentClassified"], result.TableRows.Skip(1).Select(row => row[2]));
    }

    [Fact]
    public async Task Wait_for_a_case_that_never_appears_exits_2()
    {
        reporting.Respond("GET", CasePath, new CannedResponse(404, NotFound, "application/problem+json"));

        var result = await Cli.RunAsync(["case", ContentId, "--reporting-url", reporting.BaseUrl, "--wait", "1"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: 404 Not Found: No case for content {ContentId}."], result.ErrorLines);
        Assert.InRange(reporting.Requests.Count, 2, 4);
    }
}

public sealed class RedirectedOutputTests
{
    [Theory]
    [InlineData(null, 160)]
    [InlineData("", 160)]
    [InlineData("not a number", 160)]
    [InlineData("0", 160)]
    [InlineData("120", 120)]
    [InlineData("250", 250)]
    public void Tables_written_to_a_pipe_are_as_wide_as_COLUMNS_or_160(string? columns, int expected)
    {
        Assert.Equal(expected, CliHost.RedirectedWidth(name => name == "COLUMNS" ? columns : null));
    }
}
