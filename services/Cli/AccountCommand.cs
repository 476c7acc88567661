using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Takedown.Cli;

/// <summary><c>takedown account …</c>: the accounts, channels, pages and groups content was reported from.</summary>
public sealed class AccountCommand : Command
{
    public AccountCommand(CliOptions options, CliHost host)
        : base("account", "Accounts and channels content was reported from: show, list, record notices and outcomes (Reporting API)")
    {
        Subcommands.Add(new AccountShowCommand(options, host));
        Subcommands.Add(new AccountListCommand(options, host));
        Subcommands.Add(new AccountNoticeCommand(options, host));
        Subcommands.Add(new AccountOutcomeCommand(options, host));
    }

    internal static Argument<string> NewId() => new("id")
    {
        Description = "Account id, e.g. x:someuser, x:id:783214, telegram:somechannel, facebook:group:name",
    };

    // The id's colons stay as they are (valid in a path segment); anything else a handle may hold is escaped.
    internal static string PathOf(string id) => $"api/v1/accounts/{Uri.EscapeDataString(id).Replace("%3A", ":", StringComparison.Ordinal)}";

    internal static int Print(CliHost host, CliOptions options, ParseResult parseResult, ApiResponse<AccountView> response)
    {
        if (options.WantsJson(parseResult))
            host.Out.WriteLine(response.Json);
        else
            Render(host.Console, response.Value);
        return ExitCodes.Ok;
    }

    public static void Render(IAnsiConsole console, AccountView view)
    {
        var header = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        AddRow(header, "account", view.AccountId);
        AddRow(header, "status", view.Status);
        AddRow(header, "platform", view.Platform);
        AddRow(header, "notices", view.Notices?.ToString(CultureInfo.InvariantCulture));
        AddRow(header, "regime", view.Regime);
        if (view.DueAt is { } due)
            AddRow(header, "due", FormatTime(due) + (view.Breached == true ? " (breached)" : ""));
        if (view.OutcomeAt is { } outcomeAt)
            AddRow(header, "outcome at", FormatTime(outcomeAt) + (view.OutcomeReason is { } reason ? $": {reason}" : ""));
        console.Write(header);

        var content = new Table().AddColumn("content").AddColumn("status").AddColumn("url");
        foreach (var item in view.Content ?? [])
            content.AddRow(Plain(item.ContentId.ToString()), Plain(item.Status), Plain(item.CanonicalUrl));
        console.Write(content);

        var timeline = new Table().AddColumn("version").AddColumn("time (UTC)").AddColumn("type").AddColumn("summary");
        foreach (var entry in view.Timeline ?? [])
            timeline.AddRow(Plain(entry.Version?.ToString(CultureInfo.InvariantCulture)), Plain(entry.OccurredAt is { } at ? FormatTime(at) : null),
                Plain(entry.Type), Plain(entry.Summary));
        console.Write(timeline);
    }

    internal static void AddRow(Grid grid, string label, string? value) => grid.AddRow(Plain(label), Plain(value));

    // Values come from reports and platforms; as Text they can never be read as Spectre markup.
    internal static IRenderable Plain(string? value) => new Text(value ?? "-");

