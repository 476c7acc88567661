extern alias reporting;

using System.Net.Http.Json;
using System.Text.Json;
using reporting::Takedown.Reporting.Cases;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Takedown.Testing;
using Takedown.Tests.Cases;

namespace Takedown.Tests.Search;

/// <summary>
/// The indexer as the Reporting host runs it (real PostgreSQL and RabbitMQ, the Marten daemon) against a loopback
/// Elasticsearch: set-up at start, what each case's events send, failures kept and shown, a node that is away.
/// </summary>
public sealed class ElasticsearchSubscriptionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private FakeElasticsearch _node = null!;
    private ReportingHost _host = null!;
    private readonly ManualTimeProvider _time = new(Now);

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        _node = await FakeElasticsearch.StartAsync();
        _host = await ReportingHost.StartAsync(_db, _vhost, _time, host =>
        {
            host.UseSetting("Search:Elasticsearch:Url", _node.Url.ToString());
            host.UseSetting("Search:Elasticsearch:RetryDelay", "00:00:00.050");
            host.UseSetting("Search:Elasticsearch:MaxRetryDelay", "00:00:00.200");
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _node.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Start_up_puts_both_templates_and_creates_the_first_index_behind_the_alias()
    {
        await Eventually.UntilAsync(() => Task.FromResult(_node.Requests.Any(r => r.Method == "PUT" && r.Path.StartsWith("/takedown-content-"))), done => done, what: "the first index");

        var templates = _node.Requests.Where(r => r.Path.StartsWith("/_index_template/")).ToArray();
        Assert.Equal(["/_index_template/takedown-case-events", "/_index_template/takedown-content"], templates.Select(t => t.Path).Order());
        Assert.Equal(File.ReadAllText(TemplatePath("takedown-content.json")), templates.Single(t => t.Path.EndsWith("/takedown-content")).Body);
        var create = _node.Requests.Single(r => r.Method == "PUT" && r.Path.StartsWith("/takedown-content-"));
        Assert.Matches(@"^/takedown-content-\d{14}$", create.Path);
        Assert.True(JsonDocument.Parse(create.Body).RootElement.GetProperty("aliases").TryGetProperty("takedown-content", out _));
    }

    [Fact]
    public async Task A_case_is_indexed_at_its_stream_version_with_one_timeline_document_per_event()
    {
        var contentId = await Seed.CaseAsync(_host, Now, TimeSpan.FromHours(24), noticeSentAt: Now.AddMinutes(-10));

        await IndexedAsync(contentId, version: 3);
        // A page indexes each case it touches at the case's current version, which may be ahead of the page's own
        // events: the timeline documents of the later events come with the next page.
        var lines = await Eventually.UntilAsync(() => Task.FromResult(Lines(0)),
            all => all.Count(l => l.Operation == "create" && ((string)l.Meta["_id"]!).StartsWith(contentId.ToString())) >= 3, what: "the case's three timeline documents");

        var content = lines.Last(l => l.Meta["_id"]?.ToString() == contentId.ToString() && l.Operation == "index");
        Assert.Equal("external", (string)content.Meta["version_type"]!);
        Assert.Equal("open", (string)content.Source!["status"]!);
        Assert.Equal("terrorist-propaganda", (string)content.Source["category"]!);
        Assert.Equal("telegram", (string)content.Source["platform"]!);
        Assert.Equal(["tech-for-peace"], content.Source["reporter_organisations"]!.AsArray().Select(o => (string)o!));
        var timeline = lines.Where(l => l.Operation == "create").Select(l => (Id: (string)l.Meta["_id"]!, Type: (string)l.Source!["event_type"]!)).ToArray();
        Assert.Equal(
            [($"{contentId}:1", "content-reported"), ($"{contentId}:2", "content-classified"), ($"{contentId}:3", "notice-sent")],
            timeline.Where(t => t.Id.StartsWith(contentId.ToString())).OrderBy(t => t.Id));
    }

    [Fact]
    public async Task An_item_refused_for_good_is_recorded_and_shown_to_admins_and_indexing_goes_on()
    {
        var refused = Guid.NewGuid();
        _node.BulkItem = (operation, _, id, _) => operation == "index" && id == refused.ToString()
            ? (400, "document_parsing_exception", "[1:98] failed to parse field [views] of type [long] in document with id '" + id + "'")
            : null;
        await _host.HandleAsync(new RecordReport(Seed.Report(refused, Now.AddMinutes(-5)), Now));
        var next = await Seed.CaseAsync(_host, Now, TimeSpan.FromHours(24), noticeSentAt: null);
        await IndexedAsync(next, version: 2);

        // The failure is stored with the page's progress, which commits after the node answered the bulk.
        var failures = await Eventually.UntilAsync(async () => (await AdminAsync()).GetProperty("failures"),
            f => f.GetProperty("total").GetInt64() > 0, what: "the refused item recorded");
        Assert.Equal(1, failures.GetProperty("total").GetInt64());
        var failure = failures.GetProperty("latest")[0];
        Assert.Equal(refused.ToString(), failure.GetProperty("documentId").GetString());
        Assert.Equal(1, failure.GetProperty("version").GetInt64());
        Assert.Equal(400, failure.GetProperty("status").GetInt32());
        Assert.Equal("document_parsing_exception", failure.GetProperty("errorType").GetString());
    }

    [Fact]
    public async Task While_Elasticsearch_is_away_the_page_is_not_committed_readiness_says_degraded_and_nothing_is_lost()
    {
        await Eventually.UntilAsync(async () => (await AdminAsync()).GetProperty("ready").GetBoolean(), ready => ready, what: "set-up");
        var away = true;
        _node.Answer = request => away && request.Path == "/_bulk" ? FakeElasticsearch.Error(503, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered]") : null;

        var contentId = await Seed.CaseAsync(_host, Now, TimeSpan.FromHours(24), noticeSentAt: null);
        await Eventually.UntilAsync(() => Task.FromResult(_node.Bulks.Count()), n => n >= 3, what: "refused bulks");

        var ready = await _host.Client.GetAsync("/health/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        var check = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("elasticsearch");
        Assert.Equal("Degraded", check.GetProperty("status").GetString());
        Assert.Contains("HTTP 503", check.GetProperty("description").GetString());
        var stalled = (await AdminAsync()).GetProperty("subscription");
        Assert.True(stalled.GetProperty("eventsBehind").GetInt64() >= 2, stalled.ToString());
        await Eventually.UntilAsync(SummaryAsync(contentId), summary => summary is not null, what: "the case list, an async projection, running on");

        var refusedBulks = _node.Bulks.Count();
        away = false;
        await IndexedAsync(contentId, version: 2, afterBulks: refusedBulks);
        var caughtUp = await Eventually.UntilAsync(async () => (await AdminAsync()).GetProperty("subscription"), s => s.GetProperty("eventsBehind").GetInt64() == 0, what: "the subscription caught up");
        Assert.True(caughtUp.GetProperty("sequence").GetInt64() > stalled.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task A_reindex_writes_every_case_into_a_new_index_then_switches_the_alias_and_drops_the_old_index()
    {
        var contentId = await Seed.CaseAsync(_host, Now, TimeSpan.FromHours(24), noticeSentAt: Now.AddMinutes(-10));
        await IndexedAsync(contentId, version: 3);
        var first = _node.Requests.Single(r => r.Method == "PUT" && r.Path.StartsWith("/takedown-content-")).Path.TrimStart('/');
        _time.Advance(TimeSpan.FromSeconds(1));         // the new index is named for its creation time
        var before = _node.Requests.Count;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/search/reindex");
        request.Headers.Add("X-Api-Key", ReportingHost.AdminKey);
        using var response = await _host.Client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        var index = result.GetProperty("index").GetString()!;
        Assert.NotEqual(first, index);
        Assert.Equal([first], result.GetProperty("removed").EnumerateArray().Select(r => r.GetString()!));
        Assert.Equal((1, 1, 0), (result.GetProperty("cases").GetInt32(), result.GetProperty("written").GetInt32(), result.GetProperty("failures").GetInt32()));
        var sent = _node.Requests.Skip(before).ToArray();
        // In this order: the new index without the alias, the case into it at its version, the alias moved in one request,
        // the old index dropped.
        var create = Array.FindIndex(sent, r => r.Method == "PUT" && r.Path == "/" + index);
        var bulk = Array.FindIndex(sent, r => r.Path == "/_bulk" && r.Body.Contains($"\"_index\":\"{index}\""));
        var swap = Array.FindIndex(sent, r => r.Method == "POST" && r.Path == "/_aliases");
        var drop = Array.FindIndex(sent, r => r.Method == "DELETE" && r.Path == "/" + first);
        Assert.True(create >= 0 && create < bulk && bulk < swap && swap < drop, string.Join("\n", sent.Select(r => $"{r.Method} {r.Path}")));
        Assert.False(JsonDocument.Parse(sent[create].Body.Length == 0 ? "{}" : sent[create].Body).RootElement.TryGetProperty("aliases", out _));
        var written = sent[bulk].Lines;
        Assert.Equal((contentId.ToString(), 3L, "external"),
            ((string)written[0]["index"]!["_id"]!, (long)written[0]["index"]!["version"]!, (string)written[0]["index"]!["version_type"]!));
        var actions = JsonDocument.Parse(sent[swap].Body).RootElement.GetProperty("actions").EnumerateArray().ToArray();
        Assert.Equal((first, "takedown-content"), (actions[0].GetProperty("remove").GetProperty("index").GetString(), actions[0].GetProperty("remove").GetProperty("alias").GetString()));
        Assert.Equal((index, "takedown-content"), (actions[1].GetProperty("add").GetProperty("index").GetString(), actions[1].GetProperty("add").GetProperty("alias").GetString()));
    }

    private sealed record BulkLine(string Operation, JsonObjectWrapper Meta, System.Text.Json.Nodes.JsonObject? Source);

    private sealed class JsonObjectWrapper(System.Text.Json.Nodes.JsonObject node)
    {
        public System.Text.Json.Nodes.JsonNode? this[string key] => node[key];
    }

    /// <summary>Every bulk line pair accepted so far, once the case's content document at <paramref name="version"/> has been.</summary>
    private async Task<IReadOnlyList<BulkLine>> IndexedAsync(Guid contentId, long version, int afterBulks = 0) =>
        await Eventually.UntilAsync(
            () => Task.FromResult(Lines(afterBulks)),
            lines => lines.Any(l => l.Operation == "index" && l.Meta["_id"]?.ToString() == contentId.ToString() && (long)l.Meta["version"]! == version),
            timeout: TimeSpan.FromSeconds(60), what: $"case {contentId} indexed at version {version}");

    private IReadOnlyList<BulkLine> Lines(int afterBulks)
    {
        var result = new List<BulkLine>();
        foreach (var bulk in _node.Bulks.Skip(afterBulks))
        {
            var lines = bulk.Lines;
            for (var i = 0; i + 1 < lines.Count; i += 2)
            {
                var (operation, meta) = (lines[i].First().Key, lines[i].First().Value!.AsObject());
                result.Add(new BulkLine(operation, new JsonObjectWrapper(meta), lines[i + 1]));
            }
        }
        return result;
    }

    private Func<Task<CaseSummary?>> SummaryAsync(Guid contentId) => async () =>
    {
        await using var session = _host.Store.Query();
        return await session.LoadAsync<CaseSummary>(TakedownCase.StreamId(contentId));
    };

    private async Task<JsonElement> AdminAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/admin/search");
        request.Headers.Add("X-Api-Key", ReportingHost.AdminKey);
        using var response = await _host.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string TemplatePath(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Takedown.sln")))
            dir = dir.Parent;
        return Path.Combine(dir!.FullName, "shared", "Takedown.Search", "Templates", file);
    }
}
