using System.Text;
using System.Text.Json;
using Takedown.ServiceDefaults.Input;

namespace Takedown.ServiceDefaults.Imports;

/// <summary>One data line of an uploaded file, numbered by its line in the original file; <see cref="Error"/> when it cannot be read at all.</summary>
/// <param name="Csv">The line's fields by column name (CSV bodies only).</param>
public sealed record ImportLine(long Row, string Text, CsvRecord? Csv, string? Error);

public sealed class ImportHeaderException(string message) : Exception(message);

/// <summary>A rejected row of an import, by its line in the original file.</summary>
public sealed record RejectedRow(long Row, string Error);

/// <summary>The rejected rows of one import: every one counted, the first <paramref name="maxListed"/> listed.</summary>
public sealed class ImportRejections(int maxListed)
{
    private readonly List<RejectedRow> _listed = [];

    public IReadOnlyList<RejectedRow> Listed => _listed;

    public long Total { get; private set; }

    public void Add(long row, string error)
    {
        Total++;
        if (_listed.Count < maxListed)
            _listed.Add(new RejectedRow(row, error));
    }
}

/// <summary>The CSV columns a kind of row knows (in any order in the header) and those it needs.</summary>
public sealed record CsvColumns(IReadOnlyList<string> Known, IReadOnlyList<string> Required)
{
    public string HeaderHint => string.Join(',', Known);
}

/// <summary>
/// Reads an uploaded CSV or JSON-lines body line by line without holding it in memory: CSV with a header line naming
/// its columns, or one JSON object per line. Data lines are numbered by their line in the original file, starting at
/// <c>firstRow</c> for the first data line of this body, so a file sent in pieces keeps its numbering. Blank lines are
/// skipped; a line longer than the limit is rejected and skipped, never buffered.
/// </summary>
public static class ImportBody
{
    public const string Csv = "text/csv";
    public const string Ndjson = "application/x-ndjson";

    public static bool IsCsv(string? contentType) => MediaType(contentType) is Csv;

    public static bool IsNdjson(string? contentType) => MediaType(contentType) is Ndjson or "application/jsonl" or "application/json-lines";

    private static string? MediaType(string? contentType) => contentType?.Split(';')[0].Trim().ToLowerInvariant();

    public static async IAsyncEnumerable<ImportLine> ReadAsync(
        Stream body, CsvColumns? csv, long? firstRow, int maxLineChars,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var lines = new BoundedLines(reader, maxLineChars);
        Dictionary<string, int>? columns = null;
        long bodyLine = 0;
        var firstDataLine = csv is null ? 1 : 2;
        while (await lines.NextAsync(ct) is { } line)
        {
            bodyLine++;
            if (csv is not null && columns is null)
            {
                if (line.TooLong)
                    throw new ImportHeaderException("The CSV header line is too long.");
                columns = Header(line.Text, csv);
                continue;
            }
            var row = (firstRow ?? firstDataLine) + bodyLine - firstDataLine;
            if (string.IsNullOrWhiteSpace(line.Text) && !line.TooLong)
                continue;
            if (line.TooLong)
            {
                yield return new ImportLine(row, "", null, $"line is longer than {maxLineChars} characters.");
                continue;
            }
            // A row is text before it is CSV or JSON: one holding NUL or another control character is refused whole.
            if (InputText.Fault(line.Text) is { } fault)
            {
                yield return new ImportLine(row, "", null, fault);
                continue;
            }
            if (columns is null)
            {
                yield return new ImportLine(row, line.Text, null, null);
                continue;
            }
            var fields = SplitCsv(line.Text);
            if (fields is null)
                yield return new ImportLine(row, line.Text, null, "unterminated quoted field (a field cannot span lines).");
            else if (fields.Count != columns.Count)
                yield return new ImportLine(row, line.Text, null, $"expected {columns.Count} fields, found {fields.Count}.");
            else
                yield return new ImportLine(row, line.Text, new CsvRecord(columns, fields), null);
        }
        if (csv is not null && columns is null)
            throw new ImportHeaderException($"The CSV body is empty: it needs a header line '{csv.HeaderHint}'.");
    }

    /// <summary>
    /// One JSON line as <typeparamref name="T"/>, its strings held to <see cref="InputText"/> (an escaped NUL or lone
    /// surrogate is caught here, where the raw line looked clean); null with the reason when it is not one.
    /// </summary>
    public static T? ParseJson<T>(string text, out string? error) where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(text, InputText.Json);
            error = value is null ? "expected a JSON object, found null." : null;
            return value;
        }
        catch (JsonException e)
        {
            error = e.Path is null or "$" ? e.Message : $"{InputText.FieldOf(e.Path)}: {e.Message}";
            return null;
        }
    }

    private static Dictionary<string, int> Header(string line, CsvColumns csv)
    {
        var names = SplitCsv(line) ?? throw new ImportHeaderException("The CSV header line has an unterminated quote.");
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i].Trim().TrimStart('\uFEFF');
            var known = csv.Known.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ImportHeaderException($"Unknown CSV column '{name}'; the header names the columns {csv.HeaderHint} ({string.Join(" and ", csv.Required)} required).");
            if (!positions.TryAdd(known, i))
                throw new ImportHeaderException($"The CSV column '{known.ToLowerInvariant()}' appears twice.");
        }
        if (csv.Required.Any(r => !positions.ContainsKey(r)))
            throw new ImportHeaderException($"The CSV header must name the columns {string.Join(", ", csv.Required.Select(r => $"'{r}'"))} (and optionally the others of {csv.HeaderHint}).");
        return positions;
    }

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

/// <summary>One CSV line's fields, looked up by the header's column names.</summary>
public sealed class CsvRecord(IReadOnlyDictionary<string, int> columns, IReadOnlyList<string> fields)
{
    /// <summary>The field of <paramref name="column"/>, or null when the header does not name it.</summary>
    public string? this[string column] => columns.TryGetValue(column, out var at) ? fields[at] : null;
}
