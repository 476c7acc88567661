namespace Takedown.Cli.Tests;

public sealed class ProjectionCommandTests : IDisposable
{
    private const string ListPath = "/api/v1/admin/projections";
    private const string RebuildPath = "/api/v1/admin/projections/case-summaries/rebuild";
    private const string Requested = """{"name":"case-summaries","rebuild":"requested"}""";

    // The CLI's wall clock; the fake server's own stamps are set around it.
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    private static string Status(
        long eventsBehind, string? rebuiltAt, string? rebuildRequestedAt = "2025-03-01T10:00:00.2+00:00", double secondsBehind = 0) => $$"""
        [{"name":"case-summaries","lifecycle":"async","checkpointTransaction":{{(rebuiltAt is null ? 0 : 48213)}},"checkpointSequence":3,
          "eventsBehind":{{eventsBehind}},"secondsBehind":{{secondsBehind.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"leader":true,
          "rebuildRequestedAt":{{Quoted(rebuildRequestedAt)}},"rebuiltAt":{{Quoted(rebuiltAt)}}},
         {"name":"case-timeline","lifecycle":"inline","checkpointTransaction":0,"checkpointSequence":0,
          "eventsBehind":0,"secondsBehind":0,"leader":false,"rebuildRequestedAt":null,"rebuiltAt":null}]
        """;

    private static string Quoted(string? value) => value is null ? "null" : $"\"{value}\"";

    private Task<CliResult> RebuildAsync(params string[] extra) => Cli.RunAsync(
        ["projection", "rebuild", "case-summaries", "--service-url", reporting.BaseUrl, "--api-key", "admin-key", .. extra],
        time: new StoppedClock(Now));

    [Fact]
    public async Task List_shows_each_projection_with_its_lag_leadership_and_last_rebuild()
    {
        reporting.Respond("GET", ListPath, new CannedResponse(200, Status(1250, "2025-03-01T09:30:05.123+00:00", secondsBehind: 42.37)));

        var result = await Cli.RunAsync(["projection", "list", "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("GET", ListPath, "admin-key"), (request.Method, request.Path, request.ApiKey));
        Assert.Equal(
        [
            ["name", "lifecycle", "events behind", "seconds behind", "leader", "rebuilt at (UTC)"],
            ["case-summaries", "async", "1250", "42.4", "yes", "2025-03-01T09:30:05Z"],
            ["case-timeline", "inline", "-", "-", "-", "-"],
        ], result.TableRows);
    }

    [Fact]
    public async Task List_defaults_to_the_reporting_url_from_the_environment_and_prints_json_as_received()
    {
        var body = Status(0, null, rebuildRequestedAt: null);
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
        reporting.Respond("GET", ListPath, new CannedResponse(200, Status(0, null)));

        var result = await Cli.RunAsync(
            ["projection", "list", "--reporting-url", FakeApi.UnreachableUrl(), "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(reporting.Requests);
    }

    [Fact]
    public async Task Rebuild_posts_to_the_projections_rebuild_path_with_the_key_and_does_not_poll()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(202, Requested));

        var result = await RebuildAsync();

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["rebuild of case-summaries requested"], result.OutLines);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("POST", RebuildPath, "admin-key", ""), (request.Method, request.Path, request.ApiKey, request.Body));
    }

