using System.Text.Json.Nodes;
using Takedown.Fingerprints;
using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Tests.Search;

/// <summary>The Elasticsearch search backend: the query it sends, and what it makes of a 9.x search answer.</summary>
public sealed class ElasticsearchContentSearchTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 5, 12, 0, 0, TimeSpan.Zero);
    private FakeElasticsearch _node = null!;

    public async Task InitializeAsync() => _node = await FakeElasticsearch.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private ElasticsearchContentSearch Search()
    {
        var settings = new ElasticsearchSettings { Url = _node.Url };
        return new ElasticsearchContentSearch(settings.CreateClient(), settings);
    }

    private void AnswerSearchWith(params (ContentDocument Document, double Score, Dictionary<string, string[]>? Highlight)[] hits) =>
        _node.Answer = request => request.Path.EndsWith("/_search", StringComparison.Ordinal)
            ? new CannedAnswer(200, FakeElasticsearch.SearchAnswer(hits.Select(h => (h.Document.Id, h.Score, (object)h.Document, h.Highlight)), SearchJson.Options))
            : null;

    [Fact]
    public async Task Full_text_is_normalised_like_the_documents_filters_are_terms_and_ranges_and_hits_come_back_with_highlights()
    {
        var document = SearchSamples.Content(Guid.NewGuid(), version: 4);
        AnswerSearchWith((document, 3.2, new Dictionary<string, string[]> { ["text.ar"] = ["<em>مقطع</em> دعائي"] }));

        var page = await Search().SearchAsync(new ContentQuery(
            Text: "مَقْطَع", Platform: "telegram", Organisations: ["tech-for-peace"], Overdue: true, Reupload: false, Now: Now, Page: 2, PageSize: 10), CancellationToken.None);

        var request = Assert.Single(_node.Requests, r => r.Path.EndsWith("/_search", StringComparison.Ordinal));
        Assert.Equal("/takedown-content/_search", request.Path);
        var body = JsonNode.Parse(request.Body)!;
        var query = body["query"]!["bool"]!;
        var match = Many(query["must"])[0]["multi_match"]!;
        Assert.Equal(Takedown.Text.TextNormalizer.Normalize("مَقْطَع"), (string)match["query"]!);
        Assert.Equal("مقطع", (string)match["query"]!); // diacritics gone before Elasticsearch sees the words
        Assert.Equal(["normalised_text", "normalised_text.en", "text.ar", "text.en"], match["fields"]!.AsArray().Select(f => (string)f!));
        var filters = Many(query["filter"]).Select(f => f.ToJsonString()).ToArray();
        Assert.Contains("""{"terms":{"reporter_organisations":["tech-for-peace"]}}""", filters);
        Assert.Contains("""{"term":{"platform":{"value":"telegram"}}}""", filters);
        Assert.Contains(filters, f => f.Contains("\"due_at\"") && f.Contains("\"lt\":\"2026-03-05T12:00:00") && f.Contains("""{"term":{"content_up":{"value":true}}}"""));
        Assert.Equal("""{"exists":{"field":"reupload_of"}}""", Assert.Single(Many(query["must_not"])).ToJsonString());
        Assert.Equal(10, (int)body["from"]!);
        Assert.Equal(10, (int)body["size"]!);
        Assert.True((bool)body["track_total_hits"]!);

        Assert.Equal(1, page.Total);
        Assert.Equal("elasticsearch", page.Backend);
        var hit = Assert.Single(page.Items);
        Assert.Equal(document.ContentId, hit.Document.ContentId);
        Assert.Equal(4, hit.Document.Version);
        Assert.Equal(document.Pdq, hit.Document.Pdq);
        Assert.Equal(3.2, hit.Score, 3);
        Assert.Equal(["<em>مقطع</em> دعائي"], hit.Highlights);
    }

    [Fact]
    public async Task Similar_by_pdq_asks_for_hamming_knn_and_chunk_candidates_and_keeps_only_what_is_within_the_distance()
    {
        var near = SearchSamples.Content(Guid.NewGuid(), version: 2);
        var farHash = PdqHash.Parse(SearchSamples.Pdq).Complement().ToHex();
        var far = SearchSamples.Content(Guid.NewGuid(), version: 1) with { Pdq = [farHash], PdqVector = farHash };
        AnswerSearchWith((near, 0.98, null), (far, 0.2, null));
        var query = Flip(SearchSamples.Pdq, bits: 5);

        var hits = await Search().SimilarAsync(new SimilarQuery([query], null, Organisations: ["tech-for-peace"]), CancellationToken.None);

        var body = JsonNode.Parse(Assert.Single(_node.Requests, r => r.Path.EndsWith("/_search", StringComparison.Ordinal)).Body)!;
        var knn = Many(body["knn"])[0];
        Assert.Equal("pdq_vector", (string)knn["field"]!);
        var vector = knn["query_vector"]!.AsArray().Select(v => (sbyte)(double)v!).Select(b => (byte)b).ToArray();
        Assert.Equal(query, Convert.ToHexStringLower(vector));
        Assert.Equal("""{"terms":{"reporter_organisations":["tech-for-peace"]}}""", Assert.Single(Many(knn["filter"])).ToJsonString());
        var chunks = Many(body["query"]!["bool"]!["should"])[0]["terms"]!["pdq_chunks"]!.AsArray().Select(c => (string)c!);
        Assert.Equal(SearchFingerprints.Chunks(query), chunks);

        var hit = Assert.Single(hits);
        Assert.Equal(near.ContentId, hit.Document.ContentId);
        Assert.Equal(("pdq", query, SearchSamples.Pdq, 5), (hit.Signal, hit.Query, hit.Matched, hit.Distance));
    }

    [Fact]
    public async Task A_cluster_that_answers_an_error_surfaces_as_unavailable()
    {
        _node.Answer = _ => FakeElasticsearch.Error(503, "search_phase_execution_exception", "all shards failed");

        var error = await Assert.ThrowsAsync<ElasticsearchUnavailableException>(() => Search().SearchAsync(new ContentQuery(Text: "x", Now: Now), CancellationToken.None));

        Assert.Contains("HTTP 503", error.Message);
        Assert.Contains("search_phase_execution_exception", error.Message);
    }

    // The client writes a one-element list of queries as the query itself, which Elasticsearch takes too.
    private static JsonNode[] Many(JsonNode? node) => node switch
    {
        JsonArray array => [.. array.Select(n => n!)],
        null => [],
        _ => [node],
    };

    private static string Flip(string hex, int bits)
    {
        var bytes = Convert.FromHexString(hex);
        for (var bit = 0; bit < bits; bit++)
            bytes[bit * 5 % bytes.Length] ^= (byte)(1 << (bit % 8));
        return Convert.ToHexStringLower(bytes);
    }
}
