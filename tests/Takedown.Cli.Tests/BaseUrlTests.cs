namespace Takedown.Cli.Tests;

/// <summary>
/// One base URL (a front door such as the compose file's proxy) reaches every service; a service's own URL still
/// wins over it, and flags win over the environment.
/// </summary>
public sealed class BaseUrlTests : IDisposable
{
    private const string ContentId = "0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01";
    private const string Accepted = $$"""{"contentId":"{{ContentId}}","reportId":"7d4e2f10-3b5c-4a6d-8e9f-0a1b2c3d4e5f","reportNumber":1,"caseUrl":null}""";
    private const string Case = $$"""{"contentId":"{{ContentId}}","version":1,"status":"open","timeline":[]}""";
    private const string NoMatches = """{"matches":[],"mediaHashes":null}""";

    private readonly FakeApi frontDoor = new();
    private readonly FakeApi ingest = new();

    public void Dispose()
    {
        frontDoor.Dispose();
        ingest.Dispose();
    }

    private static string[] Report(params string[] more) =>
        ["report", "--url", "https://x.example/p/1", "--platform", "x", "--api-key", "k", .. more];

    [Fact]
    public async Task TAKEDOWN_URL_sends_ingest_reporting_and_reupload_calls_to_one_address()
    {
        frontDoor.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        frontDoor.Respond("GET", $"/api/v1/cases/{ContentId}", new CannedResponse(200, Case));
        frontDoor.Respond("POST", "/api/v1/match", new CannedResponse(200, NoMatches));
        var environment = new Dictionary<string, string> { ["TAKEDOWN_URL"] = frontDoor.BaseUrl, ["TAKEDOWN_API_KEY"] = "k" };

        var report = await Cli.RunAsync(Report(), environment);
        var shown = await Cli.RunAsync(["case", ContentId], environment);
        var matched = await Cli.RunAsync(["match", "--text", "بيان"], environment);

        Assert.Equal((0, 0, 0), (report.ExitCode, shown.ExitCode, matched.ExitCode));
        Assert.Equal(
            ["POST /api/v1/reports", $"GET /api/v1/cases/{ContentId}", "POST /api/v1/match"],
            frontDoor.Requests.Select(request => $"{request.Method} {request.Path}"));
    }

    [Fact]
    public async Task A_services_own_variable_wins_over_TAKEDOWN_URL()
    {
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        var environment = new Dictionary<string, string> { ["TAKEDOWN_URL"] = frontDoor.BaseUrl, ["TAKEDOWN_INGEST_URL"] = ingest.BaseUrl };

        var result = await Cli.RunAsync(Report(), environment);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(ingest.Requests);
        Assert.Empty(frontDoor.Requests);
    }

    [Fact]
    public async Task The_base_url_flag_wins_over_every_variable_and_a_services_own_flag_wins_over_it()
    {
        frontDoor.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        ingest.Respond("POST", "/api/v1/reports", new CannedResponse(202, Accepted));
        var environment = new Dictionary<string, string> { ["TAKEDOWN_URL"] = FakeApi.UnreachableUrl(), ["TAKEDOWN_INGEST_URL"] = FakeApi.UnreachableUrl() };

        var viaBase = await Cli.RunAsync(Report("--base-url", frontDoor.BaseUrl), environment);
        var viaOwn = await Cli.RunAsync(Report("--base-url", frontDoor.BaseUrl, "--ingest-url", ingest.BaseUrl), environment);

        Assert.Equal((0, 0), (viaBase.ExitCode, viaOwn.ExitCode));
        Assert.Single(frontDoor.Requests);
        Assert.Single(ingest.Requests);
    }

    [Fact]
    public async Task An_unreachable_base_url_is_named_as_the_setting_to_change()
    {
        var nowhere = FakeApi.UnreachableUrl();

        var result = await Cli.RunAsync(Report(), new Dictionary<string, string> { ["TAKEDOWN_URL"] = nowhere });

        Assert.Equal(3, result.ExitCode);
        var message = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot reach {nowhere}/api/v1/reports", message);
        Assert.EndsWith("The URL comes from --base-url or TAKEDOWN_URL.", message);
    }
}
