using Takedown.Testing;
namespace Takedown.Cli.Tests;

public sealed class AuditCommandTests : IAsyncLifetime
{
    private const string HashMismatch = "does not match its contents or its predecessor";

    private TestDatabase db = null!;

    public async Task InitializeAsync() => db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await db.DisposeAsync();

    private Task<CliResult> VerifyAsync(string schema) =>
        Cli.RunAsync(["audit", "verify", "--schema", schema, "--postgres", db.ConnectionString]);

    [Fact]
    public async Task An_untouched_schema_exits_0_with_its_stream_and_event_counts()
    {
        await AuditStreams.CreateAsync(db, "intact");

        var result = await VerifyAsync("intact");

        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["intact: 3 streams, 6 events, 0 broken"], result.OutLines);
    }

    [Fact]
    public async Task Editing_an_events_data_exits_4_and_names_the_stream_and_version()
    {
        await AuditStreams.CreateAsync(db, "edited");
        await db.ExecuteAsync("""UPDATE edited.mt_events SET data = '{"name": "rice", "quantity": 9}' WHERE stream_id = 'case-b' AND version = 1""");

        var result = await VerifyAsync("edited");

        Assert.Equal("", result.Error);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal(
        [
            $"BROKEN edited case-b at version 1: hash of version 1 {HashMismatch}",
            "edited: 3 streams, 4 events, 1 broken",
        ], result.OutLines);
    }

    [Theory]
    [InlineData(2, "BROKEN deleted case-a at version 2: event version 2 is missing", 4)]
    [InlineData(3, "BROKEN deleted case-a at version 3: stream is at version 3 but only 2 events remain", 5)]
    public async Task Deleting_an_event_exits_4_and_reports_where_the_chain_stops(int version, string brokenLine, int eventsChecked)
    {
        await AuditStreams.CreateAsync(db, "deleted");
        await db.ExecuteAsync($"DELETE FROM deleted.mt_events WHERE stream_id = 'case-a' AND version = {version}");

        var result = await VerifyAsync("deleted");

        Assert.Equal(4, result.ExitCode);
        Assert.Equal([brokenLine, $"deleted: 3 streams, {eventsChecked} events, 1 broken"], result.OutLines);
    }

    [Fact]
    public async Task An_event_replaced_by_a_rehashed_row_breaks_the_chain_at_the_event_after_it()
    {
        await AuditStreams.CreateAsync(db, "replaced");
        // The trigger hashes the forged row as it would any append, but version 3's hash still chains from the original.
        await db.ExecuteAsync("""
            CREATE TEMP TABLE original AS SELECT * FROM replaced.mt_events WHERE stream_id = 'case-a' AND version = 2;
            DELETE FROM replaced.mt_events WHERE stream_id = 'case-a' AND version = 2;
            UPDATE original SET data = jsonb_set(data, '{quantity}', '20');
            INSERT INTO replaced.mt_events SELECT * FROM original;
            """);

        var result = await VerifyAsync("replaced");

        Assert.Equal(4, result.ExitCode);
        Assert.Equal(
        [
            $"BROKEN replaced case-a at version 3: hash of version 3 {HashMismatch}",
            "replaced: 3 streams, 5 events, 1 broken",
        ], result.OutLines);
    }

    [Fact]
    public async Task Without_schema_every_event_store_schema_is_verified_with_the_connection_from_the_environment()
    {
        await using var own = await TestDatabase.CreateAsync();
        await AuditStreams.CreateAsync(own, "reporting");
        await AuditStreams.CreateAsync(own, "ingest");
        await own.ExecuteAsync("""
            UPDATE reporting.mt_events SET type = 'item-removed' WHERE stream_id = 'bank-removed' AND version = 1;
            CREATE SCHEMA auth;
            CREATE TABLE auth.api_keys (id text);
            CREATE SCHEMA "Legacy";
            CREATE TABLE "Legacy".mt_events (id text);
            """);

        var result = await Cli.RunAsync(["audit", "verify"], new Dictionary<string, string> { ["TAKEDOWN_POSTGRES"] = own.ConnectionString });

        Assert.Equal("", result.Error);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal(
        [
            "ingest: 3 streams, 6 events, 0 broken",
            $"BROKEN reporting bank-removed at version 1: hash of version 1 {HashMismatch}",
            "reporting: 3 streams, 5 events, 1 broken",
        ], result.OutLines);
    }

    [Fact]
    public async Task An_unreachable_database_exits_3_and_names_the_server_but_not_the_password()
    {
        var result = await Cli.RunAsync(
            ["audit", "verify", "--postgres", "Host=127.0.0.1;Port=1;Database=takedown;Username=takedown;Password=s3cret-pw"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        var message = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: cannot reach PostgreSQL at 127.0.0.1:1/takedown: ", message);
        Assert.EndsWith("The connection string comes from --postgres or TAKEDOWN_POSTGRES.", message);
        Assert.DoesNotContain("s3cret-pw", message);
    }

    [Theory]
    [InlineData("Reporting")]
    [InlineData("reporting; DROP TABLE reporting.mt_events")]
    public async Task A_schema_name_that_is_not_a_plain_identifier_exits_2_before_connecting(string schema)
    {
        // Port 1 refuses connections: had the command connected, it would exit 3.
        var result = await Cli.RunAsync(
            ["audit", "verify", "--schema", schema, "--postgres", "Host=127.0.0.1;Port=1;Database=takedown;Username=takedown"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal([$"error: --schema '{schema}' is not a plain lower-case PostgreSQL identifier."], result.ErrorLines);
    }

    [Fact]
    public async Task A_schema_without_an_mt_events_table_exits_2()
    {
        var result = await VerifyAsync("nosuch");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal([$"error: schema 'nosuch' has no mt_events table in localhost:5432/{db.Name}."], result.ErrorLines);
    }

    [Fact]
    public async Task A_stream_id_with_a_line_break_cannot_forge_an_output_line()
    {
        await AuditStreams.CreateAsync(db, "forged");
        await db.ExecuteAsync("""
            ALTER TABLE forged.mt_events DROP CONSTRAINT fkey_mt_events_stream_id;
            UPDATE forged.mt_events SET stream_id = E'case-b\nforged: 0 streams' WHERE stream_id = 'case-b';
            """);

        var result = await VerifyAsync("forged");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains(@"BROKEN forged case-b\u000aforged: 0 streams at version 1: hash of version 1 " + HashMismatch, result.OutLines);
        Assert.Equal("forged: 4 streams, 4 events, 2 broken", result.OutLines[^1]);
    }
}
