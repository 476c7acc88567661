using System.CommandLine;

namespace Takedown.Cli;

/// <summary>
/// Options every command inherits. Values resolve flag, then environment, then default when a command runs,
/// rather than through DefaultValueFactory, so <c>--help</c> never prints a key read from the environment.
/// </summary>
public sealed class CliOptions(Func<string, string?> environment)
{
    public const string BaseUrlVariable = "TAKEDOWN_URL";
    public const string IngestUrlVariable = "TAKEDOWN_INGEST_URL";
    public const string ReportingUrlVariable = "TAKEDOWN_REPORTING_URL";
    public const string ReuploadUrlVariable = "TAKEDOWN_REUPLOAD_URL";
    public const string ApiKeyVariable = "TAKEDOWN_API_KEY";
    public const string DefaultIngestUrl = "http://localhost:5101";
    public const string DefaultReportingUrl = "http://localhost:5104";
    public const string DefaultReuploadUrl = "http://localhost:5103";

    /// <summary>One address for every service: a deployment behind one front door (the compose file's proxy).</summary>
    public Option<string?> BaseUrl { get; } = new("--base-url")
    {
        Description = $"Base URL of every service, e.g. the compose front door http://localhost:8080 [env: {BaseUrlVariable}; "
            + "a service's own URL option or variable wins over it]",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> IngestUrl { get; } = new("--ingest-url")
    {
        Description = $"Ingest API base URL [env: {IngestUrlVariable}, default: {DefaultIngestUrl}]",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> ReportingUrl { get; } = new("--reporting-url")
    {
        Description = $"Reporting API base URL [env: {ReportingUrlVariable}, default: {DefaultReportingUrl}]",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> ReuploadUrl { get; } = new("--reupload-url")
    {
        Description = $"ReuploadDetection API base URL (banks, match) [env: {ReuploadUrlVariable}, default: {DefaultReuploadUrl}]",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key sent as X-Api-Key [env: {ApiKeyVariable}]",
        HelpName = "key",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the raw JSON response instead of a table",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(BaseUrl);
        root.Options.Add(IngestUrl);
        root.Options.Add(ReportingUrl);
        root.Options.Add(ReuploadUrl);
        root.Options.Add(ApiKey);
        root.Options.Add(Json);
    }

    public ServiceEndpoint Ingest(ParseResult parseResult) =>
        Resolve(parseResult, IngestUrl, IngestUrlVariable, DefaultIngestUrl);

    public ServiceEndpoint Reporting(ParseResult parseResult) =>
        Resolve(parseResult, ReportingUrl, ReportingUrlVariable, DefaultReportingUrl);

    public ServiceEndpoint Reupload(ParseResult parseResult) =>
        Resolve(parseResult, ReuploadUrl, ReuploadUrlVariable, DefaultReuploadUrl);

    /// <summary>
    /// A command's own URL flag (e.g. <c>--service-url</c>) when given, else the Reporting URL: the service
    /// administrative commands talk to unless told otherwise.
    /// </summary>
    public ServiceEndpoint OrReporting(ParseResult parseResult, Option<string?> serviceUrl) =>
        NonBlank(parseResult.GetValue(serviceUrl)) is { } value
            ? Parse(value, serviceUrl.Name)
            : Reporting(parseResult);

    public string? ApiKeyFrom(ParseResult parseResult) =>
        NonBlank(parseResult.GetValue(ApiKey)) ?? NonBlank(environment(ApiKeyVariable));

    public bool WantsJson(ParseResult parseResult) => parseResult.GetValue(Json);

    /// <summary>
    /// Flags win over the environment, and within each the service's own setting wins over the base URL; with
    /// nothing set, the port the run command gives the service.
    /// </summary>
    private ServiceEndpoint Resolve(ParseResult parseResult, Option<string?> option, string variable, string fallback)
    {
        var own = $"{option.Name} or {variable}";
        var shared = $"{BaseUrl.Name} or {BaseUrlVariable}";
        var (value, setting) =
            NonBlank(parseResult.GetValue(option)) is { } ownFlag ? (ownFlag, own)
            : NonBlank(parseResult.GetValue(BaseUrl)) is { } sharedFlag ? (sharedFlag, shared)
            : NonBlank(environment(variable)) is { } ownVariable ? (ownVariable, own)
            : NonBlank(environment(BaseUrlVariable)) is { } sharedVariable ? (sharedVariable, shared)
            : (fallback, $"{own} (or {shared} for every service)");
        return Parse(value, setting);
    }

    private static ServiceEndpoint Parse(string value, string setting)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"'{value}' is not an absolute http(s) URL; set {setting}.");
        }
        return new ServiceEndpoint(url, setting);
    }

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <param name="Setting">Where the user changes this URL, for error messages.</param>
public sealed record ServiceEndpoint(Uri BaseUrl, string Setting)
{
    /// <summary>Keeps any path prefix on the base URL (a service behind a reverse proxy).</summary>
    public Uri Resolve(string relativePath) =>
        new(BaseUrl.AbsoluteUri.EndsWith('/') ? BaseUrl : new Uri(BaseUrl.AbsoluteUri + "/"), relativePath);
}
