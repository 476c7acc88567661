using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Takedown.Triage;

namespace Takedown.Cli;

/// <summary>
/// Classifies JSON lines in process, with no service involved: each input line <c>{"id","text"}</c> gives one output
/// line <c>{"id","category","severity","confidence","explanation"}</c>. A bad line is reported on stderr with its line
/// number and skipped; the exit code says whether any line was bad.
/// </summary>
public sealed class ClassifyCommand : Command
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Arabic stays readable in the output instead of becoming \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly CliHost host;

    private readonly Argument<string?> input = new("FILE")
    {
        Description = "JSON lines {\"id\",\"text\"} to classify; - or nothing reads standard input",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public ClassifyCommand(CliHost host)
        : base("classify", "Classify JSON lines of text in process and write one JSON line per input line")
    {
        this.host = host;
        Arguments.Add(input);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    /// <summary>The one place that decides a category; the statistical model replaces the keyword rules here.</summary>
    public static TriageResult Classify(string text) => ContentTriage.Classify(text);

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var path = parseResult.GetValue(input);
        using var reader = path is null or "-" ? null : OpenFile(path);
        var lines = reader ?? host.In;

        var bad = 0;
        var number = 0;
        while (await lines.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            if (Parse(line) is not { } item)
            {
                host.Error.WriteLine($"error: line {number}: expected a JSON object with string fields \"id\" and \"text\".");
                bad++;
                continue;
            }
            var result = Classify(item.Text!);
            host.Out.WriteLine(JsonSerializer.Serialize(
                new Classified(item.Id!, result.Category, result.Severity, result.Confidence, result.Explanation), Json));
        }
        if (bad > 0)
        {
            host.Error.WriteLine($"{bad} of {number} lines could not be read.");
            return ExitCodes.CallerError;
        }
        return ExitCodes.Ok;
    }

    private static StreamReader OpenFile(string path)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {path}: {e.Message}");
        }
    }

    private static Item? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<Item>(line, Json) is { Id: not null, Text: not null } item ? item : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Item(string? Id, string? Text);

    private sealed record Classified(string Id, string Category, string Severity, double Confidence, IReadOnlyList<string> Explanation);
}
