using Spectre.Console;

namespace Takedown.Cli;

/// <summary>What the commands need from the outside world, so tests can run them in process.</summary>
/// <param name="Console">Renders tables; writes to the same stream as <paramref name="Out"/>.</param>
/// <param name="Out">Plain lines and raw JSON, never wrapped, so scripts can parse them.</param>
public sealed record CliHost(
    HttpMessageHandler Http,
    IAnsiConsole Console,
    TextWriter Out,
    TextWriter Error,
    Func<string, string?> Environment,
    TimeProvider Time)
{
    /// <summary>Standard input, for commands that read "-"; empty unless set.</summary>
    public TextReader In { get; init; } = TextReader.Null;

    public static CliHost ForProcess()
    {
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
            console.Profile.Width = RedirectedWidth(System.Environment.GetEnvironmentVariable);
        return new(
            new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) },
            console,
            System.Console.Out,
            System.Console.Error,
            System.Environment.GetEnvironmentVariable,
            TimeProvider.System)
        {
            In = System.Console.In,
        };
    }

    /// <summary>
    /// Table width when output goes to a file or a pipe: <c>COLUMNS</c> when set, else 160. Without a terminal to
    /// measure, Spectre assumes 80 columns, which wraps a case's timeline into a tall, narrow column.
    /// </summary>
    public static int RedirectedWidth(Func<string, string?> environment) =>
        int.TryParse(environment("COLUMNS"), out var columns) && columns > 0 ? columns : 160;

    /// <summary>
    /// A host whose output goes to the given writers as plain text (no colours, no prompts, a fixed width), for running
    /// the command line inside another program, such as a test, and reading what it printed.
    /// </summary>
    public static CliHost Captured(
        HttpMessageHandler http, TextWriter output, TextWriter error, Func<string, string?> environment, TimeProvider time, int width = 160)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        return new CliHost(http, console, output, error, environment, time);
    }

    /// <summary>Runs a command body, turning the failures a user can act on into a message and an exit code.</summary>
    public async Task<int> RunAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (UsageException e)
        {
            Error.WriteLine($"error: {e.Message}");
            return ExitCodes.CallerError;
        }
        catch (ApiProblemException e)
        {
            Error.WriteLine($"error: {e.Message}");
            foreach (var fieldError in e.FieldErrors)
            {
                Error.WriteLine($"  {fieldError.Field}: {fieldError.Message}");
            }
            if (e.Status is 401 or 403)
            {
                Error.WriteLine($"  check the key given by --api-key or {CliOptions.ApiKeyVariable}");
            }
            return e.Status is >= 400 and < 500 ? ExitCodes.CallerError : ExitCodes.ServiceError;
        }
        catch (ServiceUnavailableException e)
        {
            Error.WriteLine($"error: {e.Message}");
            return ExitCodes.ServiceError;
        }
    }
}

public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The request was wrong: bad input, missing key, unknown case (HTTP 4xx).</summary>
    public const int CallerError = 2;

    /// <summary>The service or PostgreSQL failed or could not be reached (HTTP 5xx, connection refused, timeout).</summary>
    public const int ServiceError = 3;

    /// <summary><c>audit verify</c> found at least one stream whose hash chain does not hold.</summary>
    public const int ChainBroken = 4;
}

/// <summary>The user must change the command line or environment; nothing was sent.</summary>
public sealed class UsageException(string message) : Exception(message);
