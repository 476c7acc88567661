namespace Takedown.Cli.Tests;

public sealed class ProjectionCommandTests : IDisposable
{
    private const string ListPath = "/api/v1/admin/projections";
    private const string RebuildPath = "/api/v1/admin/projections/case-summaries/rebuild";

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    private static string Status(long eventsBehind, double secondsBehind = 0, long skips = 0)
    {
        var seconds = secondsBehind.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var lastSkipped = skips == 0 ? "null" : "40007";
        return $$$"""
            {"projections":[
              {"name":"case-summaries","lifecycle":"async","sequence":48213,"eventsBehind":{{{eventsBehind}}},"secondsBehind":{{{seconds}}}},
              {"name":"bank-entries","lifecycle":"inline","sequence":0,"eventsBehind":0,"secondsBehind":0}],
             "highWaterSkips":{"count":{{{skips}}},"lastEndingSequence":{{{lastSkipped}}}}}
            """;
    }

    private const string Completed = """
        {"name":"case-summaries","rebuild":"completed","status":{"name":"case-summaries","lifecycle":"async","sequence":51000,"eventsBehind":0,"secondsBehind":0}}
        """;

    private Task<CliResult> RebuildAsync(params string[] extra) => Cli.RunAsync(
        ["projection", "rebuild", "case-summaries", "--service-url", reporting.BaseUrl, "--api-key", "admin-key", .. extra]);

    [Fact]
    public async Task List_shows_each_projection_with_its_sequence_and_lag()
    {
        reporting.Respond("GET", ListPath, new CannedResponse(200, Status(1250, secondsBehind: 42.37)));

        var result = await Cli.RunAsync(["projection", "list", "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("GET", ListPath, "admin-key"), (request.Method, request.Path, request.ApiKey));
        Assert.Equal(
        [
            ["name", "lifecycle", "sequence", "events behind", "seconds behind"],
            ["case-summaries", "async", "48213", "1250", "42.4"],
            ["bank-entries", "inline", "-", "-", "-"],
        ], result.TableRows);
    }

    [Fact]
    public async Task List_warns_of_sequence_gaps_the_daemon_skipped()
    {
        reporting.Respond("GET", ListPath, new CannedResponse(200, Status(0, skips: 2)));

        var result = await Cli.RunAsync(["projection", "list", "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, result.TableRows.Length);
        Assert.Equal(
            ["warning: the projection daemon skipped 2 sequence gap(s), the last ending at 40007 (mt_high_water_skips); each may be an event no async projection applied."],
            result.ErrorLines);
    }

    [Fact]
    public async Task List_defaults_to_the_reporting_url_from_the_environment_and_prints_json_as_received()
    {
        var body = Status(0);
        reporting.Respond("GET", ListPath, new CannedResponse(200, body));
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_REPORTING_URL"] = reporting.BaseUrl,
            ["TAKEDOWN_API_KEY"] = "env-admin-key",
        };

        var result = await Cli.RunAsync(["projection", "list", "--json"], environment);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(body + "\n", result.Out.ReplaceLineEndings("\n"));
        Assert.Equal("env-admin-key", Assert.Single(reporting.Requests).ApiKey);
    }

    [Fact]
    public async Task Service_url_wins_over_the_reporting_url()
    {
        reporting.Respond("GET", ListPath, new CannedResponse(200, Status(0)));

        var result = await Cli.RunAsync(
            ["projection", "list", "--reporting-url", FakeApi.UnreachableUrl(), "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(reporting.Requests);
    }

    [Fact]
    public async Task Rebuild_posts_once_with_the_servers_default_timeout_and_reports_the_caught_up_projection()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(200, Completed));

        var result = await RebuildAsync();

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["rebuild of case-summaries completed; 0 events behind"], result.OutLines);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("POST", RebuildPath, "?timeoutSeconds=600", "admin-key", ""), (request.Method, request.Path, request.Query, request.ApiKey, request.Body));
    }

    [Fact]
    public async Task Rebuild_passes_its_timeout_and_prints_json_as_received()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(200, Completed));

        var result = await RebuildAsync("--timeout", "45", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Completed + "\n", result.Out.ReplaceLineEndings("\n"));
        Assert.Equal("?timeoutSeconds=45", Assert.Single(reporting.Requests).Query);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_timeout_below_one_second_is_a_usage_error_and_sends_nothing(string seconds)
    {
        var result = await RebuildAsync("--timeout", seconds);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--timeout must be at least 1 second.", result.Error);
        Assert.Empty(reporting.Requests);
    }

    [Fact]
    public async Task Rebuilding_an_unknown_projection_exits_2_and_points_to_the_list()
    {
        reporting.Respond("POST", "/api/v1/admin/projections/case-sumaries/rebuild", new CannedResponse(404, """
            {"title":"No such projection.","status":404,"detail":"No async projection is named 'case-sumaries'."}
            """, "application/problem+json"));

        var result = await Cli.RunAsync(
            ["projection", "rebuild", "case-sumaries", "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal(
        [
            "error: 404 No such projection.: No async projection is named 'case-sumaries'.",
            $"  no projection 'case-sumaries' at {reporting.BaseUrl}/; `takedown projection list` shows the ones it runs",
        ], result.ErrorLines);
        Assert.Single(reporting.Requests);
    }

    [Fact]
    public async Task A_rebuild_the_server_gave_up_on_exits_3()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(500, """
            {"title":"An error occurred while processing your request.","status":500}
            """, "application/problem+json"));

        var result = await RebuildAsync("--timeout", "5");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal(["error: 500 An error occurred while processing your request."], result.ErrorLines);
    }

    [Fact]
    public async Task An_unreachable_service_exits_3_and_names_the_url_tried()
    {
        var nowhere = FakeApi.UnreachableUrl();

        var result = await Cli.RunAsync(
            ["projection", "rebuild", "case-summaries", "--service-url", nowhere, "--api-key", "admin-key"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        var message = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot reach {nowhere}{RebuildPath}?timeoutSeconds=600: Connection refused", message);
        Assert.EndsWith("The URL comes from --service-url.", message);
    }

    [Fact]
    public async Task Without_an_api_key_nothing_is_sent()
    {
        var result = await Cli.RunAsync(["projection", "rebuild", "case-summaries", "--service-url", reporting.BaseUrl]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: projection commands need an admin API key: pass --api-key or set TAKEDOWN_API_KEY."], result.ErrorLines);
        Assert.Empty(reporting.Requests);
    }
}
