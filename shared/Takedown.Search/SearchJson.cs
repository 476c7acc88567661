using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takedown.Search;

/// <summary>How search documents look in Elasticsearch: snake_case fields (as the index templates name them), ISO dates.</summary>
public static class SearchJson
{
    public static readonly JsonSerializerOptions Options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>The same settings on options someone else created: the Elasticsearch client's source serializer.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        return options;
    }
}
