extern alias cli;

using System.Text.Json;
using Takedown.Testing;
using CliHost = cli::Takedown.Cli.CliHost;
using TakedownCli = cli::Takedown.Cli.TakedownCli;

namespace Takedown.Tests.EndToEnd;

/// <summary>
/// The operator's path from the README, through the real command line and the four real hosts: `takedown report`
/// sends a report to Ingest, and `takedown case` reads it back from Reporting once the other services have added to it.
/// </summary>
public sealed class CliPipelineTests(PipelineFixture pipeline) : IClassFixture<PipelineFixture>
{
    [Fact]
    public async Task Takedown_report_then_takedown_case_shows_the_case_from_all_four_services()
    {
        var reporter = await pipeline.IssueKeyAsync("tech-for-peace", "reporter");
        var postId = Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_INGEST_URL"] = "http://ingest.test",
            ["TAKEDOWN_REPORTING_URL"] = PipelineFixture.ReportingBaseUrl,
            ["TAKEDOWN_API_KEY"] = reporter,
        };

        var report = await RunAsync(environment,
            "report", "--json", "--url", $"https://t.me/channel/{postId}?utm_source=share", "--platform", "telegram",
            "--text", "هذا الناشط عميل السفارة", "--reporter-reference", "TFP-CLI-1");

        Assert.Equal(0, report.ExitCode);
        using var accepted = JsonDocument.Parse(report.Out);
        var contentId = accepted.RootElement.GetProperty("contentId").GetString();
        Assert.Equal($"{PipelineFixture.ReportingBaseUrl}/api/v1/cases/{contentId}", accepted.RootElement.GetProperty("caseUrl").GetString());

        // --wait polls until classification and fingerprints have reached the case.
        var shown = await RunAsync(environment, "case", contentId!, "--wait", "60");

        Assert.True(shown.ExitCode == 0, shown.Error);
        var lines = shown.Out.Split('\n').Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();
        Assert.Contains($"case {contentId}", lines);
        Assert.Contains("status open", lines);
        Assert.Contains(lines, line => line.StartsWith("category targeting-of-individuals", StringComparison.Ordinal));
        Assert.Contains("severity P1", lines);
        Assert.Contains("platform telegram", lines);
        Assert.Contains($"canonical url https://t.me/channel/{postId}", lines);
        foreach (var type in new[] { "ContentReported", "ContentClassified", "FingerprintsRecorded" })
            Assert.Contains(lines, line => line.Contains($"│ {type} │", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Takedown_case_with_a_reporter_key_of_another_organisation_is_told_the_case_is_not_found()
    {
        var owner = await pipeline.IssueKeyAsync("tech-for-peace", "reporter");
        var stranger = await pipeline.IssueKeyAsync("another-ngo", "reporter");
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_INGEST_URL"] = "http://ingest.test",
            ["TAKEDOWN_REPORTING_URL"] = PipelineFixture.ReportingBaseUrl,
        };
        var report = await RunAsync(environment,
            "report", "--json", "--api-key", owner, "--url", $"https://t.me/channel/{Guid.NewGuid():N}", "--platform", "telegram",
            "--text", "سنقتلك يا جاسوس");
        Assert.Equal(0, report.ExitCode);
        var contentId = JsonDocument.Parse(report.Out).RootElement.GetProperty("contentId").GetString()!;
        var seenByOwner = await RunAsync(environment, "case", contentId, "--api-key", owner, "--wait", "60");
        Assert.Equal(0, seenByOwner.ExitCode);

        var refused = await RunAsync(environment, "case", contentId, "--api-key", stranger);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("404", refused.Error);
    }

    [Fact]
    public async Task Takedown_search_finds_a_reported_text_by_another_spelling_once_indexed()
    {
        var reporter = await pipeline.IssueKeyAsync("tech-for-peace", "reporter");
        var tag = $"cli{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_INGEST_URL"] = "http://ingest.test",
            ["TAKEDOWN_REPORTING_URL"] = PipelineFixture.ReportingBaseUrl,
            ["TAKEDOWN_API_KEY"] = reporter,
        };
        var report = await RunAsync(environment,
            "report", "--json", "--url", $"https://t.me/channel/{Guid.NewGuid():N}", "--platform", "telegram", "--text", $"إصدار جديد لمؤسسة الفرقان {tag}");
        Assert.Equal(0, report.ExitCode);
        var contentId = JsonDocument.Parse(report.Out).RootElement.GetProperty("contentId").GetString()!;

        // The search reads a projection: it finds the report moments after Reporting records it.
        var found = await Eventually.UntilAsync(() => RunAsync(environment, "search", "اصدار", "الفرقان", tag, "--platform", "telegram"),
            result => result.ExitCode != 0 || result.Out.Contains(contentId, StringComparison.Ordinal), what: "the report in `takedown search`");

        Assert.True(found.ExitCode == 0, found.Error);
        var row = found.Out.Split('\n').Single(line => line.Contains(contentId, StringComparison.Ordinal));
        Assert.Contains("telegram", row, StringComparison.Ordinal);
        Assert.Contains("page 1 of 1, 1 found (postgresql)", found.Out, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Out, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var http = new HostRouter(new()
        {
            ["ingest.test"] = pipeline.CreateIngestHandler(),
            ["reporting.test"] = pipeline.CreateReportingHandler(),
        });
        var host = CliHost.Captured(http, stdout, stderr, name => environment.GetValueOrDefault(name), TimeProvider.System, width: 200);
        var exitCode = await TakedownCli.RunAsync(args, host);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Sends each request into the test host its URL names, as DNS and the network would.</summary>
    private sealed class HostRouter(Dictionary<string, HttpMessageHandler> hosts) : HttpMessageHandler
    {
        private readonly Dictionary<string, HttpMessageInvoker> _invokers = hosts.ToDictionary(h => h.Key, h => new HttpMessageInvoker(h.Value));

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invokers.TryGetValue(request.RequestUri!.Host, out var invoker)
                ? invoker.SendAsync(request, cancellationToken)
                : throw new HttpRequestException($"No test host for {request.RequestUri}");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                foreach (var invoker in _invokers.Values)
                    invoker.Dispose();
            base.Dispose(disposing);
        }
    }
}
