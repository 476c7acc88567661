namespace Takedown.Cli.Tests;

public sealed class TransparencyCommandTests : IDisposable
{
    private const string Path = "/api/v1/reports/transparency";
    private const string Csv = "platform,category,cases\r\n\"odd, name\",hate-speech,2\r\n";

    private readonly FakeApi reporting = new();

    public void Dispose() => reporting.Dispose();

    [Fact]
    public async Task The_report_is_fetched_with_the_period_and_format_and_printed_as_received()
    {
        reporting.Respond("GET", Path, new CannedResponse(200, Csv, "text/csv"));

        var result = await Cli.RunAsync(
        [
            "report", "transparency", "--from", "2025-01-01", "--to", "2025-03-31", "--format", "csv", "--organisation", "ngo a",
            "--reporting-url", reporting.BaseUrl, "--api-key", "analyst-key",
        ]);

        Assert.Equal((0, ""), (result.ExitCode, result.Error));
        Assert.Equal(Csv, result.Out);
        var request = Assert.Single(reporting.Requests);
        Assert.Equal(("GET", Path, "analyst-key", "text/csv"), (request.Method, request.Path, request.ApiKey, request.Accept));
        Assert.Equal("?from=2025-01-01&to=2025-03-31&format=csv&organisation=ngo%20a", request.Query);
    }

    [Fact]
    public async Task With_output_the_report_goes_to_the_file_and_json_is_the_default()
    {
        const string Html = "<!DOCTYPE html>\n<html lang=\"en\"><body><h1>Takedown transparency report</h1></body></html>\n";
        reporting.Respond("GET", Path, new CannedResponse(200, Html, "text/html"));
        var file = System.IO.Path.Combine(Directory.CreateTempSubdirectory("takedown-cli-").FullName, "report.html");

        var html = await Cli.RunAsync(["report", "transparency", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "html", "-o", file,
            "--reporting-url", reporting.BaseUrl, "--api-key", "k"]);
        var json = await Cli.RunAsync(["report", "transparency", "--from", "2025-03-01", "--to", "2025-03-31",
            "--reporting-url", reporting.BaseUrl, "--api-key", "k"]);

        Assert.Equal(0, html.ExitCode);
        Assert.Equal(Html, await File.ReadAllTextAsync(file));
        Assert.Equal([$"wrote the html report to {file} ({Html.Length} bytes)"], html.OutLines);
        Assert.Equal("?from=2025-03-01&to=2025-03-31&format=json", reporting.Requests[1].Query);
        Assert.Equal("application/json", reporting.Requests[1].Accept);
        Directory.Delete(System.IO.Path.GetDirectoryName(file)!, recursive: true);
    }

    [Fact]
    public async Task A_bad_period_comes_back_as_the_fields_problems_and_exit_2()
    {
        reporting.Respond("GET", Path, new CannedResponse(400, """
            {"title":"One or more validation errors occurred.","status":400,"errors":{"to":["Must be after from."]}}
            """, "application/problem+json"));

        var result = await Cli.RunAsync(["report", "transparency", "--from", "2025-03-31", "--to", "2025-03-01",
            "--reporting-url", reporting.BaseUrl, "--api-key", "k"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: 400 One or more validation errors occurred.", "  to: Must be after from."], result.ErrorLines);
    }

    [Fact]
    public async Task An_unknown_format_or_a_missing_period_is_a_usage_error_and_sends_nothing()
    {
        var format = await Cli.RunAsync(["report", "transparency", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "pdf",
            "--reporting-url", reporting.BaseUrl, "--api-key", "k"]);
        var period = await Cli.RunAsync(["report", "transparency", "--from", "2025-03-01", "--reporting-url", reporting.BaseUrl, "--api-key", "k"]);

        Assert.Equal((1, 1), (format.ExitCode, period.ExitCode));
        Assert.Contains("pdf", format.Error);
        Assert.Contains("Option '--to' is required.", period.Error);
        Assert.Empty(reporting.Requests);
    }

    [Fact]
    public async Task Without_an_api_key_nothing_is_sent()
    {
        var result = await Cli.RunAsync(["report", "transparency", "--from", "2025-03-01", "--to", "2025-03-31", "--reporting-url", reporting.BaseUrl]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: reports need an API key: pass --api-key or set TAKEDOWN_API_KEY."], result.ErrorLines);
        Assert.Empty(reporting.Requests);
    }
}
