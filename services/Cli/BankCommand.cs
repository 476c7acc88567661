using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Takedown.Cli;

public sealed class BankCommand : Command
{
    public BankCommand(CliOptions options, CliHost host)
        : base("bank", "Manage the hash banks of ReuploadDetection (analyst or admin API key)")
    {
        Subcommands.Add(new BankImportCommand(options, host));
    }
}

/// <summary>
/// Streams a hash list to <c>POST /api/v1/banks/{bank}/hashes:import</c> in pieces of a few thousand rows. Each
/// piece says which line of the file it starts at, so rejected rows are reported by their line in the file; a piece
/// that fails tells the user where to resume, and re-sending rows already imported only counts them as duplicates.
/// </summary>
public sealed class BankImportCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Argument<string> file = new("FILE")
    {
        Description = "Hash list: CSV with header signal,hash,label,source, or JSON lines {\"signal\",\"hash\",\"label\",\"source\"}",
    };

    private readonly Option<string> bank = new("--bank")
    {
        Description = "Bank to import into: lower-case letters, digits and '-', at most 64 characters",
        HelpName = "name",
        Required = true,
    };

    private readonly Option<string?> format = new("--format")
    {
        Description = "csv or ndjson [default: from the file name: .csv, or .ndjson/.jsonl]",
        HelpName = "csv|ndjson",
    };

    private readonly Option<long?> resumeFrom = new("--resume-from")
    {
        Description = "Skip the file's lines before this one (as printed when an import stopped); re-running without it is also safe",
        HelpName = "row",
    };

    private readonly Option<int> chunkRows = new("--chunk-rows")
    {
        Description = "Rows sent per request",
        HelpName = "n",
        DefaultValueFactory = _ => 5000,
    };

    public BankImportCommand(CliOptions options, CliHost host)
        : base("import", "Import a hash list into a bank; rows already in the bank are skipped, bad rows are listed with their line")
    {
        this.options = options;
        this.host = host;
        format.AcceptOnlyFromAmong("csv", "ndjson");
        resumeFrom.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() < 1)
            {
                result.AddError("--resume-from is a line number, from 1.");
            }
        });
        chunkRows.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100_000)
            {
                result.AddError("--chunk-rows must be between 1 and 100000.");
            }
        });
        Arguments.Add(file);
        Options.Add(bank);
        Options.Add(format);
        Options.Add(resumeFrom);
        Options.Add(chunkRows);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"importing needs an analyst or admin API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var path = parseResult.GetRequiredValue(file);
        var bankName = parseResult.GetRequiredValue(bank).Trim();
        var csv = (parseResult.GetValue(format) ?? FormatOf(path)) == "csv";
        var service = options.Reupload(parseResult);
        var import = new HashListImport(path, csv, parseResult.GetValue(resumeFrom) ?? 1, parseResult.GetValue(chunkRows));
        using var api = new ApiClient(host.Http, apiKey);

        var json = options.WantsJson(parseResult);
        var totals = new ImportTotals(bankName);
        if (!json && host.Console.Profile.Capabilities.Interactive)
        {
            // A live bar owns the terminal while it runs; rejected rows are listed once it is done.
            await host.Console.Progress().Columns(
                    new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"importing into {bankName}", maxValue: import.Length);
                    await SendAllAsync(api, service, import, totals, piece => task.Value = piece.BytesRead, cancellationToken);
                });
        }
        else
        {
            await SendAllAsync(api, service, import, totals, piece =>
            {
                if (!json)
                {
                    host.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"rows {piece.FirstRow}-{piece.LastRow}: {piece.Summary.Accepted} accepted, {piece.Summary.Duplicates} duplicates, {piece.Summary.RejectedTotal} rejected ({Percent(piece.BytesRead, import.Length)} of the file)"));
                }
            }, cancellationToken);
        }

        if (json)
        {
            host.Out.WriteLine(JsonSerializer.Serialize(totals.ToSummary(), ApiClient.Json));
        }
        else
        {
            foreach (var rejected in totals.Rejected)
            {
                host.Out.WriteLine($"row {rejected.Row}: {rejected.Error}");
            }
            if (totals.UnlistedRejections > 0)
            {
                host.Out.WriteLine($"… and {totals.UnlistedRejections} more rejected rows not listed by the service");
            }
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bank {bankName}: {totals.Accepted} accepted, {totals.Duplicates} duplicates (already in the bank), {totals.RejectedTotal} rejected; last row {totals.LastRow?.ToString(CultureInfo.InvariantCulture) ?? "-"}"));
        }
        return totals.RejectedTotal > 0 ? ExitCodes.CallerError : ExitCodes.Ok;
    }

    private async Task SendAllAsync(
        ApiClient api, ServiceEndpoint service, HashListImport import, ImportTotals totals, Action<SentPiece> progress, CancellationToken cancellationToken)
    {
        var importPath = $"api/v1/banks/{Uri.EscapeDataString(totals.Bank)}/hashes:import";
        await foreach (var piece in import.PiecesAsync(cancellationToken))
        {
            using var content = new StringContent(piece.Body, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue(import.Csv ? "text/csv" : "application/x-ndjson") { CharSet = "utf-8" };
            ApiResponse<ImportSummary> response;
            try
            {
                response = await api.SendContentAsync<ImportSummary>(
                    HttpMethod.Post, service, $"{importPath}?firstRow={piece.FirstRow.ToString(CultureInfo.InvariantCulture)}", content, cancellationToken);
            }
            catch (Exception e) when (e is ApiProblemException or ServiceUnavailableException)
            {
                // Rows of earlier pieces are committed; this piece may be partly committed, which a resume skips as duplicates.
                host.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"import stopped at row {piece.FirstRow}: {totals.Accepted} accepted so far; resume with --resume-from {piece.FirstRow}"));
                throw;
            }
            totals.Add(response.Value);
            progress(piece with { Summary = response.Value });
        }
    }

    private static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => "csv",
        ".ndjson" or ".jsonl" => "ndjson",
        _ => throw new UsageException($"cannot tell the format of '{path}' from its name; pass --format csv or --format ndjson."),
    };

    private static string Percent(long done, long total) =>
        total == 0 ? "100%" : (done * 100 / total).ToString(CultureInfo.InvariantCulture) + "%";
}

