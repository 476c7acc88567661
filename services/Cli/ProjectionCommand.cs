using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Takedown.Cli;

public sealed class ProjectionCommand : Command
{
    public const string Path = "api/v1/admin/projections";

    public ProjectionCommand(CliOptions options, CliHost host)
        : base("projection", "See how far each projection lags and rebuild one (admin API key)")
    {
        var serviceUrl = new Option<string?>("--service-url")
        {
            Description = "Base URL of the service whose projections to manage [default: the Reporting URL]",
            HelpName = "url",
            Recursive = true,
        };
        Options.Add(serviceUrl);
        Subcommands.Add(new ProjectionListCommand(options, host, serviceUrl));
        Subcommands.Add(new ProjectionRebuildCommand(options, host, serviceUrl));
    }

    public static ApiClient AdminClient(CliOptions options, CliHost host, ParseResult parseResult) =>
        new(host.Http, options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"projection commands need an admin API key: pass --api-key or set {CliOptions.ApiKeyVariable}."));

    public static string FormatTime(DateTimeOffset? instant) =>
        instant?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}

public sealed class ProjectionListCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;
    private readonly Option<string?> serviceUrl;

    public ProjectionListCommand(CliOptions options, CliHost host, Option<string?> serviceUrl)
        : base("list", "Show each projection's lifecycle, lag, leadership on the answering replica and last rebuild")
    {
        this.options = options;
        this.host = host;
        this.serviceUrl = serviceUrl;
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var service = options.OrReporting(parseResult, serviceUrl);
        using var api = ProjectionCommand.AdminClient(options, host, parseResult);
        var response = await api.SendAsync<ProjectionView[]>(HttpMethod.Get, service, ProjectionCommand.Path, body: null, cancellationToken);

        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(response.Json);
            return ExitCodes.Ok;
        }
        var table = new Table()
            .AddColumn("name")
            .AddColumn("lifecycle")
            .AddColumn(new TableColumn("events behind").RightAligned())
            .AddColumn(new TableColumn("seconds behind").RightAligned())
            .AddColumn("leader")
            .AddColumn("rebuilt at (UTC)");
        foreach (var projection in response.Value)
        {
            // An inline projection is written in the events' own transaction: it has no lag and no runner to lead it.
            var inline = projection.Lifecycle == "inline";
            table.AddRow(
                Plain(projection.Name),
                Plain(projection.Lifecycle),
                Plain(inline ? null : projection.EventsBehind?.ToString(CultureInfo.InvariantCulture)),
                Plain(inline ? null : projection.SecondsBehind?.ToString("0.#", CultureInfo.InvariantCulture)),
                Plain(inline || projection.Leader is null ? null : projection.Leader.Value ? "yes" : "no"),
                Plain(ProjectionCommand.FormatTime(projection.RebuiltAt)));
        }
        host.Console.Write(table);
        return ExitCodes.Ok;
    }

    private static IRenderable Plain(string? value) => new Text(value ?? "-");
}