    [Fact]
    public async Task Rebuilding_an_unknown_projection_exits_2_and_points_to_the_list()
    {
        reporting.Respond("POST", "/api/v1/admin/projections/case-sumaries/rebuild", new CannedResponse(404, """
            {"title":"No such projection.","status":404,"detail":"No async projection is named 'case-sumaries'."}
            """, "application/problem+json"));

        var result = await Cli.RunAsync(
            ["projection", "rebuild", "case-sumaries", "--wait", "30", "--service-url", reporting.BaseUrl, "--api-key", "admin-key"]);

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
    public async Task Wait_polls_until_the_read_model_is_emptied_and_replayed_to_the_end_of_the_log()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(202, Requested));
        reporting.Respond("GET", ListPath,
            // Rebuilt 2 s before this request: within any clock-skew allowance, yet not this rebuild.
            new CannedResponse(200, Status(0, "2025-03-01T09:59:58+00:00")),
            new CannedResponse(200, Status(1500, "2025-03-01T10:00:00.4+00:00")),
            new CannedResponse(200, Status(1200, "2025-03-01T10:00:00.4+00:00")),
            new CannedResponse(200, Status(600, "2025-03-01T10:00:00.4+00:00")),
            new CannedResponse(200, Status(300, "2025-03-01T10:00:00.4+00:00")),
            new CannedResponse(200, Status(0, "2025-03-01T10:00:00.4+00:00")),
            new CannedResponse(500, """{"title":"polled after the rebuild was done","status":500}"""));

        var result = await RebuildAsync("--wait", "30");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["rebuild of case-summaries requested", "rebuild of case-summaries done at 2025-03-01T10:00:00Z; 0 events behind"],
            result.OutLines);
        Assert.Equal(["POST", "GET", "GET", "GET", "GET", "GET", "GET"], reporting.Requests.Select(r => r.Method));
        Assert.All(reporting.Requests, r => Assert.Equal("admin-key", r.ApiKey));
        // Six polls 500 ms apart span 2.5 s: progress at most once a second is 3 lines, the first one at once.
        Assert.Equal("waiting for the projection's leader to empty the read model", result.ErrorLines[0]);
        Assert.InRange(result.ErrorLines.Length, 2, 3);
        Assert.All(result.ErrorLines[1..], line => Assert.Contains(line, new[]
        {
            "replaying: 1500 events behind", "replaying: 1200 events behind", "replaying: 600 events behind", "replaying: 300 events behind",
        }));
    }

    [Fact]
    public async Task Without_the_servers_request_time_wait_accepts_a_rebuild_within_5_s_of_its_own_clock()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(202, Requested));
        reporting.Respond("GET", ListPath,
            new CannedResponse(200, Status(0, "2025-03-01T09:59:54+00:00", rebuildRequestedAt: null)),
            new CannedResponse(200, Status(0, "2025-03-01T09:59:57+00:00", rebuildRequestedAt: null)));

        var result = await RebuildAsync("--wait", "30");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("rebuild of case-summaries done at 2025-03-01T09:59:57Z; 0 events behind", result.OutLines[^1]);
        Assert.Equal(3, reporting.Requests.Count);
    }

    [Fact]
    public async Task Wait_gives_up_at_the_deadline_and_exits_3_with_how_far_the_replay_got()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(202, Requested));
        reporting.Respond("GET", ListPath, new CannedResponse(200, Status(40, "2025-03-01T10:00:00.4+00:00")));

        var result = await RebuildAsync("--wait", "1");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["rebuild of case-summaries requested"], result.OutLines);
        Assert.Equal(
            ["replaying: 40 events behind", "error: rebuild of case-summaries not done after 1 s; replaying: 40 events behind."],
            result.ErrorLines);
        Assert.InRange(reporting.Requests.Count, 3, 5);
    }

    [Fact]
    public async Task A_server_failure_while_waiting_exits_3()
    {
        reporting.Respond("POST", RebuildPath, new CannedResponse(202, Requested));
        reporting.Respond("GET", ListPath, new CannedResponse(503, """{"title":"Service Unavailable","status":503}""", "application/problem+json"));

        var result = await RebuildAsync("--wait", "30");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["error: 503 Service Unavailable"], result.ErrorLines);
        Assert.Equal(2, reporting.Requests.Count);
    }

    [Fact]
    public async Task An_unreachable_service_exits_3_and_names_the_url_tried()
    {
        var nowhere = FakeApi.UnreachableUrl();

        var result = await Cli.RunAsync(
            ["projection", "rebuild", "case-summaries", "--wait", "30", "--service-url", nowhere, "--api-key", "admin-key"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        var message = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot reach {nowhere}{RebuildPath}: Connection refused", message);
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
