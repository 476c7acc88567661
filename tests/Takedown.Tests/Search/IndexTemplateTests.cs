using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Clients.Elasticsearch.Mapping;
using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Tests.Search;

/// <summary>
/// The index templates are what a 9.x node takes (read by the official client's own types), and they map exactly the
/// fields the documents carry: with <c>dynamic: strict</c> a field missing from the mapping would refuse every document.
/// </summary>
public sealed class IndexTemplateTests
{
    private static readonly Elastic.Clients.Elasticsearch.ElasticsearchClient Client =
        new ElasticsearchSettings { Url = new Uri("http://127.0.0.1:9") }.CreateClient();

    private static IndexTemplate Read(string name)
    {
        var file = Assert.Single(IndexTemplateFile.All, t => t.Name == name);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(file.Json));
        return Client.ElasticsearchClientSettings.RequestResponseSerializer.Deserialize<IndexTemplate>(stream);
    }

    [Fact]
    public void Both_templates_ship_in_the_assembly_under_their_template_names()
    {
        Assert.Equal(["takedown-case-events", "takedown-content"], IndexTemplateFile.All.Select(t => t.Name));
    }

    [Fact]
    public void The_content_template_maps_every_field_of_the_content_document_and_nothing_else()
    {
        var template = Read("takedown-content");

        Assert.Equal("takedown-content-*", template.IndexPatterns!.ToString());
        var mapped = template.Template!.Mappings!.Properties!.Select(p => p.Key.Name).Order(StringComparer.Ordinal);
        Assert.Equal(SerializedFields(SearchSamples.Content(Guid.NewGuid(), 1)), mapped);
        Assert.Equal(DynamicMapping.Strict, template.Template.Mappings.Dynamic);
    }

    [Fact]
    public void The_timeline_template_is_a_data_stream_mapping_every_field_of_the_case_event_document()
    {
        var template = Read("takedown-case-events");

        Assert.NotNull(template.DataStream);
        var mapped = template.Template!.Mappings!.Properties!.Select(p => p.Key.Name).Order(StringComparer.Ordinal);
        Assert.Equal(SerializedFields(SearchSamples.CaseEvent(Guid.NewGuid(), 1, "content-reported")), mapped);
    }

    [Fact]
    public void Pdq_is_a_256_bit_vector_for_hamming_knn_and_the_text_has_arabic_and_english_analyses()
    {
        var properties = Read("takedown-content").Template!.Mappings!.Properties!;

        var vector = Assert.IsType<DenseVectorProperty>(properties["pdq_vector"]);
        Assert.Equal(256, vector.Dims);
        Assert.Equal(DenseVectorElementType.Bit, vector.ElementType);
        var text = Assert.IsType<TextProperty>(properties["text"]);
        Assert.Equal("arabic", Assert.IsType<TextProperty>(text.Fields!["ar"]).Analyzer);
        Assert.Equal("english", Assert.IsType<TextProperty>(text.Fields!["en"]).Analyzer);
        var normalised = Assert.IsType<TextProperty>(properties["normalised_text"]);
        Assert.Equal("takedown_arabic", normalised.Analyzer);
        // The custom analyzer is defined in the same template.
        var settings = JsonNode.Parse(IndexTemplateFile.All.Single(t => t.Name == "takedown-content").Json)!["template"]!["settings"]!;
        Assert.NotNull(settings["analysis"]!["analyzer"]!["takedown_arabic"]);
    }

    private static IEnumerable<string> SerializedFields<T>(T document) =>
        JsonSerializer.SerializeToNode(document, SearchJson.Options)!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal);
}
