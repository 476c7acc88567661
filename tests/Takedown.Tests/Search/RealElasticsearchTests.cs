extern alias reporting;

using Elastic.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using reporting::Takedown.Reporting.Search.Elasticsearch;
using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Tests.Search;

/// <summary>
/// Runs only where <c>TAKEDOWN_TEST_ELASTICSEARCH</c> points to a 9.x node (docs/search.md says how to start one);
/// elsewhere it is reported as skipped, with this reason, never as passed.
/// </summary>
public sealed class ElasticsearchFactAttribute : FactAttribute
{
    public const string Variable = "TAKEDOWN_TEST_ELASTICSEARCH";

    public static Uri? Node => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? new Uri(url) : null;

    public const string NoNode = $"No Elasticsearch node: set {Variable} (e.g. http://localhost:9200) to run the real-node suite.";

    public ElasticsearchFactAttribute()
    {
        if (Node is null)
            Skip = NoNode;
    }
}

/// <summary>Indexing and search end to end against a real Elasticsearch 9.x node, in indexes of this test's own.</summary>
public sealed class RealElasticsearchTests : IAsyncLifetime
{
    private readonly ElasticsearchSettings _settings = new()
    {
        Url = ElasticsearchFactAttribute.Node ?? new Uri("http://127.0.0.1:9"),
        Username = Environment.GetEnvironmentVariable("TAKEDOWN_TEST_ELASTICSEARCH_USER"),
        Password = Environment.GetEnvironmentVariable("TAKEDOWN_TEST_ELASTICSEARCH_PASSWORD"),
        ContentAlias = $"takedown-content-test{Guid.NewGuid():N}"[..40],
        CaseEventsDataStream = $"takedown-case-events-test{Guid.NewGuid():N}"[..44],
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (ElasticsearchFactAttribute.Node is null)
            return;
        var client = _settings.CreateClient();
        await client.Transport.RequestAsync<StringResponse>(Elastic.Transport.HttpMethod.DELETE, $"/{_settings.ContentAlias}-*", PostData.Empty, CancellationToken.None);
        await client.Transport.RequestAsync<StringResponse>(Elastic.Transport.HttpMethod.DELETE, $"/_data_stream/{_settings.CaseEventsDataStream}", PostData.Empty, CancellationToken.None);
    }

    [ElasticsearchFact]
    public async Task Indexed_content_is_found_across_arabic_spellings_and_by_pdq_and_a_late_write_never_overwrites_newer_state()
    {
        var client = _settings.CreateClient();
        var indexes = new ElasticsearchIndexes(client, _settings);
        await indexes.PutTemplatesAsync(CancellationToken.None);
        await indexes.EnsureContentIndexAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        var writer = new SearchIndexWriter(client, _settings, new ElasticsearchStatus(TimeProvider.System), TimeProvider.System, NullLogger<SearchIndexWriter>.Instance);
        var contentId = Guid.NewGuid();
        var current = SearchSamples.Content(contentId, version: 5, text: "نشر الجماعة مقطعاً دعائيّاً للمدينة");
        var stale = current with { Version = 3, Status = "open" };

        var first = await writer.WriteAsync([current], [SearchSamples.CaseEvent(contentId, 5, "removal-confirmed")], CancellationToken.None);
        var late = await writer.WriteAsync([stale], [SearchSamples.CaseEvent(contentId, 5, "removal-confirmed")], CancellationToken.None);
        await client.Indices.RefreshAsync(_settings.ContentAlias);

        Assert.Equal(new BulkOutcome(2, 0, []), first with { Failures = [] });
        Assert.Equal(new BulkOutcome(0, 2, []), late with { Failures = [] });
        var search = new ElasticsearchContentSearch(client, _settings);
        // Hamza, teh marbuta and tatweel spelled differently from the document.
        var page = await search.SearchAsync(new ContentQuery(Text: "الجماعه مقطعا دعائيا للمديـنة", Now: DateTimeOffset.UtcNow), CancellationToken.None);
        var hit = Assert.Single(page.Items);
        Assert.Equal(5, hit.Document.Version);
        Assert.Equal("removed", hit.Document.Status);
        Assert.NotEmpty(hit.Highlights);
        var similar = await search.SimilarAsync(new SimilarQuery([SearchSamples.Pdq], null), CancellationToken.None);
        Assert.Equal((contentId, 0), (Assert.Single(similar).Document.ContentId, similar[0].Distance));
        var scoped = await search.SearchAsync(new ContentQuery(Text: "دعائيا", Organisations: ["another-organisation"], Now: DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Empty(scoped.Items);
    }
}
