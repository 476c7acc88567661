using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Takedown.Tests.Transparency;

/// <summary>
/// A JSON Schema (draft 2020-12) validator for the subset of keywords the project's schemas use: type, enum, const,
/// required, properties, additionalProperties, minLength/maxLength (in code points), pattern, format "date" (asserted),
/// items, minItems, uniqueItems, contains, anyOf, allOf, if/then. No package on the mirror restores with its
/// dependencies; a keyword outside the subset throws rather than being skipped, so a schema cannot silently go unchecked.
/// </summary>
public sealed class JsonSchemaValidator(JsonElement schema)
{
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "title", "description"];

    public static JsonSchemaValidator Load(string path) => new(JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone());

    /// <summary>Every violation as "path: problem"; empty when the instance is valid.</summary>
    public IReadOnlyList<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(schema, instance, "$", errors);
        return errors;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        foreach (var keyword in schema.EnumerateObject())
        {
            var rule = keyword.Value;
            switch (keyword.Name)
            {
                case var annotation when Annotations.Contains(annotation):
                    break;
                case "type":
                    if (!IsType(value, rule.GetString()!))
                        errors.Add($"{path}: expected {rule.GetString()}, got {value.ValueKind}");
                    break;
                case "enum":
                    if (!rule.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
                        errors.Add($"{path}: {value.GetRawText()} is not one of the allowed values");
                    break;
                case "const":
                    if (!JsonElement.DeepEquals(rule, value))
                        errors.Add($"{path}: must be {rule.GetRawText()}");
                    break;
                case "required" when value.ValueKind == JsonValueKind.Object:
                    foreach (var name in rule.EnumerateArray().Select(n => n.GetString()!).Where(n => !value.TryGetProperty(n, out _)))
                        errors.Add($"{path}: required property '{name}' is missing");
                    break;
                case "properties" when value.ValueKind == JsonValueKind.Object:
                    foreach (var property in rule.EnumerateObject())
                        if (value.TryGetProperty(property.Name, out var child))
                            Check(property.Value, child, $"{path}.{property.Name}", errors);
                    break;
                case "additionalProperties" when value.ValueKind == JsonValueKind.Object:
                    if (rule.ValueKind != JsonValueKind.False)
                        throw new NotSupportedException("additionalProperties other than false");
                    var known = schema.TryGetProperty("properties", out var declared) ? declared.EnumerateObject().Select(p => p.Name).ToHashSet() : [];
                    foreach (var extra in value.EnumerateObject().Where(p => !known.Contains(p.Name)))
                        errors.Add($"{path}: property '{extra.Name}' is not allowed");
                    break;
                case "minLength" when value.ValueKind == JsonValueKind.String:
                    if (CodePoints(value) < rule.GetInt32())
                        errors.Add($"{path}: shorter than {rule.GetInt32()} characters");
                    break;
                case "maxLength" when value.ValueKind == JsonValueKind.String:
                    if (CodePoints(value) > rule.GetInt32())
                        errors.Add($"{path}: longer than {rule.GetInt32()} characters");
                    break;
                case "pattern" when value.ValueKind == JsonValueKind.String:
                    if (!Regex.IsMatch(value.GetString()!, rule.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
                        errors.Add($"{path}: does not match {rule.GetString()}");
                    break;
                case "format" when value.ValueKind == JsonValueKind.String:
                    if (rule.GetString() != "date")
                        throw new NotSupportedException($"format {rule.GetString()}");
                    if (!DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                        errors.Add($"{path}: '{value.GetString()}' is not an RFC 3339 full-date");
                    break;
                case "items" when value.ValueKind == JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                        Check(rule, item, $"{path}[{index++}]", errors);
                    break;
                case "minItems" when value.ValueKind == JsonValueKind.Array:
                    if (value.GetArrayLength() < rule.GetInt32())
                        errors.Add($"{path}: fewer than {rule.GetInt32()} items");
                    break;
                case "uniqueItems" when value.ValueKind == JsonValueKind.Array:
                    var items = value.EnumerateArray().ToList();
                    if (rule.GetBoolean() && items.Where((item, i) => items.Skip(i + 1).Any(other => JsonElement.DeepEquals(item, other))).Any())
                        errors.Add($"{path}: items are not unique");
                    break;
                case "contains" when value.ValueKind == JsonValueKind.Array:
                    if (!value.EnumerateArray().Any(item => Passes(rule, item)))
                        errors.Add($"{path}: no item matches {rule.GetRawText()}");
                    break;
                case "anyOf":
                    if (!rule.EnumerateArray().Any(option => Passes(option, value)))
                        errors.Add($"{path}: matches none of anyOf");
                    break;
                case "allOf":
                    foreach (var part in rule.EnumerateArray())
                        Check(part, value, path, errors);
                    break;
                case "if":
                    if (Passes(rule, value) && schema.TryGetProperty("then", out var then))
                        Check(then, value, path, errors);
                    break;
                case "then":
                    break;   // applied by "if"
                case "required" or "properties" or "additionalProperties" or "minLength" or "maxLength" or "pattern" or "format"
                    or "items" or "minItems" or "uniqueItems" or "contains":
                    break;   // applies to another type than this value's
                default:
                    throw new NotSupportedException($"JSON Schema keyword '{keyword.Name}' is outside this validator's subset.");
            }
        }
    }

    private static bool Passes(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "", errors);
        return errors.Count == 0;
    }

    private static int CodePoints(JsonElement value) => value.GetString()!.EnumerateRunes().Count();

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && d == decimal.Truncate(d),
        _ => throw new NotSupportedException($"type {type}"),
    };
}
