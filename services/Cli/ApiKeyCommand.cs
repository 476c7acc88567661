using System.CommandLine;

namespace Takedown.Cli;

public sealed class ApiKeyCommand : Command
{
    public ApiKeyCommand(CliOptions options, CliHost host)
        : base("api-key", "Issue API keys (admin API key; every service shares the keys, the Reporting URL is used)")
    {
        Subcommands.Add(new ApiKeyIssueCommand(options, host));
    }
}

/// <summary><c>takedown api-key issue</c>: a new key for a person or system, shown once (only its hash is stored).</summary>
public sealed class ApiKeyIssueCommand : Command
{
    public const string Path = "api/v1/admin/api-keys";

    private readonly CliOptions options;
    private readonly CliHost host;

    private readonly Option<string> name = new("--name")
    {
        Description = "Who or what holds the key, e.g. tfp-desk",
        Required = true,
    };

    private readonly Option<string> organisation = new("--organisation")
    {
        Description = "The holder's organisation; a reporter key sees only its organisation's cases",
        Required = true,
    };

    private readonly Option<string[]> roles = new("--role")
    {
        Description = "A role of the key; repeat for several",
        Required = true,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<bool> quiet = new("--quiet", "-q")
    {
        Description = "Print only the key, for scripts: key=$(takedown api-key issue … -q)",
    };

    public ApiKeyIssueCommand(CliOptions options, CliHost host)
        : base("issue", "Issue a key; it is printed once and cannot be shown again")
    {
        this.options = options;
        this.host = host;
        roles.AcceptOnlyFromAmong("reporter", "analyst", "liaison", "admin", "service");
        Options.Add(name);
        Options.Add(organisation);
        Options.Add(roles);
        Options.Add(quiet);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var apiKey = options.ApiKeyFrom(parseResult)
            ?? throw new UsageException($"issuing keys needs an admin API key: pass --api-key or set {CliOptions.ApiKeyVariable}.");
        var request = new IssueApiKeyRequest(
            parseResult.GetRequiredValue(name), parseResult.GetRequiredValue(organisation), parseResult.GetRequiredValue(roles));
        using var api = new ApiClient(host.Http, apiKey);
        var issued = await api.SendAsync<IssuedApiKey>(HttpMethod.Post, options.Reporting(parseResult), Path, request, cancellationToken);

        if (parseResult.GetValue(quiet))
        {
            host.Out.WriteLine(issued.Value.Key);
        }
        else if (options.WantsJson(parseResult))
        {
            host.Out.WriteLine(issued.Json);
        }
        else
        {
            host.Out.WriteLine($"key:          {issued.Value.Key}");
            host.Out.WriteLine($"id:           {issued.Value.Id}");
            host.Out.WriteLine($"name:         {issued.Value.Name}");
            host.Out.WriteLine($"organisation: {issued.Value.Organisation}");
            host.Out.WriteLine($"roles:        {string.Join(", ", issued.Value.Roles)}");
            host.Error.WriteLine("note: the key is shown only this once; only its hash is stored.");
        }
        return ExitCodes.Ok;
    }
}

/// <summary>Body of <c>POST /api/v1/admin/api-keys</c>.</summary>
public sealed record IssueApiKeyRequest(string Name, string Organisation, string[] Roles);

/// <summary>Answer to <c>POST /api/v1/admin/api-keys</c>.</summary>
public sealed record IssuedApiKey(Guid Id, string Name, string Organisation, string[] Roles, string Key);
