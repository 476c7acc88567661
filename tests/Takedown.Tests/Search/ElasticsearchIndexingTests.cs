extern alias reporting;

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using reporting::Takedown.Reporting.Search.Elasticsearch;
using Takedown.Search;
using Takedown.Search.Elasticsearch;
using Takedown.Testing;

namespace Takedown.Tests.Search;

/// <summary>
/// The bulk writer against the official client over real HTTP, answered with Elastic's example shapes: what it sends
/// (index, id, external version, snake_case body) and what it does with each answer.
/// </summary>
public sealed class ElasticsearchIndexingTests : IAsyncLifetime
{
    private FakeElasticsearch _node = null!;
    private readonly ElasticsearchStatus _status = new(TimeProvider.System);

    public async Task InitializeAsync() => _node = await FakeElasticsearch.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private SearchIndexWriter Writer(Uri? url = null)
    {
        var settings = new ElasticsearchSettings { Url = url ?? _node.Url, RetryDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromMilliseconds(100) };
        return new SearchIndexWriter(settings.CreateClient(), settings, _status, TimeProvider.System, NullLogger<SearchIndexWriter>.Instance);
    }

    [Fact]
    public async Task Content_goes_through_the_alias_with_the_stream_version_as_external_version_and_timeline_events_as_creates()
    {
        var document = SearchSamples.Content(Guid.NewGuid(), version: 3);
        var timeline = SearchSamples.CaseEvent(document.ContentId, version: 3, "removal-confirmed");

        var outcome = await Writer().WriteAsync([document], [timeline], CancellationToken.None);

        Assert.Equal(new BulkOutcome(2, 0, []), outcome with { Failures = [] });
        Assert.Empty(outcome.Failures);
        var bulk = Assert.Single(_node.Bulks);
        var lines = bulk.Lines;
        Assert.Equal(4, lines.Count);
        var index = lines[0]["index"]!;
        Assert.Equal("takedown-content", (string)index["_index"]!);
        Assert.Equal(document.Id, (string)index["_id"]!);
        Assert.Equal(3, (long)index["version"]!);
        Assert.Equal("external", (string)index["version_type"]!);
        Assert.True((bool)index["require_alias"]!);
        Assert.Equal(document.ContentId.ToString(), (string)lines[1]["content_id"]!);
        Assert.Equal("مقطع دعائي", (string)lines[1]["text"]!);
        Assert.Equal(document.PdqVector, (string)lines[1]["pdq_vector"]!);
        Assert.Equal(2.5, (double)lines[1]["time_to_removal_hours"]!);
        var create = lines[2]["create"]!;
        Assert.Equal("takedown-case-events", (string)create["_index"]!);
        Assert.Equal($"{document.ContentId}:3", (string)create["_id"]!);
        Assert.Null(create["version"]);
        Assert.Equal("2026-03-01T10:00:00+00:00", (string)lines[3]["@timestamp"]!);
        Assert.Equal("removal-confirmed", (string)lines[3]["event_type"]!);
    }

    [Fact]
    public async Task A_version_conflict_from_a_late_write_is_success_and_a_mapping_error_is_reported_as_a_failure()
    {
        var newer = SearchSamples.Content(Guid.NewGuid(), version: 2);
        var broken = SearchSamples.Content(Guid.NewGuid(), version: 5);
        _node.BulkItem = (operation, _, id, _) =>
            id == newer.Id ? (409, "version_conflict_engine_exception", $"[{id}]: version conflict, current version [4] is higher or equal to the one provided [2]")
            : id == broken.Id ? (400, "document_parsing_exception", "[1:142] failed to parse field [views] of type [long] in document")
            : null;

        var outcome = await Writer().WriteAsync([newer, broken], [], CancellationToken.None);

        Assert.Equal(0, outcome.Written);
        Assert.Equal(1, outcome.AlreadyNewer);
        Assert.Equal(
            [new IndexItemFailure("content", broken.Id, broken.ContentId, 5, 400, "document_parsing_exception", "[1:142] failed to parse field [views] of type [long] in document")],
            outcome.Failures);
        Assert.Single(_node.Bulks); // neither is retried
    }

    [Fact]
    public async Task Too_many_requests_is_retried_with_the_same_items_until_the_node_takes_them()
    {
        var document = SearchSamples.Content(Guid.NewGuid(), version: 1);
        var refusals = 2;
        _node.Answer = request => request.Path == "/_bulk" && Interlocked.Decrement(ref refusals) >= 0
            ? FakeElasticsearch.Error(429, "es_rejected_execution_exception", "rejected execution of coordinating operation")
            : null;

        var outcome = await Writer().WriteAsync([document], [], CancellationToken.None);

        Assert.Equal(1, outcome.Written);
        var bulks = _node.Bulks.ToArray();
        Assert.Equal(3, bulks.Length);
        Assert.All(bulks, b => Assert.Equal(bulks[0].Body, b.Body));
        Assert.Null(_status.Current.Problem);
    }

    [Fact]
    public async Task An_item_refused_with_429_is_sent_again_alone()
    {
        var taken = SearchSamples.Content(Guid.NewGuid(), version: 1);
        var refused = SearchSamples.Content(Guid.NewGuid(), version: 7);
        var first = true;
        _node.BulkItem = (_, _, id, _) =>
        {
            if (id != refused.Id || !first) return null;
            first = false;
            return (429, "es_rejected_execution_exception", "rejected execution of primary operation");
        };

        var outcome = await Writer().WriteAsync([taken, refused], [], CancellationToken.None);

        Assert.Equal(new BulkOutcome(2, 0, []), outcome with { Failures = [] });
        var bulks = _node.Bulks.ToArray();
        Assert.Equal(2, bulks.Length);
        Assert.Equal([taken.Id, refused.Id], bulks[0].Lines.Where(l => l.ContainsKey("index")).Select(l => (string)l["index"]!["_id"]!));
        Assert.Equal([refused.Id], bulks[1].Lines.Where(l => l.ContainsKey("index")).Select(l => (string)l["index"]!["_id"]!));
    }

    [Fact]
    public async Task While_the_node_answers_503_the_write_keeps_trying_and_gives_up_only_when_cancelled()
    {
        _node.Answer = request => request.Path == "/_bulk" ? FakeElasticsearch.Error(503, "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered]") : null;
        using var cancel = new CancellationTokenSource();

        var writing = Writer().WriteAsync([SearchSamples.Content(Guid.NewGuid(), version: 1)], [], cancel.Token);
        await Eventually.UntilAsync(() => Task.FromResult(_node.Bulks.Count()), n => n >= 3, what: "three attempts");
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing);
        Assert.Contains("HTTP 503", _status.Current.Problem);
        Assert.Contains("cluster_block_exception", _status.Current.Problem);
    }

    [Fact]
    public async Task A_cluster_that_refuses_connections_is_reported_and_retried()
    {
        using var cancel = new CancellationTokenSource();

        var writing = Writer(ClosedPort()).WriteAsync([SearchSamples.Content(Guid.NewGuid(), version: 1)], [], cancel.Token);
        var problem = await Eventually.UntilAsync(() => Task.FromResult(_status.Current.Problem), p => p is not null, what: "the problem reported");
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writing);
        Assert.Contains("no answer", problem);
        Assert.False(writing.IsCompletedSuccessfully);
    }

    private static Uri ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
