using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Takedown.Tests.Search;

/// <summary>A request the official client sent, body decompressed.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The NDJSON lines of a bulk body, each parsed.</summary>
    public IReadOnlyList<JsonObject> Lines => [.. Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject())];
}

/// <summary>What the node answers: status and body (Elastic's example shapes).</summary>
public sealed record CannedAnswer(int Status, string Body);

/// <summary>
/// An Elasticsearch 9.x node as the official client sees it, on a loopback port: real HTTP, the product header the client
/// insists on, answers with the shapes of Elastic's own examples (TestData/elasticsearch-9.5-examples). Every request
/// is recorded; a test decides each answer through <see cref="Answer"/>, or gets a well-behaved node by default.
/// </summary>
public sealed class FakeElasticsearch : IAsyncDisposable
{
    private static readonly string Examples = Path.Combine(AppContext.BaseDirectory, "TestData", "elasticsearch-9.5-examples");
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly HashSet<string> _indexes = [];
    private readonly Dictionary<string, string> _aliases = [];

    private FakeElasticsearch(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public IEnumerable<RecordedRequest> Bulks => Requests.Where(r => r.Path == "/_bulk");

    /// <summary>Decides the answer to a request; null falls back to the default node.</summary>
    public Func<RecordedRequest, CannedAnswer?> Answer { get; set; } = _ => null;

    /// <summary>Per bulk item (operation, index, id, source): the item's status and error type; null is success.</summary>
    public Func<string, string, string, JsonObject?, (int Status, string Type, string Reason)?> BulkItem { get; set; } = (_, _, _, _) => null;

    public static async Task<FakeElasticsearch> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeElasticsearch(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Url = new Uri(app.Urls.First());
        return fake;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Stream body = request.Body;
        if (request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
            body = new GZipStream(body, CompressionMode.Decompress);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var recorded = new RecordedRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "",
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), await reader.ReadToEndAsync());
        _requests.Enqueue(recorded);

        var answer = Answer(recorded) ?? Default(recorded);
        context.Response.StatusCode = answer.Status;
        context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
        // The client accepts application/json answers; it refused the vnd media type as this server framed it.
        context.Response.ContentType = "application/json";
        if (request.Method != "HEAD")
            await context.Response.WriteAsync(answer.Body);
    }

    private CannedAnswer Default(RecordedRequest request)
    {
        lock (_indexes)
        {
            var segments = request.Path.Trim('/').Split('/');
            switch (request.Method, segments)
            {
                case ("PUT", ["_index_template", _]):
                case ("POST", ["_aliases"]):
                    if (request.Method == "POST")
                        foreach (var action in JsonNode.Parse(request.Body)!["actions"]!.AsArray())
                        {
                            if (action!["add"] is { } add) _aliases[(string)add["alias"]!] = (string)add["index"]!;
                        }
                    return Acknowledged;
                case ("PUT", [var index]):
                    _indexes.Add(index);
                    if (JsonNode.Parse(request.Body.Length == 0 ? "{}" : request.Body)!["aliases"] is JsonObject aliases)
                        foreach (var alias in aliases)
                            _aliases[alias.Key] = index;
                    return new CannedAnswer(200, $$"""{"acknowledged":true,"shards_acknowledged":true,"index":"{{index}}"}""");
                case ("DELETE", [var index]):
                    _indexes.Remove(index);
                    return Acknowledged;
                case ("GET", [.., "_alias", var alias]):
                    return _aliases.TryGetValue(alias, out var target)
                        ? new CannedAnswer(200, new JsonObject { [target] = new JsonObject { ["aliases"] = new JsonObject { [alias] = new JsonObject { ["is_write_index"] = true } } } }.ToJsonString())
                        : new CannedAnswer(404, $$"""{"error":"alias [{{alias}}] missing","status":404}""");
                case ("POST" or "PUT", ["_bulk"]):
                    return new CannedAnswer(200, BulkAnswer(request, BulkItem));
                default:
                    return new CannedAnswer(200, "{}");
            }
        }
    }

