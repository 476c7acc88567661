using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Takedown.Tests.Deployment;

/// <summary>
/// deploy/setup/kibana/takedown.ndjson, what kibana-setup imports for analysts, against the index templates in
/// shared/Takedown.Search/Templates: a saved object that names a field the mapping lacks, or a reference Kibana
/// cannot resolve, imports fine and then shows analysts an empty or broken panel.
/// </summary>
public sealed partial class KibanaSavedObjectsTests
{
    private sealed record Reference(string Name, string Type, string Id);

    private sealed record SavedObject(int Line, string Type, string Id, JsonObject Attributes, IReadOnlyList<Reference> References)
    {
        public override string ToString() => $"{Type} {Id} (line {Line})";
    }

    private static readonly string NdjsonPath = Path.Combine(ComposeFileTests.RepositoryRoot(), "deploy", "setup", "kibana", "takedown.ndjson");

    // Lens counts documents through this pseudo-field, which no mapping has.
    private const string LensRecordsField = "___records___";

    private static IReadOnlyList<SavedObject> Objects() =>
        [.. File.ReadAllLines(NdjsonPath).Select((text, index) => (text, line: index + 1)).Where(l => l.text.Trim().Length > 0).Select(l => Parse(l.text, l.line))];

    private static SavedObject Parse(string text, int line)
    {
        var node = JsonNode.Parse(text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"line {line} is not a JSON object");
        var references = (node["references"] as JsonArray ?? throw new Xunit.Sdk.XunitException($"line {line} has no references array"))
            .Select(r => new Reference((string)r!["name"]!, (string)r["type"]!, (string)r["id"]!)).ToList();
        return new SavedObject(line, (string)node["type"]!, (string)node["id"]!, node["attributes"]!.AsObject(), references);
    }

    [Fact]
    public void Every_line_is_a_saved_object_Kibana_9_imports()
    {
        var lines = File.ReadAllLines(NdjsonPath).Where(l => l.Trim().Length > 0).ToList();
        Assert.NotEmpty(lines);
        // Versions Kibana 9 knows and migrates from; an object newer than the running Kibana is refused on import.
        var typeVersions = new Dictionary<string, string>
        {
            ["index-pattern"] = "8.0.0", ["search"] = "8.0.0", ["lens"] = "8.9.0", ["dashboard"] = "10.2.0",
        };
        var ids = new HashSet<(string, string)>();
        foreach (var (text, index) in lines.Select((t, i) => (t, i)))
        {
            var node = JsonNode.Parse(text)!.AsObject();
            var type = (string)node["type"]!;
            Assert.True(typeVersions.ContainsKey(type), $"line {index + 1}: unexpected type {type}");
            Assert.Equal("8.8.0", (string)node["coreMigrationVersion"]!);
            Assert.Equal(typeVersions[type], (string)node["typeMigrationVersion"]!);
            Assert.Matches("^takedown-[a-z0-9-]+$", (string)node["id"]!);
            Assert.True(ids.Add((type, (string)node["id"]!)), $"line {index + 1}: {type} {node["id"]} appears twice");
            Assert.False(string.IsNullOrWhiteSpace((string?)node["attributes"]![type == "index-pattern" ? "name" : "title"]), $"line {index + 1} has no title");
        }
    }

    [Fact]
    public void The_data_views_are_the_content_alias_and_the_case_event_data_stream()
    {
        var views = Objects().Where(o => o.Type == "index-pattern")
            .Select(o => ((string)o.Attributes["title"]!, (string)o.Attributes["name"]!, (string)o.Attributes["timeFieldName"]!, o.Id)).Order().ToList();

        Assert.Equal(
            [
                ("takedown-case-events", "Takedown case events", "@timestamp", "takedown-case-events"),
                ("takedown-content", "Takedown content", "first_reported_at", "takedown-content"),
            ],
            views);
    }

    [Fact]
    public void Analysts_find_the_saved_searches_and_dashboards_the_issue_asks_for()
    {
        var titles = Objects().Where(o => o.Type is "search" or "dashboard").Select(o => (o.Type, o.Id, (string)o.Attributes["title"]!)).Order().ToList();

        Assert.Equal(
            [
                ("dashboard", "takedown-content-and-reuploads", "Takedown: content and re-uploads"),
                ("dashboard", "takedown-platform-response", "Takedown: how platforms respond"),
                ("search", "takedown-notices-unanswered", "Notices unanswered"),
                ("search", "takedown-open-p0-p1", "Open P0/P1 cases"),
                ("search", "takedown-overdue-notices", "Overdue notices"),
                ("search", "takedown-reuploads-of-removed", "Re-uploads of removed media"),
            ],
            titles);
        Assert.Equal<string[]>(
            [
                "content_up : true and severity : (\"P0\" or \"P1\")",
                "content_up : true and due_at < \"now\"",
                "reupload_of : *",
            ],
            [.. new[] { "takedown-open-p0-p1", "takedown-overdue-notices", "takedown-reuploads-of-removed" }.Select(id => SearchQuery(Objects().Single(o => o.Id == id)))]);
    }

