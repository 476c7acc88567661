using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Takedown.Tests.Deployment;

/// <summary>The index templates in shared/Takedown.Search/Templates, as the tests of what reads those indexes see them.</summary>
internal static class IndexTemplates
{
    public static string Folder => Path.Combine(ComposeFileTests.RepositoryRoot(), "shared", "Takedown.Search", "Templates");

    /// <summary>
    /// Every field of the template that governs <paramref name="name"/> with its mapping type: nested properties and
    /// multi-fields as dotted paths (<c>text.ar</c>). <paramref name="name"/> is a data stream the template's patterns
    /// match, or an alias over indexes "{name}-{created}" that they match.
    /// </summary>
    public static IReadOnlyDictionary<string, string> MappingFor(string name)
    {
        var governing = Directory.GetFiles(Folder, "*.json")
            .Select(path => (path, template: JsonNode.Parse(File.ReadAllText(path))!.AsObject()))
            .Where(t => t.template["index_patterns"]!.AsArray().Select(p => (string)p!).Any(p => Matches(p, name) || Matches(p, $"{name}-20260101000000")))
            .ToList();
        var (path, template) = governing.Count == 1
            ? governing[0]
            : throw new Xunit.Sdk.XunitException($"{governing.Count} index templates govern {name}; expected exactly one");
        var fields = new Dictionary<string, string>();
        Flatten(template["template"]?["mappings"]?["properties"]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"{path} has no mapping properties"), "", fields);
        return fields;
    }

    private static void Flatten(JsonObject properties, string prefix, Dictionary<string, string> fields)
    {
        foreach (var (name, node) in properties)
        {
            var path = prefix + name;
            if (node!["properties"] is JsonObject nested)
                Flatten(nested, path + ".", fields);
            else
                fields[path] = (string)node["type"]!;
            if (node["fields"] is JsonObject multiFields)
                Flatten(multiFields, path + ".", fields);
        }
    }

    private static bool Matches(string pattern, string name) =>
        Regex.IsMatch(name, "^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$");
}
