using System.Text.Json;

namespace Takedown.Cli.Tests;

public sealed class ReportCommandTests : IDisposable
{
    private const string ContentId = "0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01";
    private const string ReportId = "7d4e2f10-3b5c-4a6d-8e9f-0a1b2c3d4e5f";
    private const string Accepted =
        $$"""{"contentId":"{{ContentId}}","reportId":"{{ReportId}}","reportNumber":2,"caseUrl":"http://localhost:5104/api/v1/cases/{{ContentId}}"}""";

    private readonly FakeApi ingest = new();

    public void Dispose() => ingest.Dispose();

    [Fact]
    public async Task Report_posts_every_field_with_the_key_and_prints_the_content_id_and_case_url()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));

        var result = await Cli.RunAsync(
        [
            "report", "--url", "https://video.example/watch?v=abc", "--platform", "youtube",
            "--text", "join us", "--reporter-reference", "IRU-2025-0042", "--jurisdiction", "DE",
            "--observed-at", "2025-03-01T09:30:00Z", "--views", "1200",
            "--ingest-url", ingest.BaseUrl, "--api-key", "secret-key",
        ]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
        [
            $"content id: {ContentId}",
            $"report:     #2 ({ReportId})",
            $"case url:   http://localhost:5104/api/v1/cases/{ContentId}",
        ], result.OutLines);
        var request = Assert.Single(ingest.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v1/reports", request.Path);
        Assert.Equal("secret-key", request.ApiKey);
        Assert.StartsWith("application/json", request.ContentType);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["url"] = "\"https://video.example/watch?v=abc\"",
                ["platform"] = "\"youtube\"",
                ["text"] = "\"join us\"",
                ["reporterReference"] = "\"IRU-2025-0042\"",
                ["observedAt"] = "\"2025-03-01T09:30:00+00:00\"",
                ["jurisdiction"] = "\"DE\"",
                ["views"] = "1200",
            },
            Fields(request.Json));
    }

    [Fact]
    public async Task Report_leaves_out_missing_fields_and_defaults_the_reporter_reference_to_the_time()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        var clock = new StoppedClock(new DateTimeOffset(2025, 3, 1, 9, 30, 5, TimeSpan.Zero));

        var result = await Cli.RunAsync(
            ["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl],
            new Dictionary<string, string> { ["TAKEDOWN_API_KEY"] = "env-key" },
            clock);

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(ingest.Requests);
        Assert.Equal("env-key", request.ApiKey);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["url"] = "\"https://x.example/p/1\"",
                ["platform"] = "\"x\"",
                ["reporterReference"] = "\"cli-20250301093005\"",
            },
            Fields(request.Json));
    }

    [Fact]
    public async Task Flags_win_over_the_environment()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_INGEST_URL"] = FakeApi.UnreachableUrl(),
            ["TAKEDOWN_API_KEY"] = "env-key",
        };

        var result = await Cli.RunAsync(
            ["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl, "--api-key", "flag-key"],
            environment);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("flag-key", Assert.Single(ingest.Requests).ApiKey);
    }

    [Fact]
    public async Task The_ingest_url_comes_from_the_environment_when_no_flag_is_given()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_INGEST_URL"] = ingest.BaseUrl,
            ["TAKEDOWN_API_KEY"] = "env-key",
        };

        var result = await Cli.RunAsync(["report", "--url", "https://x.example/p/1", "--platform", "x"], environment);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/api/v1/reports", Assert.Single(ingest.Requests).Path);
    }

    [Fact]
    public async Task Report_with_json_prints_the_response_body_as_received()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));

        var result = await Cli.RunAsync(
            ["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl, "--api-key", "k", "--json"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([Accepted], result.OutLines);
    }

    [Fact]
    public async Task Report_with_quiet_prints_only_the_content_id()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));

        var result = await Cli.RunAsync(
            ["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl, "--api-key", "k", "--quiet"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([ContentId], result.OutLines);
    }

    [Fact]
    public async Task A_rejected_report_exits_2_and_names_each_invalid_field()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(400, """
            {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.",
             "status":400,"detail":"The report is invalid.",
             "errors":{"url":["The url must be an absolute http(s) URL."],"jurisdiction":["Unknown jurisdiction 'XX'.","Use an ISO 3166-1 code."]}}
            """, "application/problem+json"));

        var result = await Cli.RunAsync(
            ["report", "--url", "not-a-url", "--platform", "x", "--jurisdiction", "XX", "--ingest-url", ingest.BaseUrl, "--api-key", "k"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal(
        [
            "error: 400 One or more validation errors occurred.: The report is invalid.",
            "  url: The url must be an absolute http(s) URL.",
            "  jurisdiction: Unknown jurisdiction 'XX'.",
            "  jurisdiction: Use an ISO 3166-1 code.",
        ], result.ErrorLines);
    }

    [Fact]
    public async Task A_server_failure_exits_3()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(500, """
            {"title":"An error occurred while processing your request.","status":500}
            """, "application/problem+json"));

        var result = await Cli.RunAsync(
            ["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl, "--api-key", "k"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["error: 500 An error occurred while processing your request."], result.ErrorLines);
    }

    [Fact]
    public async Task A_gateway_error_page_that_is_not_problem_details_is_shown_on_one_line_and_exits_3()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(502, "<html>\n  <body>Bad gateway</body>\n</html>\n", "text/html"));

        var result = await Cli.RunAsync(
            ["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl, "--api-key", "k"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["error: 502 Bad Gateway: <html> <body>Bad gateway</body> </html>"], result.ErrorLines);
    }

    [Fact]
    public async Task Without_an_api_key_nothing_is_sent_and_the_message_names_the_variable()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));

        var result = await Cli.RunAsync(["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", ingest.BaseUrl]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: reporting needs an API key: pass --api-key or set TAKEDOWN_API_KEY."], result.ErrorLines);
        Assert.Empty(ingest.Requests);
    }

    [Fact]
    public async Task An_unreachable_ingest_exits_3_and_names_the_url_tried()
    {
        var nowhere = FakeApi.UnreachableUrl();

        var result = await Cli.RunAsync(["report", "--url", "https://x.example/p/1", "--platform", "x", "--ingest-url", nowhere, "--api-key", "k"]);

        Assert.Equal(3, result.ExitCode);
        var message = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot reach {nowhere}/api/v1/reports: Connection refused", message);
        Assert.EndsWith("The URL comes from --ingest-url or TAKEDOWN_INGEST_URL.", message);
    }

    [Fact]
    public async Task A_missing_required_option_is_a_usage_error_and_sends_nothing()
    {
        var result = await Cli.RunAsync(["report", "--platform", "x", "--ingest-url", ingest.BaseUrl, "--api-key", "k"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Option '--url' is required.", result.Error);
        Assert.Empty(ingest.Requests);
    }

    private static Dictionary<string, string> Fields(JsonElement body) =>
        body.EnumerateObject().ToDictionary(property => property.Name, property => property.Value.GetRawText());
}
