using System.Text.Json;
using Takedown.ServiceDefaults.Imports;
using Takedown.ServiceDefaults.Input;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>One row of an imported hash list: the hash, or why the row was rejected.</summary>
public sealed record HashListRow(long Row, BankHash? Hash, string? Error);

/// <summary>
/// Reads an uploaded hash list row by row (<see cref="ImportBody"/>): CSV with a header naming
/// <c>signal,hash,label,source</c> (label and source optional, any order), or JSON lines
/// <c>{"signal","hash","label","source"}</c>.
/// </summary>
public static class HashListReader
{
    public static readonly CsvColumns Columns = new(["signal", "hash", "label", "source"], ["signal", "hash"]);

    // A hash list line is short; a longer one is a broken file, not a reason to buffer megabytes.
    private const int MaxLineChars = 16 * 1024;

    public static async IAsyncEnumerable<HashListRow> ReadAsync(
        Stream body, bool csv, long? firstRow, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var line in ImportBody.ReadAsync(body, csv ? Columns : null, firstRow, MaxLineChars, ct))
        {
            if (line.Error is not null)
                yield return new HashListRow(line.Row, null, line.Error);
            else if (line.Csv is { } fields)
                yield return Checked(line.Row, fields["signal"], fields["hash"], fields["label"], fields["source"]);
            else
                yield return FromJson(line.Row, line.Text);
        }
    }

    private static HashListRow FromJson(long row, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new HashListRow(row, null, "expected a JSON object {\"signal\",\"hash\",\"label\",\"source\"}.");
            string? Text(string name, out string? error)
            {
                error = null;
                if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                    return null;
                if (value.ValueKind != JsonValueKind.String)
                {
                    error = $"\"{name}\" must be a string.";
                    return null;
                }
                string text;
                try
                {
                    text = value.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    // An escaped lone surrogate ("\ud800") parses as JSON but is no string.
                    error = $"\"{name}\": contains an unpaired UTF-16 surrogate.";
                    return null;
                }
                error = InputText.Fault(text) is { } fault ? $"\"{name}\": {fault}" : null;
                return error is null ? text : null;
            }
            var signal = Text("signal", out var e1);
            var hash = Text("hash", out var e2);
            var label = Text("label", out var e3);
            var source = Text("source", out var e4);
            var typeError = e1 ?? e2 ?? e3 ?? e4;
            return typeError is null ? Checked(row, signal, hash, label, source) : new HashListRow(row, null, typeError);
        }
        catch (JsonException e)
        {
            return new HashListRow(row, null, $"not valid JSON: {e.Message}");
        }
    }

    private static HashListRow Checked(long row, string? signal, string? hash, string? label, string? source) =>
        Bank.Validate(signal, hash, label, source, out var checkedHash) is { } error
            ? new HashListRow(row, null, error)
            : new HashListRow(row, checkedHash, null);
}
