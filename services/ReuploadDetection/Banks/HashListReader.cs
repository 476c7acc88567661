using System.Text;
using System.Text.Json;

namespace Takedown.ReuploadDetection.Banks;

/// <summary>One row of an imported hash list: the hash, or why the row was rejected.</summary>
public sealed record HashListRow(long Row, BankHash? Hash, string? Error);

public sealed class HashListHeaderException(string message) : Exception(message);

/// <summary>
/// Reads an uploaded hash list row by row without holding the body in memory: CSV with a header naming
/// <c>signal,hash,label,source</c> (label and source optional, any order), or JSON lines
/// <c>{"signal","hash","label","source"}</c>. Rows are numbered by their line in the original file, starting at
/// <paramref name="firstRow"/> for the first data line of this body, so a file sent in pieces keeps its numbering.
/// </summary>
public static class HashListReader
{
    public const string Csv = "text/csv";
    public const string Ndjson = "application/x-ndjson";

    // A hash list line is short; a longer one is a broken file, not a reason to buffer megabytes.
    private const int MaxLineChars = 16 * 1024;

    public static bool IsCsv(string? contentType) => MediaType(contentType) is Csv;

    public static bool IsNdjson(string? contentType) => MediaType(contentType) is Ndjson or "application/jsonl" or "application/json-lines";

    private static string? MediaType(string? contentType) => contentType?.Split(';')[0].Trim().ToLowerInvariant();

    public static async IAsyncEnumerable<HashListRow> ReadAsync(
        Stream body, bool csv, long? firstRow, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var lines = new BoundedLines(reader, MaxLineChars);
        int[]? columns = null; // positions of signal, hash, label, source in a CSV row (-1: absent)
        long bodyLine = 0;
        while (await lines.NextAsync(ct) is { } line)
        {
            bodyLine++;
            if (csv && columns is null)
            {
                if (line.TooLong)
                    throw new HashListHeaderException("The CSV header line is too long.");
                columns = Header(line.Text);
                continue;
            }
            var row = (firstRow ?? (csv ? 2 : 1)) + bodyLine - (csv ? 2 : 1);
            if (string.IsNullOrWhiteSpace(line.Text) && !line.TooLong)
                continue;
            if (line.TooLong)
            {
                yield return new HashListRow(row, null, $"line is longer than {MaxLineChars} characters.");
                continue;
            }
            yield return csv ? FromCsv(row, line.Text, columns!) : FromJson(row, line.Text);
        }
        if (csv && columns is null)
            throw new HashListHeaderException("The CSV body is empty: it needs a header line 'signal,hash,label,source'.");
    }

    private static int[] Header(string line)
    {
        var names = SplitCsv(line) ?? throw new HashListHeaderException("The CSV header line has an unterminated quote.");
        var positions = new[] { -1, -1, -1, -1 };
        string[] known = ["signal", "hash", "label", "source"];
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i].Trim().TrimStart('\uFEFF').ToLowerInvariant();
            var at = Array.IndexOf(known, name);
            if (at < 0)
                throw new HashListHeaderException($"Unknown CSV column '{names[i].Trim()}'; the header is 'signal,hash,label,source' (label and source optional).");
            if (positions[at] >= 0)
                throw new HashListHeaderException($"The CSV column '{name}' appears twice.");
            positions[at] = i;
        }
        if (positions[0] < 0 || positions[1] < 0)
            throw new HashListHeaderException("The CSV header must name the columns 'signal' and 'hash' (and optionally 'label' and 'source').");
        return positions;
    }

    private static HashListRow FromCsv(long row, string line, int[] columns)
    {
        var fields = SplitCsv(line);
        if (fields is null)
            return new HashListRow(row, null, "unterminated quoted field (a field cannot span lines).");
        var expected = columns.Count(c => c >= 0);
        if (fields.Count != expected)
            return new HashListRow(row, null, $"expected {expected} fields, found {fields.Count}.");
        string? Field(int column) => columns[column] >= 0 ? fields[columns[column]] : null;
        return Checked(row, Field(0), Field(1), Field(2), Field(3));
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
                    error = $"\"{name}\" must be a string.";
                return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
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

    /// <summary>RFC 4180 fields of one line ("" inside quotes is a quote); null when a quote is left open.</summary>
    private static List<string>? SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                    field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                    quoted = false;
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
                field.Append(c);
        }
        if (quoted)
            return null;
        fields.Add(field.ToString());
        return fields;
    }

    private readonly record struct Line(string Text, bool TooLong);

    /// <summary>Lines of at most a given length; the rest of a longer line is skipped, not buffered.</summary>
    private sealed class BoundedLines(StreamReader reader, int maxChars)
    {
        private readonly char[] _buffer = new char[8192];
        private int _position;
        private int _length;

        public async Task<Line?> NextAsync(CancellationToken ct)
        {
            var text = new StringBuilder();
            var tooLong = false;
            var any = false;
            while (true)
            {
                if (_position == _length)
                {
                    _length = await reader.ReadAsync(_buffer, ct);
                    _position = 0;
                    if (_length == 0)
                        return any ? new Line(text.ToString(), tooLong) : null;
                }
                any = true;
                var newline = Array.IndexOf(_buffer, '\n', _position, _length - _position);
                var end = newline < 0 ? _length : newline;
                if (!tooLong)
                {
                    if (text.Length + (end - _position) > maxChars)
                    {
                        tooLong = true;
                        text.Clear();
                    }
                    else
                        text.Append(_buffer, _position, end - _position);
                }
                _position = newline < 0 ? _length : newline + 1;
                if (newline >= 0)
                {
                    if (text.Length > 0 && text[^1] == '\r')
                        text.Length--;
                    return new Line(text.ToString(), tooLong);
                }
            }
        }
    }
}