    internal static string FormatTime(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary><c>takedown account show ID</c>.</summary>
public sealed class AccountShowCommand : Command
{
    public AccountShowCommand(CliOptions options, CliHost host)
        : base("show", "Show an account: its content with each case's status, notices, outcomes and history")
    {
        var id = AccountCommand.NewId();
        Arguments.Add(id);
        SetAction((parseResult, ct) => host.RunAsync(async () =>
        {
            using var api = new ApiClient(host.Http, options.ApiKeyFrom(parseResult));
            var found = await api.SendAsync<AccountView>(HttpMethod.Get, options.Reporting(parseResult),
                AccountCommand.PathOf(parseResult.GetRequiredValue(id)), body: null, ct);
            return AccountCommand.Print(host, options, parseResult, found);
        }));
    }
}

/// <summary><c>takedown account list</c>.</summary>
public sealed class AccountListCommand : Command
{
    private readonly Option<string?> platform = new("--platform") { Description = "Only this platform, e.g. telegram" };
    private readonly Option<string?> status = new("--status") { Description = "Only accounts in this status" };
    private readonly Option<int?> page = new("--page") { Description = "Page number [default: 1]" };
    private readonly Option<int?> pageSize = new("--page-size") { Description = "Accounts per page, at most 200 [default: 50]" };

    public AccountListCommand(CliOptions options, CliHost host)
        : base("list", "List accounts content was reported from, newest first")
    {
        status.AcceptOnlyFromAmong("open", "suspended", "restricted", "rejected");
        Options.Add(platform);
        Options.Add(status);
        Options.Add(page);
        Options.Add(pageSize);
        SetAction((parseResult, ct) => host.RunAsync(async () =>
        {
            var query = new List<string>();
            if (parseResult.GetValue(platform) is { } p) query.Add($"platform={Uri.EscapeDataString(p)}");
            if (parseResult.GetValue(status) is { } s) query.Add($"status={s}");
            if (parseResult.GetValue(page) is { } n) query.Add(string.Create(CultureInfo.InvariantCulture, $"page={n}"));
            if (parseResult.GetValue(pageSize) is { } size) query.Add(string.Create(CultureInfo.InvariantCulture, $"pageSize={size}"));
            using var api = new ApiClient(host.Http, options.ApiKeyFrom(parseResult));
            var listed = await api.SendAsync<AccountPage>(HttpMethod.Get, options.Reporting(parseResult),
                "api/v1/accounts" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), body: null, ct);
            if (options.WantsJson(parseResult))
            {
                host.Out.WriteLine(listed.Json);
                return ExitCodes.Ok;
            }
            var table = new Table().AddColumn("account").AddColumn("status").AddColumn("platform").AddColumn("content").AddColumn("notices").AddColumn("due (UTC)");
            foreach (var item in listed.Value.Items ?? [])
            {
                table.AddRow(AccountCommand.Plain(item.AccountId), AccountCommand.Plain(item.Status), AccountCommand.Plain(item.Platform),
                    AccountCommand.Plain(item.ContentCount?.ToString(CultureInfo.InvariantCulture)), AccountCommand.Plain(item.Notices?.ToString(CultureInfo.InvariantCulture)),
                    AccountCommand.Plain(item.DueAt is { } due ? AccountCommand.FormatTime(due) + (item.Breached == true ? " (breached)" : "") : null));
            }
            host.Console.Write(table);
            host.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"page {listed.Value.Page} of {listed.Value.Total} account(s)"));
            return ExitCodes.Ok;
        }));
    }
}

/// <summary>What an account write shares: the id, the liaison's key, one POST, the updated account printed.</summary>
public abstract class AccountUpdateCommand : Command
{
    protected AccountUpdateCommand(string name, string description, CliOptions options, CliHost host)
        : base(name, description)
    {
        var id = AccountCommand.NewId();
        Arguments.Add(id);
        SetAction((parseResult, ct) => host.RunAsync(async () =>
        {
            var apiKey = options.ApiKeyFrom(parseResult)
                ?? throw new UsageException($"recording on an account needs a liaison API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
            var (path, body) = Request(parseResult);
            using var api = new ApiClient(host.Http, apiKey);
            var updated = await api.SendAsync<AccountView>(HttpMethod.Post, options.Reporting(parseResult),
                $"{AccountCommand.PathOf(parseResult.GetRequiredValue(id))}/{path}", body, ct);
            return AccountCommand.Print(host, options, parseResult, updated);
        }));
    }

    protected abstract (string Path, object Body) Request(ParseResult parseResult);
}

/// <summary><c>takedown account notice ID --channel … --reference …</c>.</summary>
public sealed class AccountNoticeCommand : AccountUpdateCommand
{
    private readonly Option<string> channel = new("--channel") { Description = "How the platform was told", Required = true };
    private readonly Option<string> reference = new("--reference")
    {
        Description = "The platform's ticket, the e-mail's id, the conversation's reference or the removal order's number", HelpName = "ref", Required = true,
    };
    private readonly Option<DateTimeOffset?> sentAt = new("--sent-at") { Description = "When the notice was sent, ISO 8601 [default: now]", HelpName = "iso8601", CustomParser = Instants.Parse };
    private readonly Option<DateTimeOffset?> orderIssuedAt = new("--order-issued-at")
    {
        Description = "When a removal order was issued (channel removal-order only), ISO 8601", HelpName = "iso8601", CustomParser = Instants.Parse,
    };
    private readonly Option<string?> issuedBy = new("--issued-by") { Description = "The authority that issued a removal order (channel removal-order only)", HelpName = "authority" };

