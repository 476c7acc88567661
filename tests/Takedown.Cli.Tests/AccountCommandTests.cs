namespace Takedown.Cli.Tests;

public sealed class AccountCommandTests : IDisposable
{
    private const string AccountId = "telegram:somechannel";
    private const string AccountPath = $"/api/v1/accounts/{AccountId}";

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    private static CannedResponse Account(string status, int version) => new(200, $$"""
        {"accountId":"{{AccountId}}","version":{{version}},"status":"{{status}}","platform":"telegram","notices":1,"regime":"de-netzdg-manifestly-unlawful",
         "dueAt":"2025-03-02T10:00:00Z","breached":false,
         "content":[{"contentId":"0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01","canonicalUrl":"https://t.me/somechannel/7","status":"open"}],
         "timeline":[{"version":{{version}},"type":"AccountNoticeSent","occurredAt":"2025-03-01T10:00:00Z","actor":"api-key:l@ngo","summary":"Notice sent by email, reference m-1"}]}
        """);

    private Task<CliResult> RunAsync(params string[] args) =>
        Cli.RunAsync([.. args, "--reporting-url", reporting.BaseUrl, "--api-key", "liaison-key"]);

    [Fact]
    public async Task Account_show_prints_the_account_its_content_and_its_timeline()
    {
        reporting.Respond("GET", AccountPath, Account("open", 4));

        var result = await RunAsync("account", "show", AccountId);

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        Assert.Equal(AccountPath, Assert.Single(reporting.Requests).Path);
        Assert.Contains("status open", result.OutLinesNormalized);
        Assert.Contains(["0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01", "open", "https://t.me/somechannel/7"], result.TableRows);
        Assert.Contains(["4", "2025-03-01T10:00:00Z", "AccountNoticeSent", "Notice sent by email, reference m-1"], result.TableRows);
    }

    [Fact]
    public async Task Account_list_passes_its_filters_and_prints_a_row_per_account()
    {
        reporting.Respond("GET", "/api/v1/accounts", new CannedResponse(200, """
            {"items":[{"accountId":"telegram:somechannel","status":"suspended","platform":"telegram","contentCount":3,"notices":2,"dueAt":null,"breached":false}],
             "page":1,"pageSize":50,"total":1}
            """));

        var result = await RunAsync("account", "list", "--platform", "telegram", "--status", "suspended");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("?platform=telegram&status=suspended", Assert.Single(reporting.Requests).Query);
        Assert.Contains(["telegram:somechannel", "suspended", "telegram", "3", "2", "-"], result.TableRows);
    }

    [Fact]
    public async Task Account_notice_posts_the_notice_and_prints_the_updated_account()
    {
        reporting.Respond("POST", $"{AccountPath}/notices", Account("open", 4));

        var result = await RunAsync("account", "notice", AccountId, "--channel", "personal-contact", "--reference", "signal-1", "--sent-at", "2025-03-01T10:00:00Z");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("POST", "liaison-key"), (request.Method, request.ApiKey));
        Assert.Equal([("channel", "\"personal-contact\""), ("reference", "\"signal-1\""), ("sentAt", "\"2025-03-01T10:00:00+00:00\"")],
            request.Json.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())));
    }

    [Fact]
    public async Task Account_outcome_posts_the_platforms_outcome()
    {
        reporting.Respond("POST", $"{AccountPath}/outcome", Account("suspended", 5));

        var result = await RunAsync("account", "outcome", AccountId, "--outcome", "suspended", "--reason", "Terms of service", "--json");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal([("outcome", "\"suspended\""), ("reason", "\"Terms of service\"")], request.Json.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())));
        Assert.Contains("\"status\":\"suspended\"", result.Out);
    }

    [Fact]
    public async Task Account_outcome_refuses_an_outcome_the_api_does_not_know()
    {
        var result = await RunAsync("account", "outcome", AccountId, "--outcome", "banned");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(reporting.Requests);
    }
}
