extern alias cli;
extern alias ingest;

using ingest::Takedown.Ingest.Reports;
using Microsoft.Extensions.DependencyInjection;
using Takedown.Tests.Http;
using CliHost = cli::Takedown.Cli.CliHost;
using TakedownCli = cli::Takedown.Cli.TakedownCli;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.Reports;

/// <summary>`takedown report import` against the real Ingest host over a socket.</summary>
public sealed class ReportImportCommandTests(KestrelIngestFixture fixture) : IClassFixture<KestrelIngestFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("takedown-report-import-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var http = new SocketsHttpHandler();
        var environment = new Dictionary<string, string>
        {
            ["TAKEDOWN_INGEST_URL"] = fixture.Ingest.Client.BaseAddress!.ToString().TrimEnd('/'),
            ["TAKEDOWN_API_KEY"] = IngestOnKestrel.AdminKey,
        };
        var host = CliHost.Captured(http, stdout, stderr, name => environment.GetValueOrDefault(name), TimeProvider.System, width: 200);
        var exitCode = await TakedownCli.RunAsync(args, host);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task A_csv_file_is_imported_with_its_bad_rows_listed_and_a_second_run_from_a_row_adds_nothing()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(_directory, "reports.csv");
        await File.WriteAllTextAsync(path,
            $"url,reporterReference,account\nhttps://t.me/chan_{run}/1,C-1,\nnot a url,C-2,\nhttps://x.com/i/status/{run.Length}{Random.Shared.NextInt64(1, long.MaxValue)},C-3,@Poster_{run[..4]}\n");

        var first = await RunAsync("report", "import", path);
        var again = await RunAsync("report", "import", path, "--first-row", "3");

        Assert.Equal(2, first.ExitCode);
        Assert.Equal(
            "row 3: url: Must be an absolute http or https URL. platform: A platform name is required: letters, digits, '.', '-' or '_', at most 64 characters.\n"
            + "2 accepted, 0 duplicates (already imported), 1 rejected; last row 4\n",
            first.Out.ReplaceLineEndings("\n"));
        Assert.Equal((2, "0 accepted, 1 duplicates (already imported), 1 rejected; last row 4"),
            (again.ExitCode, again.Out.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]));
        var store = fixture.Ingest.Services.GetRequiredService<Store>();
        var events = await store.ReadStreamAsync(Submission.StreamId(ContentIds.FromCanonicalUrl($"https://t.me/chan_{run}/1")), CancellationToken.None);
        Assert.Equal(($"telegram:chan_{run}", "C-1"), (((ReportReceived)Assert.Single(events).Data).Account, ((ReportReceived)events[0].Data).ReporterReference));
    }

    [Fact]
    public async Task A_json_lines_file_without_bad_rows_exits_zero_and_prints_the_summary_as_json()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var path = Path.Combine(_directory, "reports.jsonl");
        await File.WriteAllTextAsync(path, string.Join('\n', Enumerable.Range(1, 3).Select(i =>
            $$"""{"url":"https://www.instagram.com/u_{{run}}/p/Code{{i}}{{run}}","reporterReference":"J-{{i}}"}""")));

        var result = await RunAsync("report", "import", path, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("""{"accepted":3,"duplicates":0,"rejected":[],"rejectedTotal":0,"lastRow":3}""", result.Out.Trim());
    }
}
