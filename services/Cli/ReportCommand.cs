using System.CommandLine;
using System.Globalization;

namespace Takedown.Cli;

public sealed class ReportCommand : Command
{
    // A timeout or a 5xx is retried under the same Idempotency-Key; a 4xx is the answer.
    private const int MaxAttempts = 3;

    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Option<string> url = new("--url")
    {
        Description = "Address of the content being reported",
        Required = true,
    };

    private readonly Option<string> platform = new("--platform")
    {
        Description = "Platform hosting the content, e.g. youtube",
        HelpName = "name",
        Required = true,
    };

    private readonly Option<string?> text = new("--text")
    {
        Description = "Text of the post, if any",
    };

    private readonly Option<string?> reporterReference = new("--reporter-reference")
    {
        Description = "Your own reference for this report [default: cli-<yyyyMMddHHmmss> in UTC]",
        HelpName = "ref",
    };

    private readonly Option<string?> jurisdiction = new("--jurisdiction")
    {
        Description = "Country code of the jurisdiction whose law applies, e.g. DE",
        HelpName = "cc",
    };

    private readonly Option<DateTimeOffset?> observedAt = new("--observed-at")
    {
        Description = "When the content was seen online, ISO 8601 (UTC unless an offset is given)",
        HelpName = "iso8601",
        CustomParser = Instants.Parse,
    };

    private readonly Option<long?> views = new("--views")
    {
        Description = "View count when the content was seen",
        HelpName = "n",
    };

    private readonly Option<bool> quiet = new("--quiet", "-q")
    {
        Description = "Print only the content id, for scripts: content=$(takedown report … -q)",
    };

    public ReportCommand(CliOptions options, CliHost host)
        : base("report", "Report content for takedown (POST to the Ingest API)")
    {
        this.options = options;
        this.host = host;
        views.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() < 0)
            {
                result.AddError("--views cannot be negative.");
            }
        });
        Options.Add(url);
        Options.Add(platform);
        Options.Add(text);
        Options.Add(reporterReference);
        Options.Add(jurisdiction);
        Options.Add(observedAt);
        Options.Add(views);
        Options.Add(quiet);
        Subcommands.Add(new TransparencyCommand(options, host));
        Subcommands.Add(new ReportImportCommand(options, host));
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"reporting needs an API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var ingest = options.Ingest(parseResult);
        var report = new ReportRequest(
            Url: parseResult.GetRequiredValue(url),
            Platform: parseResult.GetRequiredValue(platform),
            Text: parseResult.GetValue(text),
            ReporterReference: parseResult.GetValue(reporterReference)
                ?? "cli-" + host.Time.GetUtcNow().ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture),
            ObservedAt: parseResult.GetValue(observedAt),
            Jurisdiction: parseResult.GetValue(jurisdiction),
            Views: parseResult.GetValue(views));

        using var api = new ApiClient(host.Http, apiKey);
        // One key for this invocation, sent again on each retry: a report whose answer was lost is not counted twice.
        var idempotency = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() };
        ApiResponse<ReportAccepted> response;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                response = await api.SendAsync<ReportAccepted>(HttpMethod.Post, ingest, "api/v1/reports", report, cancellationToken, idempotency);
                break;
            }
            catch (Exception e) when (attempt < MaxAttempts && e is ServiceUnavailableException or ApiProblemException { Status: >= 500 })
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }

        var accepted = response.Value;
        if (parseResult.GetValue(quiet))
        {
            host.Out.WriteLine(accepted.ContentId);
            return ExitCodes.Ok;
        }
        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(response.Json);
            return ExitCodes.Ok;
        }
        host.Out.WriteLine($"content id: {accepted.ContentId}");
        host.Out.WriteLine($"report:     #{accepted.ReportNumber} ({accepted.ReportId})");
        host.Out.WriteLine($"case url:   {accepted.CaseUrl}");
        return ExitCodes.Ok;
    }

}

/// <summary>Body of <c>POST /api/v1/reports</c>; null fields are left out.</summary>
public sealed record ReportRequest(
    string Url,
    string Platform,
    string? Text,
    string ReporterReference,
    DateTimeOffset? ObservedAt,
    string? Jurisdiction,
    long? Views);

public sealed record ReportAccepted(Guid ContentId, Guid ReportId, int ReportNumber, string? CaseUrl);
