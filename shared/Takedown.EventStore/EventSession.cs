using System.Text.Json;
using Marten;
using Marten.Exceptions;
using Npgsql;

namespace Takedown.EventStore;

/// <summary>
/// One unit of work on Marten: the inbox entry, the appended events (hash-chained by the database), inline projections,
/// documents and the staged integration messages are saved by one <see cref="CommitAsync"/> in one transaction, or not
/// at all. A message is relayed only after its events are durable.
/// </summary>
public sealed class EventSession : IAsyncDisposable
{
    private readonly EventStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly OutboxSignal _outboxSignal;
    private bool _stagedMessages;
    private string? _inboxKey;
    private List<Action>? _afterCommit;

    internal EventSession(IDocumentSession documents, EventStoreOptions options, EventContext context, TimeProvider time, OutboxSignal outboxSignal)
    {
        Documents = documents;
        _options = options;
        Context = context;
        _time = time;
        _outboxSignal = outboxSignal;
        documents.CorrelationId = context.CorrelationId.ToString();
        documents.CausationId = context.CausationId.ToString();
        documents.SetHeader(EventHeaders.ActorKey, context.Actor);
        if (context.TraceParent is not null)
            documents.SetHeader(EventHeaders.TraceParentKey, context.TraceParent);
    }

    /// <summary>The Marten session, for documents an inline read model stores with the events.</summary>
    public IDocumentSession Documents { get; }

    public EventContext Context { get; }

    public string Schema => _options.Schema;

    /// <summary>
    /// Records that <paramref name="consumer"/> handles <paramref name="messageId"/> in this unit of work. False when it
    /// already did: the caller acknowledges the redelivery and changes nothing. A duplicate that races this one past
    /// the check fails on the inbox's primary key at commit, as <see cref="DuplicateDeliveryException"/>.
    /// </summary>
    public async Task<bool> TryRecordInboxAsync(string consumer, Guid messageId, CancellationToken ct)
    {
        var handled = await Documents.QueryAsync<int>(
            $"SELECT 1 FROM {Schema}.inbox WHERE consumer = ? AND message_id = ?", ct, consumer, messageId);
        if (handled.Count > 0)
            return false;
        Documents.QueueSqlCommand($"INSERT INTO {Schema}.inbox (consumer, message_id, processed_at) VALUES (?, ?, ?)",
            consumer, messageId, _time.GetUtcNow());
        _inboxKey = $"{consumer}:{messageId}";
        return true;
    }

    /// <summary>
    /// The write path: fetches <paramref name="streamId"/> for writing (at <paramref name="expectedVersion"/> when the
    /// caller saw one, e.g. HTTP If-Match), folds it with the decider, runs <paramref name="decide"/>, and appends what it
    /// decided. Marten checks the stream's version again when the unit of work commits, so a writer that raced this one
    /// makes the commit fail rather than fork the stream.
    /// </summary>
    public async Task<Decided<TState, TEvent>> DecideAsync<TState, TEvent>(
        StreamAggregate<TState, TEvent> aggregate, string streamId, long? expectedVersion, Func<TState, IReadOnlyList<TEvent>> decide, CancellationToken ct)
        where TEvent : notnull
    {
        var stream = expectedVersion is { } expected
            ? await Documents.Events.FetchForWriting<Folded<TState>>(streamId, expected, ct)
            : await Documents.Events.FetchForWriting<Folded<TState>>(streamId, ct);
        return Decide(aggregate, streamId, stream, decide);
    }

    /// <summary>
    /// The write path for many streams in one unit of work, as <see cref="DecideAsync{TState,TEvent}"/> does for one: every
    /// stream fetched for writing in one round trip, each decided by <paramref name="decide"/> (given its index in
    /// <paramref name="streamIds"/>), each checked again at commit. Stream ids must be distinct.
    /// </summary>
    public async Task<IReadOnlyList<Decided<TState, TEvent>>> DecideManyAsync<TState, TEvent>(
        StreamAggregate<TState, TEvent> aggregate, IReadOnlyList<string> streamIds, Func<int, TState, IReadOnlyList<TEvent>> decide, CancellationToken ct)
        where TEvent : notnull
    {
        var streams = await Documents.Events.FetchManyForWriting<Folded<TState>>(streamIds, ct);
        return [.. streams.Select((stream, i) => Decide(aggregate, streamIds[i], stream, state => decide(i, state)))];
    }

