namespace Takedown.Cli.Tests;

public sealed class ApiKeyCommandTests : IDisposable
{
    private const string Issued = """
        {"id":"5c1f7a9e-0d3b-4e2a-9c8f-1a2b3c4d5e6f","name":"tfp-desk","organisation":"tech-for-peace","roles":["reporter","liaison"],"key":"tdk_0123abcd"}
        """;

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    private Task<CliResult> IssueAsync(params string[] more) =>
        Cli.RunAsync(["api-key", "issue", "--name", "tfp-desk", "--organisation", "tech-for-peace", "--role", "reporter", "--role", "liaison",
            "--reporting-url", reporting.BaseUrl, "--api-key", "admin-key", .. more]);

    [Fact]
    public async Task Issue_posts_the_name_organisation_and_every_role_and_prints_the_key_once()
    {
        reporting.Respond("POST", "/api/v1/admin/api-keys", new CannedResponse(201, Issued));

        var result = await IssueAsync();

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal("admin-key", request.ApiKey);
        Assert.Equal("""{"name":"tfp-desk","organisation":"tech-for-peace","roles":["reporter","liaison"]}""", request.Body);
        Assert.Equal(
        [
            "key:          tdk_0123abcd",
            "id:           5c1f7a9e-0d3b-4e2a-9c8f-1a2b3c4d5e6f",
            "name:         tfp-desk",
            "organisation: tech-for-peace",
            "roles:        reporter, liaison",
        ], result.OutLines);
        Assert.Equal(["note: the key is shown only this once; only its hash is stored."], result.ErrorLines);
    }

    [Fact]
    public async Task Issue_with_quiet_prints_only_the_key()
    {
        reporting.Respond("POST", "/api/v1/admin/api-keys", new CannedResponse(201, Issued));

        var result = await IssueAsync("--quiet");

        Assert.Equal((0, "tdk_0123abcd\n"), (result.ExitCode, result.Out.Replace("\r\n", "\n")));
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task An_unknown_role_is_refused_before_anything_is_sent()
    {
        var result = await Cli.RunAsync(["api-key", "issue", "--name", "n", "--organisation", "o", "--role", "superuser",
            "--reporting-url", reporting.BaseUrl, "--api-key", "admin-key"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("superuser", result.Error);
        Assert.Empty(reporting.Requests);
    }
}
