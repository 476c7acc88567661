using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Takedown.Cli;

/// <summary>Messages a consumer failed on through every retry: list them, and send them back once the cause is fixed.</summary>
public sealed class MessagesCommand : Command
{
    public const string Path = "api/v1/admin/messages/dead-letters";

    public MessagesCommand(CliOptions options, CliHost host)
        : base("messages", "See and re-drive the messages that failed for good (_error queues) in one service (admin API key)")
    {
        var serviceUrl = new Option<string?>("--service-url")
        {
            Description = "Base URL of the consuming service (Classification, ReuploadDetection or Reporting) [default: the Reporting URL]",
            HelpName = "url",
            Recursive = true,
        };
        Options.Add(serviceUrl);
        Subcommands.Add(new DeadLettersCommand(options, host, serviceUrl));
        Subcommands.Add(new RedriveCommand(options, host, serviceUrl));
    }

    public static ApiClient AdminClient(CliOptions options, CliHost host, ParseResult parseResult) =>
        new(host.Http, options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"messages commands need an admin API key: pass --api-key or set {CliOptions.ApiKeyVariable}."));
}

public sealed class DeadLettersCommand : Command
{
    private readonly Option<int?> take = new("--take") { Description = "How many messages to show per queue [default: 10, at most 100]", HelpName = "n" };

    public DeadLettersCommand(CliOptions options, CliHost host, Option<string?> serviceUrl)
        : base("dead-letters", "Count each _error queue and show its first messages: type, message id, fault reason")
    {
        Options.Add(take);
        SetAction((parseResult, cancellationToken) => host.RunAsync(async () =>
        {
            var service = options.OrReporting(parseResult, serviceUrl);
            using var api = MessagesCommand.AdminClient(options, host, parseResult);
            var query = parseResult.GetValue(take) is { } n ? $"?take={n.ToString(CultureInfo.InvariantCulture)}" : "";
            var response = await api.SendAsync<DeadLettersView>(HttpMethod.Get, service, MessagesCommand.Path + query, body: null, cancellationToken);
            if (options.WantsJson(parseResult))
            {
                host.Out.WriteLine(response.Json);
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("queue").AddColumn(new TableColumn("count").RightAligned())
                .AddColumn("message type").AddColumn("message id").AddColumn("fault");
            foreach (var queue in response.Value.Queues ?? [])
            {
                table.AddRow(Markup.Escape(queue.Queue), queue.Count.ToString(CultureInfo.InvariantCulture), "", "", "");
                foreach (var message in queue.Messages ?? [])
                    table.AddRow("", "", Markup.Escape(message.MessageType ?? "-"), Markup.Escape(message.MessageId ?? "-"), Markup.Escape(message.FaultReason ?? "-"));
            }
            host.Console.Write(table);
            return ExitCodes.Ok;
        }));
    }
}

public sealed class RedriveCommand : Command
{
    private readonly Option<string?> queue = new("--queue") { Description = "Only this receive queue (as dead-letters lists it) [default: every queue of the service]", HelpName = "name" };

    public RedriveCommand(CliOptions options, CliHost host, Option<string?> serviceUrl)
        : base("redrive", "Move the messages in the _error queues back to their receive queues, once the cause of the failure is fixed")
    {
        Options.Add(queue);
        SetAction((parseResult, cancellationToken) => host.RunAsync(async () =>
        {
            var service = options.OrReporting(parseResult, serviceUrl);
            using var api = MessagesCommand.AdminClient(options, host, parseResult);
            var only = parseResult.GetValue(queue);
            var path = $"{MessagesCommand.Path}/redrive" + (string.IsNullOrWhiteSpace(only) ? "" : $"?queue={Uri.EscapeDataString(only.Trim())}");
            ApiResponse<RedriveView> response;
            try
            {
                response = await api.SendAsync<RedriveView>(HttpMethod.Post, service, path, body: null, cancellationToken);
            }
            catch (ApiProblemException e) when (e.Status == 404)
            {
                host.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.CallerError;
            }
            if (options.WantsJson(parseResult))
            {
                host.Out.WriteLine(response.Json);
                return ExitCodes.Ok;
            }
            foreach (var result in response.Value.Queues ?? [])
                host.Out.WriteLine($"{result.Queue}: {result.Redriven.ToString(CultureInfo.InvariantCulture)} re-driven, {result.Remaining.ToString(CultureInfo.InvariantCulture)} left in {result.Queue}_error");
            return ExitCodes.Ok;
        }));
    }
}

/// <summary>Body of <c>GET /api/v1/admin/messages/dead-letters</c>.</summary>
public sealed record DeadLettersView(long Total, IReadOnlyList<DeadLetterQueueView>? Queues);

public sealed record DeadLetterQueueView(string Queue, string ErrorQueue, long Count, IReadOnlyList<DeadLetterView>? Messages);

public sealed record DeadLetterView(string? MessageType, string? MessageId, string? FaultReason, string? FaultExceptionType, string? FaultedAt);

/// <summary>Body of <c>POST /api/v1/admin/messages/dead-letters/redrive</c>.</summary>
public sealed record RedriveView(long Redriven, IReadOnlyList<RedriveQueueView>? Queues);

public sealed record RedriveQueueView(string Queue, long Redriven, long Remaining);