    private static Decided<TState, TEvent> Decide<TState, TEvent>(
        StreamAggregate<TState, TEvent> aggregate, string streamId, JasperFx.Events.IEventStream<Folded<TState>> stream, Func<TState, IReadOnlyList<TEvent>> decide)
        where TEvent : notnull
    {
        var state = stream.Aggregate is { } folded ? folded.State : aggregate.Initial(streamId);
        var version = stream.CurrentVersion ?? 0;
        var events = decide(state);
        if (events.Count == 0)
            return new Decided<TState, TEvent>(state, version, version, events);
        stream.AppendMany(events.Cast<object>().ToArray());
        return new Decided<TState, TEvent>(events.Aggregate(state, aggregate.Evolve), version + events.Count, version, events);
    }

    /// <summary>
    /// Stages an integration message in the outbox, in this unit of work. The relay publishes it after commit, with the
    /// returned id as MassTransit's MessageId so that consumers' inboxes drop any republish.
    /// </summary>
    public Guid Stage<TMessage>(TMessage message) where TMessage : class
    {
        var messageId = Guid.CreateVersion7(_time.GetUtcNow());
        Documents.QueueSqlCommand(
            $"""
            INSERT INTO {Schema}.outbox (message_id, message_type, body, correlation_id, causation_id, trace_parent, created_at)
            VALUES (?, ?, ?::jsonb, ?, ?, ?, ?)
            """,
            messageId, _options.Messages.NameOf(typeof(TMessage)), JsonSerializer.Serialize(message, EventStoreOptions.Json),
            Context.CorrelationId, Context.CausationId, (object?)Context.TraceParent ?? DBNull.Value, _time.GetUtcNow());
        _stagedMessages = true;
        return messageId;
    }

    /// <summary>
    /// Runs <paramref name="action"/> once this unit of work has committed, never if it fails: metrics count what is
    /// durable, so a retried or redelivered command cannot count twice.
    /// </summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    public async Task CommitAsync(CancellationToken ct)
    {
        try
        {
            await Documents.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (_inboxKey is not null && IsInboxConflict(ex))
        {
            throw new DuplicateDeliveryException(_inboxKey, ex);
        }
        catch (ExistingStreamIdCollisionException ex)
        {
            // Two writers both found no stream and both started it: for the loser that is a conflict like any other.
            throw new StreamStartedConcurrentlyException(ex);
        }
        if (_stagedMessages)
            _outboxSignal.Notify();
        foreach (var action in _afterCommit ?? [])
            action();
    }

    private bool IsInboxConflict(Exception ex) =>
        (ex as PostgresException ?? ex.InnerException as PostgresException) is
        { SqlState: PostgresErrorCodes.UniqueViolation, TableName: "inbox" } found && found.SchemaName == Schema;

    public ValueTask DisposeAsync() => Documents.DisposeAsync();
}

/// <summary>What a command decided: the state and version after it, the version it started from, and the new events (none for a no-op).</summary>
public sealed record Decided<TState, TEvent>(TState State, long Version, long PreviousVersion, IReadOnlyList<TEvent> NewEvents);

/// <summary>Another writer started the same stream first; read it again and decide again, as for any concurrency conflict.</summary>
public sealed class StreamStartedConcurrentlyException(Exception inner) : JasperFx.ConcurrencyException(inner.Message, inner);

/// <summary>Another delivery of the same message committed first; this one must be acknowledged, not retried.</summary>
public sealed class DuplicateDeliveryException(string inboxKey, Exception inner)
    : Exception($"Message {inboxKey} was handled by a concurrent delivery.", inner);

/// <summary>Names of the headers every event carries besides Marten's correlation and causation ids.</summary>
public static class EventHeaders
{
    public const string ActorKey = "actor";
    public const string TraceParentKey = "traceparent";

    public static string Actor(this JasperFx.Events.IEvent e) => Header(e, ActorKey) ?? "";

    public static string? TraceParent(this JasperFx.Events.IEvent e) => Header(e, TraceParentKey);

    private static string? Header(JasperFx.Events.IEvent e, string key) =>
        e.Headers?.TryGetValue(key, out var value) == true ? value?.ToString() : null;
}
