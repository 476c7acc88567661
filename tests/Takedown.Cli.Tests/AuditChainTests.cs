using Takedown.Testing;
using Takedown.EventStore;

namespace Takedown.Cli.Tests;

public sealed class AuditChainTests : IAsyncLifetime
{
    private TestDatabase db = null!;

    public async Task InitializeAsync() => db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await db.DisposeAsync();

    private async Task<List<AuditResult>> VerifySchemaAsync(string schema, int pageSize)
    {
        var results = new List<AuditResult>();
        await foreach (var result in AuditChain.VerifySchemaAsync(db.DataSource, schema, pageSize, CancellationToken.None))
            results.Add(result);
        return results;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(AuditChain.DefaultPageSize)]
    public async Task Lists_every_stream_in_id_order_on_any_page_size(int pageSize)
    {
        await AuditStreams.CreateAsync(db, "paged");

        Assert.Equal(
        [
            new AuditResult("bank-removed", true, 1, null, null),
            new AuditResult("case-a", true, 3, null, null),
            new AuditResult("case-b", true, 2, null, null),
        ], await VerifySchemaAsync("paged", pageSize));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(AuditChain.DefaultPageSize)]
    public async Task Reports_events_without_a_streams_row_and_a_streams_row_without_events(int pageSize)
    {
        await AuditStreams.CreateAsync(db, "orphans");
        await db.ExecuteAsync("""
            ALTER TABLE orphans.mt_events DROP CONSTRAINT fkey_mt_events_stream_id;
            DELETE FROM orphans.mt_streams WHERE id = 'case-a';
            DELETE FROM orphans.mt_events WHERE stream_id = 'case-b';
            """);

        var expected = new[]
        {
            new AuditResult("bank-removed", true, 1, null, null),
            new AuditResult("case-a", false, 3, 1, "3 events exist but the stream has no row in mt_streams"),
            new AuditResult("case-b", false, 0, 1, "stream is at version 2 but only 0 events remain"),
        };
        Assert.Equal(expected, await VerifySchemaAsync("orphans", pageSize));

        // One stream at a time gives the same answers.
        foreach (var result in expected)
            Assert.Equal(result, await AuditChain.VerifyStreamAsync(db.DataSource, "orphans", result.StreamId, CancellationToken.None));
    }

    [Fact]
    public async Task A_streams_row_behind_its_events_is_reported_at_the_first_event_past_the_head()
    {
        await AuditStreams.CreateAsync(db, "behind");
        await db.ExecuteAsync("UPDATE behind.mt_streams SET version = 1 WHERE id = 'case-a'");

        var results = await VerifySchemaAsync("behind", AuditChain.DefaultPageSize);

        Assert.Equal(new AuditResult("case-a", false, 3, 2, "stream is at version 1 but has 3 events"), results[1]);
    }

    [Fact]
    public async Task A_schema_name_that_is_not_a_plain_identifier_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => VerifySchemaAsync("public; DROP TABLE x", 10));
    }
}
