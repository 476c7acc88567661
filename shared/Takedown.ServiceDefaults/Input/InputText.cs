using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takedown.ServiceDefaults.Input;

/// <summary>
/// The one rule for text a caller sends, whatever the field: any script, direction marks (U+200E, U+200F), emoji, tabs
/// and line breaks are text; NUL and the other control characters, and halves of UTF-16 surrogate pairs, are not.
/// PostgreSQL refuses NUL in text and jsonb, and a lone surrogate cannot be encoded as UTF-8 at all, so letting either
/// in turns a bad request into a failed write.
/// </summary>
public static class InputText
{
    /// <summary>Why <paramref name="value"/> is not acceptable text, or null when it is.</summary>
    public static string? Fault(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }
                return $"Contains an unpaired UTF-16 surrogate (U+{(int)c:X4}) at character {i + 1}.";
            }
            if (char.IsLowSurrogate(c))
                return $"Contains an unpaired UTF-16 surrogate (U+{(int)c:X4}) at character {i + 1}.";
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
                return $"Contains the control character U+{(int)c:X4} at character {i + 1}; text may hold tabs and line breaks but no other control characters.";
        }
        return null;
    }

    /// <summary>JSON options for bodies read outside minimal-API binding (an import's JSON lines): web defaults and the rule above.</summary>
    public static JsonSerializerOptions Json { get; } = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new CheckedStringConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>The JSON path of a reading error as a field name: <c>$.media[0].contentType</c> → <c>media[0].contentType</c>.</summary>
    public static string FieldOf(string? jsonPath) =>
        jsonPath is null or "$" or "" ? "body" : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
}

/// <summary>
/// Every JSON string a service reads, checked against <see cref="InputText"/>: a bad one fails the read like any
/// other malformed JSON, with its path, so the caller gets 400 naming the field.
/// </summary>
public sealed class CheckedStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"Expected a string, found {reader.TokenType}.");
        return Checked(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string Checked(ref Utf8JsonReader reader)
    {
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader's own complaint: an escaped lone surrogate (\ud800) cannot become a .NET string it would trust.
            throw new JsonException("Contains an unpaired UTF-16 surrogate.");
        }
        return InputText.Fault(value) is { } fault ? throw new JsonException(fault) : value;
    }
}
