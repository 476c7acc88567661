using System.CommandLine;

namespace Takedown.Cli;

public static class TakedownCli
{
    public static RootCommand CreateRootCommand(CliHost host)
    {
        var options = new CliOptions(host.Environment);
        var root = new RootCommand("Report content for takedown and follow its case through the Takedown services.")
        {
            new ReportCommand(options, host),
            new CaseCommand(options, host),
            new AccountCommand(options, host),
            new ApiKeyCommand(options, host),
            new AuditCommand(options, host),
            new ProjectionCommand(options, host),
            new MessagesCommand(options, host),
            new BankCommand(options, host),
            new MatchCommand(options, host),
            new SearchCommand(options, host),
            new ClassifyCommand(host),
            new ModelCommand(host),
            new HashCommand(host),
        };
        options.AddTo(root);
        return root;
    }

    public static Task<int> RunAsync(string[] args, CliHost host, CancellationToken cancellationToken = default) =>
        CreateRootCommand(host)
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = host.Out, Error = host.Error }, cancellationToken);
}
