using System.Text.Json;

namespace Takedown.Cli.Tests;

public sealed class ClassifyCommandTests
{
    private const string Input = """
        {"id":"a1","text":"فلان عميل السفارة"}
        {"id":"a2","text":"hello world"}
        """;

    // id, category, severity and the first explanation line (the lexicon's); the model adds a line of its own.
    private static readonly string[] Expected =
    [
        "a1|targeting-of-individuals|P1|targeting-label: عميل السفارة",
        "a2|not-violating|P3|no rule matched",
    ];

    private static string[] Decisions(IEnumerable<string> lines) =>
    [
        .. lines.Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var confidence = root.GetProperty("confidence").GetDouble();
            Assert.InRange(confidence, 0.01, 1.0);
            Assert.Contains(root.GetProperty("explanation").EnumerateArray(), e => e.GetString()!.StartsWith("model: ", StringComparison.Ordinal));
            return string.Join('|', root.GetProperty("id").GetString(), root.GetProperty("category").GetString(),
                root.GetProperty("severity").GetString(), root.GetProperty("explanation")[0].GetString());
        }),
    ];

    [Fact]
    public async Task Lines_from_standard_input_are_classified_one_json_line_each()
    {
        var result = await Cli.RunAsync(["classify"], stdin: Input);

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Expected, Decisions(result.OutLines));
    }

    [Fact]
    public async Task A_dash_reads_standard_input_too()
    {
        var result = await Cli.RunAsync(["classify", "-"], stdin: Input);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Expected, Decisions(result.OutLines));
    }

    [Fact]
    public async Task Lines_from_a_file_are_classified()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, Input + "\n\n");
            var result = await Cli.RunAsync(["classify", path]);

            Assert.Equal("", result.Error);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(Expected, Decisions(result.OutLines));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_bad_line_is_named_on_stderr_the_good_lines_are_still_written_and_the_exit_code_is_2()
    {
        var input = string.Join('\n',
            """{"id":"a1","text":"فلان عميل السفارة"}""",
            """{"id":"x","text":""",
            """{"text":"no id"}""",
            """{"id":"a2","text":"hello world"}""");

        var result = await Cli.RunAsync(["classify"], stdin: input);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(Expected, Decisions(result.OutLines));
        Assert.Equal(
        [
            "error: line 2: expected a JSON object with string fields \"id\" and \"text\".",
            "error: line 3: expected a JSON object with string fields \"id\" and \"text\".",
            "2 of 4 lines could not be read.",
        ], result.ErrorLines);
        Assert.All(result.OutLines, line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public async Task A_missing_file_is_a_caller_error()
    {
        var result = await Cli.RunAsync(["classify", "/nonexistent/reports.jsonl"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: cannot read /nonexistent/reports.jsonl", result.Error);
        Assert.Equal("", result.Out);
    }
}