/// <param name="BytesRead">How far into the file this piece ends, for progress.</param>
public sealed record SentPiece(long FirstRow, long LastRow, string Body, long BytesRead, ImportSummary Summary);

/// <summary>A hash list file cut into request bodies of at most a number of rows, each with the CSV header.</summary>
public sealed class HashListImport(string path, bool csv, long resumeFrom, int rowsPerPiece)
{
    public bool Csv => csv;

    public long Length { get; } = File.Exists(path)
        ? new FileInfo(path).Length
        : throw new UsageException($"cannot read '{path}': no such file.");

    public async IAsyncEnumerable<SentPiece> PiecesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? header = null;
        if (csv)
        {
            header = await reader.ReadLineAsync(cancellationToken)
                ?? throw new UsageException($"'{path}' is empty: a CSV hash list starts with the header signal,hash,label,source.");
        }
        var body = new StringBuilder();
        long line = csv ? 1 : 0;
        long firstRow = 0;
        var rows = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            line++;
            if (line < resumeFrom)
            {
                continue;
            }
            if (rows == 0)
            {
                firstRow = line;
                body.Clear();
                if (header is not null)
                {
                    body.Append(header).Append('\n');
                }
            }
            body.Append(text).Append('\n');
            if (++rows == rowsPerPiece)
            {
                yield return new SentPiece(firstRow, line, body.ToString(), stream.Position, Empty);
                rows = 0;
            }
        }
        if (rows > 0)
        {
            yield return new SentPiece(firstRow, line, body.ToString(), Length, Empty);
        }
    }

    private static readonly ImportSummary Empty = new("", 0, 0, [], 0, null);
}

/// <summary>The answers of every piece, added up.</summary>
public sealed class ImportTotals(string bank)
{
    private const int MaxListed = 10_000;

    public string Bank => bank;
    public long Accepted { get; private set; }
    public long Duplicates { get; private set; }
    public long RejectedTotal { get; private set; }
    public long UnlistedRejections { get; private set; }
    public long? LastRow { get; private set; }
    public List<RejectedRow> Rejected { get; } = [];

    public void Add(ImportSummary piece)
    {
        Accepted += piece.Accepted;
        Duplicates += piece.Duplicates;
        RejectedTotal += piece.RejectedTotal;
        var listed = piece.Rejected.Take(MaxListed - Rejected.Count).ToArray();
        Rejected.AddRange(listed);
        UnlistedRejections += piece.RejectedTotal - listed.Length;
        LastRow = piece.LastRow ?? LastRow;
    }

    public ImportSummary ToSummary() => new(bank, Accepted, Duplicates, Rejected, RejectedTotal, LastRow);
}

/// <summary>Answer of <c>POST /api/v1/banks/{bank}/hashes:import</c>.</summary>
public sealed record ImportSummary(string Bank, long Accepted, long Duplicates, IReadOnlyList<RejectedRow> Rejected, long RejectedTotal, long? LastRow);

public sealed record RejectedRow(long Row, string Error);
