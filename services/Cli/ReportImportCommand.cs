using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Takedown.Cli;

/// <summary>
/// Streams a file of reports to <c>POST /api/v1/reports:import</c> in one request: the service reads it row by row
/// and commits as it goes, so the file is never held whole on either side. Re-sending a file, whole or from a row,
/// adds only the reports not already imported.
/// </summary>
public sealed class ReportImportCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Argument<string> file = new("FILE")
    {
        Description = "Reports: CSV with a header naming url,reporterReference and any of platform,text,observedAt,jurisdiction,views,account; or JSON lines, one report object per line",
    };

    private readonly Option<string?> format = new("--format")
    {
        Description = "csv or ndjson [default: from the file name: .csv, or .ndjson/.jsonl]",
        HelpName = "csv|ndjson",
    };

    private readonly Option<long?> firstRow = new("--first-row")
    {
        Description = "Skip the file's lines before this one (e.g. the row an interrupted import had reached); re-running without it is also safe",
        HelpName = "row",
    };

    public ReportImportCommand(CliOptions options, CliHost host)
        : base("import", "Import a file of reports; reports already imported are skipped, bad rows are listed with their line")
    {
        this.options = options;
        this.host = host;
        format.AcceptOnlyFromAmong("csv", "ndjson");
        firstRow.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() < 1)
            {
                result.AddError("--first-row is a line number, from 1.");
            }
        });
        Arguments.Add(file);
        Options.Add(format);
        Options.Add(firstRow);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"importing reports needs an API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var path = parseResult.GetRequiredValue(file);
        if (!File.Exists(path))
        {
            throw new UsageException($"cannot read '{path}': no such file.");
        }
        var csv = (parseResult.GetValue(format) ?? FormatOf(path)) == "csv";
        var from = parseResult.GetValue(firstRow);
        var ingest = options.Ingest(parseResult);
        var length = new FileInfo(path).Length;
        using var api = new ApiClient(host.Http, apiKey);
        var json = options.WantsJson(parseResult);
        var query = from is { } row && row > 1 ? "?firstRow=" + row.ToString(CultureInfo.InvariantCulture) : "";

        async Task<ReportImportSummary> SendAsync(Action<long> progress)
        {
            using var content = new ReportFileContent(path, csv, from ?? 1, progress);
            try
            {
                return (await api.SendContentAsync<ReportImportSummary>(HttpMethod.Post, ingest, "api/v1/reports:import" + query, content, cancellationToken)).Value;
            }
            catch (Exception e) when (e is ApiProblemException or ServiceUnavailableException or HttpRequestException)
            {
                // Batches committed before the break stay; sending the file again only counts them as duplicates.
                host.Error.WriteLine("import stopped: run the same command again (reports already imported are skipped), or pass --first-row to skip rows known to be in.");
                throw;
            }
        }

        ReportImportSummary summary;
        if (!json && host.Console.Profile.Capabilities.Interactive)
        {
            ReportImportSummary? done = null;
            await host.Console.Progress().Columns(
                    new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"importing {Path.GetFileName(path)}", maxValue: Math.Max(1, length));
                    done = await SendAsync(read => task.Value = read);
                    task.Value = task.MaxValue;
                });
            summary = done!;
        }
        else
        {
            summary = await SendAsync(_ => { });
        }

        if (json)
        {
            host.Out.WriteLine(JsonSerializer.Serialize(summary, ApiClient.Json));
        }
        else
        {
            foreach (var rejected in summary.Rejected)
            {
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"row {rejected.Row}: {rejected.Error}"));
            }
            if (summary.RejectedTotal > summary.Rejected.Count)
            {
                host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"… and {summary.RejectedTotal - summary.Rejected.Count} more rejected rows not listed by the service"));
            }
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Accepted} accepted, {summary.Duplicates} duplicates (already imported), {summary.RejectedTotal} rejected; last row {summary.LastRow?.ToString(CultureInfo.InvariantCulture) ?? "-"}"));
        }
        // As for bank import: a file with rejected rows is the caller's to fix, and scripts should notice.
        return summary.RejectedTotal > 0 ? ExitCodes.CallerError : ExitCodes.Ok;
    }

    private static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => "csv",
        ".ndjson" or ".jsonl" => "ndjson",
        _ => throw new UsageException($"cannot tell the format of '{path}' from its name; pass --format csv or --format ndjson."),
    };

    /// <summary>The file as a request body, read as it is sent: the CSV header, then the lines from <paramref name="firstRow"/> on.</summary>
    private sealed class ReportFileContent : HttpContent
    {
        private readonly string path;
        private readonly bool csv;
        private readonly long firstRow;
        private readonly Action<long> progress;

        public ReportFileContent(string path, bool csv, long firstRow, Action<long> progress)
        {
            this.path = path;
            this.csv = csv;
            this.firstRow = firstRow;
            this.progress = progress;
            Headers.ContentType = new MediaTypeHeaderValue(csv ? "text/csv" : "application/x-ndjson") { CharSet = "utf-8" };
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            if (firstRow <= 1)
            {
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await input.ReadAsync(buffer)) > 0)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, read));
                    progress(input.Position);
                }
                return;
            }
            using var reader = new StreamReader(input, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            long line = 0;
            while (await reader.ReadLineAsync() is { } text)
            {
                line++;
                if (line >= firstRow || (csv && line == 1))
                {
                    await writer.WriteAsync(text);
                    await writer.WriteAsync('\n');
                }
                if (line % 1000 == 0)
                {
                    progress(input.Position);
                }
            }
            await writer.FlushAsync();
            progress(input.Position);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return firstRow <= 1 && (length = new FileInfo(path).Length) >= 0;
        }
    }
}

/// <summary>Answer of <c>POST /api/v1/reports:import</c>.</summary>
public sealed record ReportImportSummary(long Accepted, long Duplicates, IReadOnlyList<RejectedRow> Rejected, long RejectedTotal, long? LastRow);