    public AccountNoticeCommand(CliOptions options, CliHost host)
        : base("notice", "Record a notice about the account; the first starts its legal clock (liaison API key)", options, host)
    {
        channel.AcceptOnlyFromAmong("trusted-flagger-portal", "email", "api", "personal-contact", "removal-order");
        Options.Add(channel);
        Options.Add(reference);
        Options.Add(sentAt);
        Options.Add(orderIssuedAt);
        Options.Add(issuedBy);
    }

    protected override (string Path, object Body) Request(ParseResult parseResult) =>
        ("notices", new NoticeRequest(parseResult.GetRequiredValue(channel), parseResult.GetRequiredValue(reference), parseResult.GetValue(sentAt),
            parseResult.GetValue(orderIssuedAt), parseResult.GetValue(issuedBy)));
}

/// <summary><c>takedown account outcome ID --outcome suspended …</c>.</summary>
public sealed class AccountOutcomeCommand : AccountUpdateCommand
{
    private readonly Option<string> outcome = new("--outcome") { Description = "What the platform did with the account", Required = true };
    private readonly Option<string?> reason = new("--reason") { Description = "The platform's words, verbatim (required for rejected)", HelpName = "text" };
    private readonly Option<DateTimeOffset?> at = new("--at") { Description = "When the platform acted or answered, ISO 8601 [default: now]", HelpName = "iso8601", CustomParser = Instants.Parse };

    public AccountOutcomeCommand(CliOptions options, CliHost host)
        : base("outcome", "Record the platform's outcome for the account (liaison API key)", options, host)
    {
        outcome.AcceptOnlyFromAmong("suspended", "restricted", "rejected", "reinstated");
        Options.Add(outcome);
        Options.Add(reason);
        Options.Add(at);
    }

    protected override (string Path, object Body) Request(ParseResult parseResult) =>
        ("outcome", new AccountOutcomeRequest(parseResult.GetRequiredValue(outcome), parseResult.GetValue(reason), parseResult.GetValue(at)));
}

public sealed record AccountOutcomeRequest(string Outcome, string? Reason, DateTimeOffset? At);

/// <summary>Body of <c>GET /api/v1/accounts/{id}</c>.</summary>
public sealed record AccountView(
    string AccountId, long? Version, string? Status, string? Platform, AccountContentItem[]? Content, int? Notices, string? Regime,
    DateTimeOffset? DueAt, bool? Breached, string? OutcomeReason, DateTimeOffset? OutcomeAt, TimelineEntry[]? Timeline);

public sealed record AccountContentItem(Guid ContentId, string? CanonicalUrl, string? Status);

public sealed record AccountPage(AccountListItem[]? Items, int Page, int PageSize, long Total);

public sealed record AccountListItem(string? AccountId, string? Status, string? Platform, int? ContentCount, int? Notices, DateTimeOffset? DueAt, bool? Breached);
