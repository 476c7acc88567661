using System.Text.RegularExpressions;

namespace Takedown.Cli.Tests;

public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Lines(Out);
    public string[] ErrorLines => Lines(Error);

    /// <summary>Output lines with runs of spaces collapsed, so table padding does not matter but content does.</summary>
    public string[] OutLinesNormalized => [.. OutLines.Select(line => Regex.Replace(line.Trim(), @"\s+", " "))];

    /// <summary>The cells of each bordered table row (header and body rows).</summary>
    public string[][] TableRows =>
    [
        .. OutLines
            .Where(line => line.StartsWith('│'))
            .Select(line => line.Trim('│').Split('│').Select(cell => cell.Trim()).ToArray()),
    ];

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.TrimEnd('\r'))
        .ToArray();
}

/// <summary>Runs the real command line in process, with captured output and a chosen environment.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(
        string[] args, IReadOnlyDictionary<string, string>? environment = null, TimeProvider? time = null, string? stdin = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var handler = new SocketsHttpHandler();
        var host = CliHost.Captured(handler, stdout, stderr, name => environment?.GetValueOrDefault(name), time ?? TimeProvider.System) with
        {
            In = new StringReader(stdin ?? ""),
        };

        var exitCode = await TakedownCli.RunAsync(args, host);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A wall clock stopped at one instant; elapsed time (timestamps, delays) still runs for real.</summary>
public sealed class StoppedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
