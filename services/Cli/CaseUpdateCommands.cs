using System.CommandLine;

namespace Takedown.Cli;

/// <summary>
/// What a case write shares: the content id, the liaison's key, one POST to Reporting, the updated case printed as
/// <c>takedown case</c> prints it (or as received with <c>--json</c>).
/// </summary>
public abstract class CaseUpdateCommand : Command
{
    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Argument<Guid> id = new("id")
    {
        Description = "Content id, as printed by `takedown report`",
    };

    protected CaseUpdateCommand(string name, string description, CliOptions options, CliHost host)
        : base(name, description)
    {
        this.options = options;
        this.host = host;
        Arguments.Add(id);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    /// <summary>The path under the case, e.g. "notices", and the body to POST there.</summary>
    protected abstract (string Path, object Body) Request(ParseResult parseResult);

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"recording on a case needs a liaison API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var (path, body) = Request(parseResult);
        using var api = new ApiClient(host.Http, apiKey);
        var updated = await api.SendAsync<CaseView>(
            HttpMethod.Post, options.Reporting(parseResult), $"api/v1/cases/{parseResult.GetRequiredValue(id)}/{path}", body, cancellationToken);

        if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(updated.Json);
        }
        else
        {
            CaseCommand.Render(host.Console, updated.Value);
        }
        return ExitCodes.Ok;
    }
}

/// <summary><c>takedown case notice</c>: a notice sent to the platform; the first starts the case's legal clock.</summary>
public sealed class CaseNoticeCommand : CaseUpdateCommand
{
    private readonly Option<string> channel = new("--channel")
    {
        Description = "How the platform was told",
        Required = true,
    };

    private readonly Option<string> reference = new("--reference")
    {
        Description = "The platform's ticket, the e-mail's id or the removal order's number",
        HelpName = "ref",
        Required = true,
    };

    private readonly Option<DateTimeOffset?> sentAt = new("--sent-at")
    {
        Description = "When the notice was sent, ISO 8601 [default: now]",
        HelpName = "iso8601",
        CustomParser = Instants.Parse,
    };

    private readonly Option<DateTimeOffset?> orderIssuedAt = new("--order-issued-at")
    {
        Description = "When a removal order was issued (channel removal-order only), ISO 8601",
        HelpName = "iso8601",
        CustomParser = Instants.Parse,
    };

    private readonly Option<string?> issuedBy = new("--issued-by")
    {
        Description = "The authority that issued a removal order (channel removal-order only)",
        HelpName = "authority",
    };

    public CaseNoticeCommand(CliOptions options, CliHost host)
        : base("notice", "Record a notice sent to the platform; the first starts the legal clock (liaison API key)", options, host)
    {
        channel.AcceptOnlyFromAmong("trusted-flagger-portal", "email", "api", "personal-contact", "removal-order");
        Options.Add(channel);
        Options.Add(reference);
        Options.Add(sentAt);
        Options.Add(orderIssuedAt);
        Options.Add(issuedBy);
    }

    protected override (string Path, object Body) Request(ParseResult parseResult) =>
        ("notices", new NoticeRequest(
            parseResult.GetRequiredValue(channel),
            parseResult.GetRequiredValue(reference),
            parseResult.GetValue(sentAt),
            parseResult.GetValue(orderIssuedAt),
            parseResult.GetValue(issuedBy)));
}

/// <summary><c>takedown case respond</c>: the platform's answer, removed or rejected with its reason.</summary>
public sealed class CaseResponseCommand : CaseUpdateCommand
{
    private readonly Option<string> outcome = new("--outcome")
    {
        Description = "What the platform did",
        Required = true,
    };

    private readonly Option<string?> reason = new("--reason")
    {
        Description = "The platform's reason, verbatim (required for rejected)",
        HelpName = "text",
    };

    private readonly Option<DateTimeOffset?> respondedAt = new("--responded-at")
    {
        Description = "When the platform answered, ISO 8601 [default: now]",
        HelpName = "iso8601",
        CustomParser = Instants.Parse,
    };

    public CaseResponseCommand(CliOptions options, CliHost host)
        : base("respond", "Record the platform's answer: removed, or rejected with its reason (liaison API key)", options, host)
    {
        outcome.AcceptOnlyFromAmong("removed", "rejected");
        Options.Add(outcome);
        Options.Add(reason);
        Options.Add(respondedAt);
        Validators.Add(result =>
        {
            // The raw token, not GetValue: an outcome outside the accepted ones would make GetValue throw here.
            var given = result.GetResult(outcome)?.Tokens.FirstOrDefault()?.Value;
            if (given == "rejected" && string.IsNullOrWhiteSpace(result.GetValue(reason)))
            {
                result.AddError("--outcome rejected needs the platform's --reason.");
            }
        });
    }

    protected override (string Path, object Body) Request(ParseResult parseResult) =>
        ("platform-response", new PlatformResponseRequest(
            parseResult.GetRequiredValue(outcome), parseResult.GetValue(reason), parseResult.GetValue(respondedAt)));
}

/// <summary>Body of <c>POST /api/v1/cases/{id}/notices</c>; null fields are left out.</summary>
public sealed record NoticeRequest(string Channel, string Reference, DateTimeOffset? SentAt, DateTimeOffset? OrderIssuedAt, string? IssuedBy);

/// <summary>Body of <c>POST /api/v1/cases/{id}/platform-response</c>; null fields are left out.</summary>
public sealed record PlatformResponseRequest(string Outcome, string? Reason, DateTimeOffset? RespondedAt);
