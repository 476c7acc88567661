namespace Takedown.Cli.Tests;

public sealed class CaseUpdateCommandTests : IDisposable
{
    private const string ContentId = "0b9f3c1e-5d2a-4c8e-9f10-2a6b7c8d9e01";
    private const string CasePath = $"/api/v1/cases/{ContentId}";

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    private static CannedResponse Case(string status, int version) => new(200, $$"""
        {"contentId":"{{ContentId}}","version":{{version}},"status":"{{status}}","platform":"telegram","category":null,"severity":null,
         "timeline":[{"version":{{version}},"type":"NoticeSentToPlatform","occurredAt":"2025-03-01T10:00:00Z","summary":"trusted-flagger-portal TFP-1"}]}
        """);

    private Task<CliResult> RunAsync(params string[] args) =>
        Cli.RunAsync([.. args, "--reporting-url", reporting.BaseUrl, "--api-key", "liaison-key"]);

    [Fact]
    public async Task Case_notice_posts_the_notice_and_prints_the_updated_case()
    {
        reporting.Respond("POST", $"{CasePath}/notices", Case("notice-sent", 4));

        var result = await RunAsync("case", "notice", ContentId, "--channel", "trusted-flagger-portal", "--reference", "TFP-1",
            "--sent-at", "2025-03-01T10:00:00Z");

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("POST", "liaison-key"), (request.Method, request.ApiKey));
        Assert.Equal(
            [("channel", "\"trusted-flagger-portal\""), ("reference", "\"TFP-1\""), ("sentAt", "\"2025-03-01T10:00:00+00:00\"")],
            request.Json.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())));
        Assert.Contains("status notice-sent", result.OutLinesNormalized);
        Assert.Contains(["4", "2025-03-01T10:00:00Z", "NoticeSentToPlatform", "trusted-flagger-portal TFP-1"], result.TableRows);
    }

    [Fact]
    public async Task Case_notice_takes_a_personal_contact_and_a_removal_orders_issuing_authority()
    {
        reporting.Respond("POST", $"{CasePath}/notices", Case("open", 5));

        var result = await RunAsync("case", "notice", ContentId, "--channel", "removal-order", "--reference", "TCO-9",
            "--order-issued-at", "2025-03-01T09:00:00Z", "--issued-by", "Bundeskriminalamt");
        var personal = await RunAsync("case", "notice", ContentId, "--channel", "personal-contact", "--reference", "signal-1");

        Assert.Equal((0, 0), (result.ExitCode, personal.ExitCode));
        Assert.Equal(
            [
                [("channel", "\"removal-order\""), ("reference", "\"TCO-9\""), ("orderIssuedAt", "\"2025-03-01T09:00:00+00:00\""), ("issuedBy", "\"Bundeskriminalamt\"")],
                [("channel", "\"personal-contact\""), ("reference", "\"signal-1\"")],
            ],
            reporting.Requests.Select(r => r.Json.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())).ToArray()));
    }

    [Fact]
    public async Task Case_respond_posts_the_platforms_answer()
    {
        reporting.Respond("POST", $"{CasePath}/platform-response", Case("removed", 5));

        var result = await RunAsync("case", "respond", ContentId, "--outcome", "removed", "--json");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal($"{CasePath}/platform-response", request.Path);
        Assert.Equal([("outcome", "\"removed\"")], request.Json.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())));
        Assert.Contains("\"status\":\"removed\"", result.Out);
    }

    [Fact]
    public async Task A_rejection_without_the_platforms_reason_is_refused_before_anything_is_sent()
    {
        var result = await RunAsync("case", "respond", ContentId, "--outcome", "rejected");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--outcome rejected needs the platform's --reason.", result.Error);
        Assert.Empty(reporting.Requests);
    }

    [Fact]
    public async Task An_unknown_outcome_is_a_usage_error_not_a_crash()
    {
        var result = await RunAsync("case", "respond", ContentId, "--outcome", "gone");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'gone'", result.Error);
        Assert.Empty(reporting.Requests);
    }

    [Fact]
    public async Task A_notice_the_case_cannot_take_exits_2_with_the_servers_reason()
    {
        reporting.Respond("POST", $"{CasePath}/notices", new CannedResponse(409, """
            {"title":"That does not fit the case's current state.","status":409,"detail":"The case is closed.","caseStatus":"closed","currentVersion":7}
            """, "application/problem+json"));

        var result = await RunAsync("case", "notice", ContentId, "--channel", "email", "--reference", "m-1");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: 409 That does not fit the case's current state.: The case is closed."], result.ErrorLines);
    }

    [Fact]
    public async Task A_case_id_alone_still_shows_the_case()
    {
        reporting.Respond("GET", CasePath, Case("open", 1));

        var result = await RunAsync("case", ContentId);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["GET"], reporting.Requests.Select(r => r.Method));
    }
}