    [Fact]
    public void Every_reference_resolves_to_an_object_of_its_type_in_the_file()
    {
        var objects = Objects();
        var known = objects.Select(o => (o.Type, o.Id)).ToHashSet();
        foreach (var o in objects)
            foreach (var reference in o.References)
                Assert.True(known.Contains((reference.Type, reference.Id)), $"{o}: reference {reference.Name} to {reference.Type} {reference.Id} is not in the file");
    }

    [Fact]
    public void Every_dashboard_panel_is_a_reference_of_its_dashboard_and_every_reference_a_panel()
    {
        var dashboards = Objects().Where(o => o.Type == "dashboard").ToList();
        Assert.NotEmpty(dashboards);
        foreach (var dashboard in dashboards)
        {
            var panels = JsonNode.Parse((string)dashboard.Attributes["panelsJSON"]!)!.AsArray().Select(p => p!.AsObject()).ToList();
            Assert.NotEmpty(panels);
            foreach (var panel in panels)
            {
                var index = (string)panel["panelIndex"]!;
                Assert.Equal(index, (string)panel["gridData"]!["i"]!);
                // Kibana stores a by-reference panel as panelRefName "panel_{i}" and the reference as "{i}:panel_{i}".
                Assert.Equal($"panel_{index}", (string)panel["panelRefName"]!);
                var reference = Assert.Single(dashboard.References, r => r.Name == $"{index}:panel_{index}");
                Assert.Equal((string)panel["type"]!, reference.Type);
            }
            Assert.Equal(panels.Count, dashboard.References.Count);
            AssertPanelsDoNotOverlap(dashboard, panels);
        }
    }

    private static void AssertPanelsDoNotOverlap(SavedObject dashboard, List<JsonObject> panels)
    {
        var cells = new Dictionary<(int X, int Y), string>();
        foreach (var panel in panels)
        {
            var grid = panel["gridData"]!;
            var (x, y, w, h) = ((int)grid["x"]!, (int)grid["y"]!, (int)grid["w"]!, (int)grid["h"]!);
            Assert.True(x >= 0 && w > 0 && x + w <= 48, $"{dashboard}: panel {panel["panelIndex"]} is outside Kibana's 48-column grid");
            for (var cx = x; cx < x + w; cx++)
                for (var cy = y; cy < y + h; cy++)
                    Assert.True(cells.TryAdd((cx, cy), (string)panel["panelIndex"]!), $"{dashboard}: panels {cells.GetValueOrDefault((cx, cy))} and {panel["panelIndex"]} overlap");
        }
    }

    [Fact]
    public void Every_lens_layer_reads_a_data_view_and_every_column_it_shows_is_defined()
    {
        var lenses = Objects().Where(o => o.Type == "lens").ToList();
        Assert.NotEmpty(lenses);
        foreach (var lens in lenses)
        {
            var layers = lens.Attributes["state"]!["datasourceStates"]!["formBased"]!["layers"]!.AsObject();
            Assert.NotEmpty(layers);
            foreach (var (layerId, layer) in layers)
            {
                Assert.Single(lens.References, r => r.Name == $"indexpattern-datasource-layer-{layerId}" && r.Type == "index-pattern");
                var columns = layer!["columns"]!.AsObject().Select(c => c.Key).ToHashSet();
                Assert.Equal(columns.Order(), layer["columnOrder"]!.AsArray().Select(c => (string)c!).Order());
                foreach (var (_, column) in layer["columns"]!.AsObject())
                    if (column!["params"]?["orderBy"] is { } orderBy && (string)orderBy["type"]! == "column")
                        Assert.Contains((string)orderBy["columnId"]!, columns);
                Assert.Equal(columns.Order(), ShownColumns(lens).Order());
            }
        }
    }

    // The columns a visualization draws: every column of its layer, or Lens drops the rest when it loads.
    private static IEnumerable<string> ShownColumns(SavedObject lens)
    {
        var visualization = lens.Attributes["state"]!["visualization"]!;
        return (string)lens.Attributes["visualizationType"]! switch
        {
            "lnsXY" => visualization["layers"]!.AsArray().SelectMany(l =>
                new[] { (string?)l!["xAccessor"], (string?)l["splitAccessor"] }.Concat(l["accessors"]!.AsArray().Select(a => (string?)a)).OfType<string>()),
            "lnsDatatable" => visualization["columns"]!.AsArray().Select(c => (string)c!["columnId"]!),
            var other => throw new Xunit.Sdk.XunitException($"{lens}: no test knows the visualization {other}"),
        };
    }

