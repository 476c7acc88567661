extern alias reporting;

using Elastic.Clients.Elasticsearch;
using Microsoft.Extensions.Logging.Abstractions;
using reporting::Takedown.Reporting.Search.Elasticsearch;
using Takedown.Search;
using Takedown.Search.Elasticsearch;

namespace Takedown.Tests.Search;

/// <summary>
/// The backend behaviour tests that PostgreSQL passes, against a real Elasticsearch 9.x node at
/// <c>TAKEDOWN_TEST_ELASTICSEARCH</c>, in an alias and indexes of this class's own; skipped with the reason elsewhere.
/// </summary>
[RequiresElasticsearch]
public sealed class ElasticsearchContentSearchBehaviourTests : ContentSearchBehaviour, IAsyncLifetime
{
    private readonly ElasticsearchSettings _settings = new()
    {
        Url = ElasticsearchFactAttribute.Node ?? new Uri("http://127.0.0.1:9"),
        Username = Environment.GetEnvironmentVariable("TAKEDOWN_TEST_ELASTICSEARCH_USER"),
        Password = Environment.GetEnvironmentVariable("TAKEDOWN_TEST_ELASTICSEARCH_PASSWORD"),
        ContentAlias = $"takedown-content-behaviour{Guid.NewGuid():N}"[..45],
        CaseEventsDataStream = $"takedown-case-events-behaviour{Guid.NewGuid():N}"[..49],
    };

    private static int s_indexes;
    private ElasticsearchClient? _client;
    private ElasticsearchIndexes? _indexes;

    protected override IContentSearch Search => new ElasticsearchContentSearch(Client, _settings);

    private ElasticsearchClient Client => _client ??= _settings.CreateClient();

    private ElasticsearchIndexes Indexes => _indexes ??= new ElasticsearchIndexes(Client, _settings);

    public Task InitializeAsync() => Indexes.PutTemplatesAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        foreach (var index in await Indexes.AliasedIndexesAsync(CancellationToken.None))
            await Indexes.DeleteIndexAsync(index, CancellationToken.None);
    }

    /// <summary>
    /// A fresh index each time, never a delete of the documents: Elasticsearch remembers a deleted document's external
    /// version for a while and would refuse the same version written again.
    /// </summary>
    protected override async Task IndexAsync(IReadOnlyList<ContentDocument> documents)
    {
        foreach (var index in await Indexes.AliasedIndexesAsync(CancellationToken.None))
            await Indexes.DeleteIndexAsync(index, CancellationToken.None);
        var created = DateTimeOffset.UtcNow.AddSeconds(Interlocked.Increment(ref s_indexes));   // one second apart: names stay unique
        await Indexes.CreateIndexAsync(Indexes.NewContentIndexName(created), withAlias: true, CancellationToken.None);
        var writer = new SearchIndexWriter(Client, _settings, new ElasticsearchStatus(TimeProvider.System), TimeProvider.System, NullLogger<SearchIndexWriter>.Instance);
        var outcome = await writer.WriteAsync(documents, [], CancellationToken.None);
        Assert.Empty(outcome.Failures);
        await Client.Indices.RefreshAsync(_settings.ContentAlias);
    }
}
