using System.CommandLine;
using System.Text;

namespace Takedown.Cli;

/// <summary><c>takedown report transparency</c>: the Reporting API's transparency report, written as received.</summary>
public sealed class TransparencyCommand : Command
{
    public const string Path = "api/v1/reports/transparency";

    private static readonly Dictionary<string, string> MediaTypes = new(StringComparer.Ordinal)
    {
        ["json"] = "application/json",
        ["csv"] = "text/csv",
        ["html"] = "text/html",
        ["dsa-sor"] = "application/x-ndjson",
    };

    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Option<string> from = new("--from")
    {
        Description = "First day (or instant) of the period, ISO 8601, e.g. 2025-01-01",
        HelpName = "date",
        Required = true,
    };

    private readonly Option<string> to = new("--to")
    {
        Description = "Last day of the period, included (or an exclusive instant), ISO 8601, e.g. 2025-03-31",
        HelpName = "date",
        Required = true,
    };

    private readonly Option<string> format = new("--format")
    {
        Description = "json, csv, html (a page to publish) or dsa-sor (DSA statements of reasons, JSON lines)",
        DefaultValueFactory = _ => "json",
    };

    private readonly Option<string?> organisation = new("--organisation")
    {
        Description = "Only content this organisation reported (analysts; a reporter's key always gets its own)",
        HelpName = "name",
    };

    private readonly Option<FileInfo?> output = new("--output", "-o")
    {
        Description = "Write the report to this file instead of standard output",
        HelpName = "file",
    };

    public TransparencyCommand(CliOptions options, CliHost host)
        : base("transparency", "Transparency report for a period: per platform and category, removal rate, time to removal, SLA compliance")
    {
        this.options = options;
        this.host = host;
        format.AcceptOnlyFromAmong([.. MediaTypes.Keys]);
        Options.Add(from);
        Options.Add(to);
        Options.Add(format);
        Options.Add(organisation);
        Options.Add(output);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"reports need an API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var chosen = parseResult.GetRequiredValue(format);
        var query = new StringBuilder(Path)
            .Append("?from=").Append(Uri.EscapeDataString(parseResult.GetRequiredValue(from)))
            .Append("&to=").Append(Uri.EscapeDataString(parseResult.GetRequiredValue(to)))
            .Append("&format=").Append(chosen);
        if (parseResult.GetValue(organisation) is { Length: > 0 } name)
            query.Append("&organisation=").Append(Uri.EscapeDataString(name));

        using var api = new ApiClient(host.Http, apiKey);
        var body = await api.GetTextAsync(options.Reporting(parseResult), query.ToString(), MediaTypes[chosen], cancellationToken);

        if (parseResult.GetValue(output) is { } file)
        {
            await File.WriteAllTextAsync(file.FullName, body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken);
            host.Out.WriteLine($"wrote the {chosen} report to {file.FullName} ({Encoding.UTF8.GetByteCount(body)} bytes)");
            return ExitCodes.Ok;
        }
        host.Out.Write(body);
        if (!body.EndsWith('\n'))
            host.Out.WriteLine();
        return ExitCodes.Ok;
    }
}