public sealed class ProjectionRebuildCommand : Command
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>Only used when the server does not report when the rebuild was requested.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    private readonly CliOptions options;
    private readonly CliHost host;
    private readonly Option<string?> serviceUrl;

    private readonly Argument<string> name = new("name")
    {
        Description = "Projection name, as shown by `takedown projection list`, e.g. case-summaries",
    };

    private readonly Option<int?> wait = new("--wait")
    {
        Description = "Poll for up to this many seconds until the read model is emptied and replayed to the end of the log",
        HelpName = "seconds",
    };

    public ProjectionRebuildCommand(CliOptions options, CliHost host, Option<string?> serviceUrl)
        : base("rebuild", "Empty a projection's read model and replay it from the first event (POST; the leader does the work)")
    {
        this.options = options;
        this.host = host;
        this.serviceUrl = serviceUrl;
        wait.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() < 0)
            {
                result.AddError("--wait cannot be negative.");
            }
        });
        Arguments.Add(name);
        Options.Add(wait);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var projection = parseResult.GetRequiredValue(name).Trim();
        if (projection.Length == 0)
        {
            throw new UsageException("the projection name cannot be blank.");
        }
        var service = options.OrReporting(parseResult, serviceUrl);
        var waitFor = parseResult.GetValue(wait) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        using var api = ProjectionCommand.AdminClient(options, host, parseResult);

        var sentAt = host.Time.GetUtcNow();
        var started = host.Time.GetTimestamp();
        ApiResponse<RebuildRequested> requested;
        try
        {
            requested = await api.SendAsync<RebuildRequested>(
                HttpMethod.Post, service, $"{ProjectionCommand.Path}/{Uri.EscapeDataString(projection)}/rebuild", body: null, cancellationToken);
        }
        catch (ApiProblemException e) when (e.Status == 404)
        {
            host.Error.WriteLine($"error: {e.Message}");
            host.Error.WriteLine($"  no projection '{projection}' at {service.BaseUrl}; `takedown projection list` shows the ones it runs");
            return ExitCodes.CallerError;
        }
        var json = options.WantsJson(parseResult);
        host.Out.WriteLine(json ? requested.Json : $"rebuild of {projection} requested");
        if (waitFor is null)
        {
            return ExitCodes.Ok;
        }

        string? lastProgress = null;
        long? lastProgressAt = null;
        while (true)
        {
            var list = await api.SendAsync<ProjectionView[]>(HttpMethod.Get, service, ProjectionCommand.Path, body: null, cancellationToken);
            var status = list.Value.FirstOrDefault(p => p.Name == projection)
                ?? throw new ServiceUnavailableException(
                    $"{service.Resolve(ProjectionCommand.Path)} accepted the rebuild of '{projection}' but does not list it.");
            if (IsRebuilt(status, sentAt - ClockSkew))
            {
                if (!json)
                {
                    host.Out.WriteLine($"rebuild of {projection} done at {ProjectionCommand.FormatTime(status.RebuiltAt)}; 0 events behind");
                }
                return ExitCodes.Ok;
            }
            var progress = Progress(status, sentAt - ClockSkew);
            if (host.Time.GetElapsedTime(started) >= waitFor)
            {
                host.Error.WriteLine($"error: rebuild of {projection} not done after {waitFor.Value.TotalSeconds:0} s; {progress}.");
                return ExitCodes.ServiceError;
            }
            if (progress != lastProgress && (lastProgressAt is null || host.Time.GetElapsedTime(lastProgressAt.Value) >= ProgressInterval))
            {
                host.Error.WriteLine(progress);
                lastProgress = progress;
                lastProgressAt = host.Time.GetTimestamp();
            }
            await Task.Delay(PollInterval, host.Time, cancellationToken);
        }
    }

    /// <summary>
    /// The daemon rebuilds while <c>rebuildRequestedAt</c> is later than <c>rebuiltAt</c>, both stamped by the
    /// server's clock, so the same comparison says when it has started; this request's own clock would need a skew
    /// allowance, within which a rebuild finished just before the request would pass for this one.
    /// </summary>
    private static bool IsStarted(ProjectionView status, DateTimeOffset fallback) =>
        status.RebuiltAt is { } rebuiltAt && rebuiltAt >= (status.RebuildRequestedAt ?? fallback);

    private static bool IsRebuilt(ProjectionView status, DateTimeOffset fallback) =>
        IsStarted(status, fallback) && status.EventsBehind == 0;

    private static string Progress(ProjectionView status, DateTimeOffset fallback) => IsStarted(status, fallback)
        ? $"replaying: {status.EventsBehind?.ToString(CultureInfo.InvariantCulture) ?? "?"} events behind"
        : "waiting for the projection's leader to empty the read model";
}

/// <summary>One entry of <c>GET /api/v1/admin/projections</c>.</summary>
public sealed record ProjectionView(
    string Name,
    string? Lifecycle,
    ulong? CheckpointTransaction,
    long? CheckpointSequence,
    long? EventsBehind,
    double? SecondsBehind,
    bool? Leader,
    DateTimeOffset? RebuildRequestedAt,
    DateTimeOffset? RebuiltAt);

/// <summary>Body of <c>POST /api/v1/admin/projections/{name}/rebuild</c>.</summary>
public sealed record RebuildRequested(string Name, string Rebuild);