    private static readonly CannedAnswer Acknowledged = new(200, """{"acknowledged":true}""");

    /// <summary>The bulk answer for <paramref name="request"/>: one item per operation, in order, shaped as Elastic's examples.</summary>
    public static string BulkAnswer(RecordedRequest request, Func<string, string, string, JsonObject?, (int Status, string Type, string Reason)?> outcome)
    {
        var success = JsonNode.Parse(Example("_global/bulk/examples/response/BulkResponseExample1.yaml"))!["items"]![0]!["index"]!;
        var failure = JsonNode.Parse(Example("_global/bulk/examples/response/BulkResponseExample2.yaml"))!["items"]![0]!["update"]!;
        var lines = request.Lines;
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var (operation, meta) = (lines[i].First().Key, lines[i].First().Value!.AsObject());
            var source = operation is "delete" ? null : lines[++i];
            var index = (string)meta["_index"]!;
            var id = (string)meta["_id"]!;
            JsonObject item;
            if (outcome(operation, index, id, source) is { } refused)
            {
                errors = true;
                item = failure.DeepClone().AsObject();
                item["status"] = refused.Status;
                item["error"]!["type"] = refused.Type;
                item["error"]!["reason"] = refused.Reason;
                item["error"]!["index"] = index;
            }
            else
            {
                item = success.DeepClone().AsObject();
                item["_version"] = meta["version"]?.GetValue<long>() ?? 1;
            }
            item["_index"] = index;
            item["_id"] = id;
            items.Add(new JsonObject { [operation] = item });
        }
        return new JsonObject { ["took"] = 3, ["errors"] = errors, ["items"] = items }.ToJsonString();
    }

    /// <summary>A whole-request error in the shape of Elastic's error examples (root_cause, type, reason, status).</summary>
    public static CannedAnswer Error(int status, string type, string reason)
    {
        var error = JsonNode.Parse(Example("streams/logs_enable/examples/409_response/PostStreamsEnableResponseExample2.yaml"))!.AsObject();
        error["error"]!["root_cause"]![0]!["type"] = type;
        error["error"]!["root_cause"]![0]!["reason"] = reason;
        error["error"]!["type"] = type;
        error["error"]!["reason"] = reason;
        error["status"] = status;
        return new CannedAnswer(status, error.ToJsonString());
    }

    /// <summary>A search answer: Elastic's example with <paramref name="hits"/> as the hits (source, score, highlight).</summary>
    public static string SearchAnswer(IEnumerable<(string Id, double Score, object Source, Dictionary<string, string[]>? Highlight)> hits, JsonSerializerOptions json)
    {
        var answer = JsonNode.Parse(Example("_global/search/examples/200_response/SearchResponseExample1.yaml"))!.AsObject();
        var template = answer["hits"]!["hits"]![0]!;
        var array = new JsonArray();
        foreach (var (id, score, source, highlight) in hits)
        {
            var hit = template.DeepClone().AsObject();
            hit["_index"] = "takedown-content-20260101000000";
            hit["_id"] = id;
            hit["_score"] = score;
            hit["_source"] = JsonSerializer.SerializeToNode(source, json);
            if (highlight is not null)
                hit["highlight"] = JsonSerializer.SerializeToNode(highlight);
            array.Add(hit);
        }
        answer["hits"]!["hits"] = array;
        answer["hits"]!["total"]!["value"] = array.Count;
        answer["hits"]!["max_score"] = array.Count == 0 ? null : array.Max(h => (double)h!["_score"]!);
        return answer.ToJsonString();
    }

    /// <summary>The <c>value</c> of one of Elastic's example files: the JSON body it documents.</summary>
    public static string Example(string relativePath)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(Examples, relativePath)))
            yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return ((YamlScalarNode)root.Children[new YamlScalarNode("value")]).Value!;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
