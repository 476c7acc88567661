using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Takedown.EventStore;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Benchmarks.Append;

/// <summary>
/// The stream a writer appends to in its turn, and the version that writer last appended. Once the next append would take
/// it past the run's stream length, the writer moves on to a fresh stream: the write path reads and folds the whole stream
/// on every append, so streams that grew for the length of the run would measure the run's length, not the store.
/// </summary>
public sealed class StreamCursor(string prefix)
{
    private int _generation;

    public string Id { get; private set; } = prefix + "-0";

    public long Version { get; set; }

    public void EnsureRoomFor(int count, int streamLength)
    {
        if (Version == 0 || Version + count <= streamLength)
            return;
        Id = $"{prefix}-{++_generation}";
        Version = 0;
    }
}

/// <summary>One way of committing <c>count</c> events to a stream in one transaction.</summary>
public abstract class Appender
{
    public abstract Task AppendAsync(StreamCursor stream, int count, CancellationToken ct);

    protected static readonly EventContext Context = EventContext.ForSystem("benchmark");
}

/// <summary>
/// The real thing, as every endpoint and consumer writes: Begin, DecideAsync at the writer's exact expected version
/// (Marten fetches and folds the stream, and checks the version again at commit), CommitAsync.
/// </summary>
public sealed class EventStoreAppender(Store store) : Appender
{
    public override async Task AppendAsync(StreamCursor stream, int count, CancellationToken ct)
    {
        await using var session = store.Begin(Context);
        await session.DecideAsync(Basket.Aggregate, stream.Id, stream.Version, state => Basket.Decide(count, state), ct);
        await session.CommitAsync(ct);
    }
}

/// <summary>
/// <c>--explain</c>: the same unit of work without the write path's fetch: Marten's append with no stream read, no fold
/// and no version check, so the difference to <see cref="EventStoreAppender"/> is what <c>FetchForWriting</c> costs.
/// </summary>
public sealed class AppendOnlyAppender(Store store) : Appender
{
    public override async Task AppendAsync(StreamCursor stream, int count, CancellationToken ct)
    {
        await using var session = store.Begin(Context);
        session.Documents.Events.Append(stream.Id, Basket.Decide(count, new Basket(0, (int)stream.Version, null)).Cast<object>().ToArray());
        await session.CommitAsync(ct);
    }
}

/// <summary>
/// The baseline: the rows the store writes to <c>mt_events</c> (same columns, values and JSON), written with plain Npgsql
/// as one INSERT per event in one batch and one transaction per append, into <c>baseline_events</c>, a copy of
/// <c>mt_events</c> with its indexes but without the foreign key to <c>mt_streams</c> and the chain trigger. The hash
/// header is a constant; no stream row is read or written.
/// </summary>
public sealed class SqlAppender(NpgsqlDataSource dataSource, string schema) : Appender
{
    /// <summary>Marten's seq_id comes from its sequence in the append function; here an identity stands in for it.</summary>
    public static string CreateTable(string schema) =>
        $"""
        CREATE TABLE {schema}.baseline_events (LIKE {schema}.mt_events INCLUDING ALL);
        ALTER TABLE {schema}.baseline_events ALTER COLUMN seq_id ADD GENERATED ALWAYS AS IDENTITY;
        """;

    private static readonly string DotNetType = $"{typeof(ItemAdded).FullName}, {typeof(ItemAdded).Assembly.GetName().Name}";

    private static readonly string Headers = JsonSerializer.Serialize(new Dictionary<string, string>
    {
        [EventHeaders.ActorKey] = Context.Actor,
        [EventChain.HeaderName] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("baseline"u8)),
    });

    private readonly string _insert =
        $"""
        INSERT INTO {schema}.baseline_events
            (id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, causation_id, correlation_id, headers)
        VALUES ($1, $2, $3, $4, 'item-added', '*DEFAULT*', $5, $6, FALSE, $7, $8, $9)
        """;

    public override async Task AppendAsync(StreamCursor stream, int count, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        var events = Basket.Decide(count, new Basket(0, (int)stream.Version, null));
        for (var i = 0; i < count; i++)
        {
            var command = new NpgsqlBatchCommand(_insert);
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7(now) });
            command.Parameters.Add(new NpgsqlParameter { Value = stream.Id });
            command.Parameters.Add(new NpgsqlParameter { Value = stream.Version + i + 1 });
            command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(events[i], EventStoreOptions.Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            command.Parameters.Add(new NpgsqlParameter { Value = DotNetType });
            command.Parameters.Add(new NpgsqlParameter { Value = Context.CausationId.ToString() });
            command.Parameters.Add(new NpgsqlParameter { Value = Context.CorrelationId.ToString() });
            command.Parameters.Add(new NpgsqlParameter { Value = Headers, NpgsqlDbType = NpgsqlDbType.Jsonb });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }
}
