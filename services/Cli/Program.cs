using Takedown.Cli;

return await TakedownCli.RunAsync(args, CliHost.ForProcess());
