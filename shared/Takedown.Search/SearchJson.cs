using System.Text.Json;
using System.Text.Json.Serialization;

namespace Takedown.Search;

/// <summary>How search documents look in Elasticsearch: snake_case fields (as the index templates name them), ISO dates.</summary>
public static class SearchJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
