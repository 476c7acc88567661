extern alias reporting;

using Marten;
using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Search;
using Takedown.Search;
using Takedown.Testing;
using Weasel.Core;

namespace Takedown.Tests.Search;

/// <summary>One database for the class, with Reporting's search table migrated as the service migrates it.</summary>
public sealed class SearchDatabase : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public DocumentStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        Store = DocumentStore.For(options =>
        {
            options.Connection(_db.ConnectionString);
            Takedown.EventStore.ServiceCollectionExtensions.Configure(options, "reporting");
            SearchDocuments.Register(options);
        });
        await Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        Store.Dispose();
        await _db.DisposeAsync();
    }
}

/// <summary>The embedded search against real PostgreSQL: its <c>arabic</c> and <c>english</c> configurations, bit_count, GIN overlaps.</summary>
public sealed class PostgresContentSearchTests(SearchDatabase database) : ContentSearchBehaviour, IClassFixture<SearchDatabase>
{
    protected override IContentSearch Search { get; } = new PostgresContentSearch(database.Store);

    protected override async Task IndexAsync(IReadOnlyList<ContentDocument> documents)
    {
        await database.Store.Advanced.Clean.DeleteDocumentsByTypeAsync(typeof(SearchEntry));
        await using var session = database.Store.LightweightSession();
        // The search reads only the document; the fold's state matters to the projection, which these tests bypass.
        foreach (var document in documents)
        {
            var id = TakedownCase.StreamId(document.ContentId);
            session.Store(new SearchEntry(id, SearchableContent.Initial(id), document));
        }
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task Matches_far_apart_come_back_as_separate_fragments()
    {
        var filler = string.Join(' ', Enumerable.Repeat("and then nothing happened", 15));
        await IndexAsync([Doc($"The fighters gathered at dawn. {filler} Later the fighters left the town.")]);

        var hit = Assert.Single((await Search.SearchAsync(new ContentQuery(Text: "fighters", Now: Now), default)).Items);

        Assert.Equal(2, hit.Highlights.Count);
        Assert.All(hit.Highlights, h => Assert.Contains("<em>fighters</em>", h, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restart_finds_nothing_to_migrate_so_the_full_text_indexes_are_not_rebuilt_at_every_start()
    {
        var migration = await database.Store.Storage.Database.CreateMigrationAsync();

        Assert.Equal(SchemaPatchDifference.None, migration.Difference);
    }
}
