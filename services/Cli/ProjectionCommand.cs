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

    public static ApiClient AdminClient(CliOptions options, CliHost host, ParseResult parseResult, TimeSpan? timeout = null) =>
        new(host.Http, options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"projection commands need an admin API key: pass --api-key or set {CliOptions.ApiKeyVariable}."), timeout);
}

public sealed class ProjectionListCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;
    private readonly Option<string?> serviceUrl;

    public ProjectionListCommand(CliOptions options, CliHost host, Option<string?> serviceUrl)
        : base("list", "Show each projection's lifecycle, the last event it applied and how far it lags; warn of skipped sequence gaps")
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
        var response = await api.SendAsync<ProjectionsView>(HttpMethod.Get, service, ProjectionCommand.Path, body: null, cancellationToken);

        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(response.Json);
        }
        else
        {
            var table = new Table()
                .AddColumn("name")
                .AddColumn("lifecycle")
                .AddColumn(new TableColumn("sequence").RightAligned())
                .AddColumn(new TableColumn("events behind").RightAligned())
                .AddColumn(new TableColumn("seconds behind").RightAligned());
            foreach (var projection in response.Value.Projections ?? [])
            {
                // An inline projection is written in the events' own transaction: it has no position of its own and no lag.
                var inline = projection.Lifecycle == "inline";
                table.AddRow(
                    Plain(projection.Name),
                    Plain(projection.Lifecycle),
                    Plain(inline ? null : projection.Sequence?.ToString(CultureInfo.InvariantCulture)),
                    Plain(inline ? null : projection.EventsBehind?.ToString(CultureInfo.InvariantCulture)),
                    Plain(inline ? null : projection.SecondsBehind?.ToString("0.#", CultureInfo.InvariantCulture)));
            }
            host.Console.Write(table);
        }
        if (response.Value.HighWaterSkips is { Count: > 0 } skips)
        {
            host.Error.WriteLine(
                $"warning: the projection daemon skipped {skips.Count} sequence gap(s), the last ending at {skips.LastEndingSequence?.ToString(CultureInfo.InvariantCulture) ?? "?"} "
                + "(mt_high_water_skips); each may be an event no async projection applied.");
        }
        return ExitCodes.Ok;
    }

    private static IRenderable Plain(string? value) => new Text(value ?? "-");
}

public sealed class ProjectionRebuildCommand : Command
{
    /// <summary>The server's own default; the CLI sends it explicitly so that it knows how long to wait for the answer.</summary>
    private const int DefaultTimeoutSeconds = 600;

    /// <summary>Beyond the server's timeout: time for its answer (or its own timeout's) to arrive.</summary>
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromSeconds(30);

    private readonly CliOptions options;
    private readonly CliHost host;
    private readonly Option<string?> serviceUrl;

    private readonly Argument<string> name = new("name")
    {
        Description = "Projection name, as shown by `takedown projection list`, e.g. case-summaries",
    };

    private readonly Option<int?> timeout = new("--timeout")
    {
        Description = $"How long the service may take to replay the log to its end [default: {DefaultTimeoutSeconds}]",
        HelpName = "seconds",
    };

    public ProjectionRebuildCommand(CliOptions options, CliHost host, Option<string?> serviceUrl)
        : base("rebuild", "Rebuild an async projection from the first event; returns once it has caught up (the others keep running)")
    {
        this.options = options;
        this.host = host;
        this.serviceUrl = serviceUrl;
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() < 1)
            {
                result.AddError("--timeout must be at least 1 second.");
            }
        });
        Arguments.Add(name);
        Options.Add(timeout);
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
        var seconds = parseResult.GetValue(timeout) ?? DefaultTimeoutSeconds;
        using var api = ProjectionCommand.AdminClient(options, host, parseResult, TimeSpan.FromSeconds(seconds) + AnswerMargin);

        ApiResponse<RebuildCompleted> completed;
        try
        {
            completed = await api.SendAsync<RebuildCompleted>(HttpMethod.Post, service,
                $"{ProjectionCommand.Path}/{Uri.EscapeDataString(projection)}/rebuild?timeoutSeconds={seconds.ToString(CultureInfo.InvariantCulture)}",
                body: null, cancellationToken);
        }
        catch (ApiProblemException e) when (e.Status == 404)
        {
            host.Error.WriteLine($"error: {e.Message}");
            host.Error.WriteLine($"  no projection '{projection}' at {service.BaseUrl}; `takedown projection list` shows the ones it runs");
            return ExitCodes.CallerError;
        }
        host.Out.WriteLine(options.WantsJson(parseResult)
            ? completed.Json
            : $"rebuild of {projection} {completed.Value.Rebuild}; {completed.Value.Status?.EventsBehind?.ToString(CultureInfo.InvariantCulture) ?? "?"} events behind");
        return ExitCodes.Ok;
    }
}

/// <summary>Body of <c>GET /api/v1/admin/projections</c>.</summary>
public sealed record ProjectionsView(IReadOnlyList<ProjectionView>? Projections, HighWaterSkipsView? HighWaterSkips);

/// <summary>One projection: the last event sequence it applied and how far it lags (inline ones never do).</summary>
public sealed record ProjectionView(string Name, string? Lifecycle, long? Sequence, long? EventsBehind, double? SecondsBehind);

/// <summary>Sequence gaps the daemon skipped (<c>mt_high_water_skips</c>); each may be an event no async projection applied.</summary>
public sealed record HighWaterSkipsView(long Count, long? LastEndingSequence);

/// <summary>Body of <c>POST /api/v1/admin/projections/{name}/rebuild</c>, sent once the rebuild has caught up.</summary>
public sealed record RebuildCompleted(string Name, string Rebuild, ProjectionView? Status);