    [Fact]
    public void Every_field_a_saved_object_names_exists_in_the_mapping_of_its_data_view_with_a_type_that_fits()
    {
        var objects = Objects();
        var mappings = objects.Where(o => o.Type == "index-pattern").ToDictionary(o => o.Id, o => IndexTemplates.MappingFor((string)o.Attributes["title"]!));
        var checkedFields = 0;

        void Check(SavedObject owner, string dataViewId, string field, string? kind = null)
        {
            var mapping = mappings[dataViewId];
            Assert.True(mapping.TryGetValue(field, out var type), $"{owner}: field {field} is not in the mapping of data view {dataViewId}");
            if (kind is not null)
                Assert.True(Fits(kind, type), $"{owner}: field {field} is {type} in the mapping, not a {kind} field");
            checkedFields++;
        }

        foreach (var o in objects)
        {
            switch (o.Type)
            {
                case "index-pattern":
                    Check(o, o.Id, (string)o.Attributes["timeFieldName"]!, "date");
                    foreach (var (field, _) in JsonNode.Parse((string)o.Attributes["fieldFormatMap"]!)!.AsObject())
                        Check(o, o.Id, field);
                    break;
                case "search":
                    var view = Assert.Single(o.References, r => r.Name == "kibanaSavedObjectMeta.searchSourceJSON.index").Id;
                    foreach (var column in o.Attributes["columns"]!.AsArray())
                        Check(o, view, (string)column!);
                    foreach (var sort in o.Attributes["sort"]!.AsArray())
                        Check(o, view, (string)sort![0]!, "sortable");
                    foreach (var field in KqlFields(SearchQuery(o)))
                        Check(o, view, field);
                    break;
                case "lens":
                    var state = o.Attributes["state"]!;
                    foreach (var (layerId, layer) in state["datasourceStates"]!["formBased"]!["layers"]!.AsObject())
                    {
                        var layerView = o.References.Single(r => r.Name == $"indexpattern-datasource-layer-{layerId}").Id;
                        foreach (var field in KqlFields((string)state["query"]!["query"]!))
                            Check(o, layerView, field);
                        foreach (var (_, column) in layer!["columns"]!.AsObject())
                        {
                            var source = (string)column!["sourceField"]!;
                            var operation = (string)column["operationType"]!;
                            if (operation == "count")
                                Assert.Equal(LensRecordsField, source);
                            else
                                Check(o, layerView, source, operation == "unique_count" ? null : (string)column["dataType"]!);
                            if (column["filter"] is { } filter)
                                foreach (var field in KqlFields((string)filter["query"]!))
                                    Check(o, layerView, field);
                        }
                    }
                    break;
                case "dashboard":
                    var query = (string)JsonNode.Parse((string)o.Attributes["kibanaSavedObjectMeta"]!["searchSourceJSON"]!)!["query"]!["query"]!;
                    Assert.Empty(KqlFields(query));
                    break;
            }
        }
        Assert.True(checkedFields > 50, $"only {checkedFields} fields were checked: the saved objects were not read");
    }

    private static string SearchQuery(SavedObject search) =>
        (string)JsonNode.Parse((string)search.Attributes["kibanaSavedObjectMeta"]!["searchSourceJSON"]!)!["query"]!["query"]!;

    private static bool Fits(string kind, string mappingType) => kind switch
    {
        "date" => mappingType is "date" or "date_nanos",
        "number" => mappingType is "long" or "integer" or "short" or "byte" or "double" or "float" or "half_float" or "scaled_float",
        // Lens's terms on a string need doc values: keyword, not text.
        "string" => mappingType is "keyword",
        "boolean" => mappingType is "boolean",
        "sortable" => mappingType is not ("text" or "dense_vector"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [Theory]
    [InlineData("status : (\"open\" or \"rejected\") and due_at < \"now\"", new[] { "status", "due_at" })]
    [InlineData("status : \"open\" and first_notified_at : * and not acknowledged_at : *", new[] { "status", "first_notified_at", "acknowledged_at" })]
    [InlineData("event_type : \"removal-confirmed\"", new[] { "event_type" })]
    [InlineData("text.ar : \"a : b\" or @timestamp >= \"now-1d\"", new[] { "text.ar", "@timestamp" })]
    [InlineData("", new string[0])]
    public void Field_names_are_read_from_KQL_outside_quoted_values(string query, string[] fields)
    {
        Assert.Equal(fields, KqlFields(query));
    }

    private static string[] KqlFields(string query) =>
        [.. KqlField().Matches(QuotedValue().Replace(query, "\"\"")).Select(m => m.Groups["field"].Value).Distinct()];

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex QuotedValue();

    [GeneratedRegex(@"(?<![\w.@])(?<field>[A-Za-z_@][\w.@]*)\s*(?::|<=|>=|<|>)")]
    private static partial Regex KqlField();
}
