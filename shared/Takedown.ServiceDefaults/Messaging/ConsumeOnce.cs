using MassTransit;
using Takedown.EventStore;

namespace Takedown.ServiceDefaults.Messaging;

public static class ConsumeOnceExtensions
{
    /// <summary>
    /// Runs <paramref name="handle"/> in one event-store transaction that also records the message in the inbox:
    /// a redelivered message is acknowledged and changes nothing.
    /// </summary>
    public static async Task ConsumeOnceAsync<TMessage>(
        this Takedown.EventStore.EventStore store,
        ConsumeContext<TMessage> context,
        string consumer,
        Func<EventSession, Task> handle) where TMessage : class
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("A message without MessageId cannot be de-duplicated.");
        var eventContext = new EventContext(
            context.CorrelationId ?? messageId, messageId, consumer, System.Diagnostics.Activity.Current?.Id);

        await using var session = await store.BeginAsync(eventContext, context.CancellationToken);
        if (!await session.TryRecordInboxAsync(consumer, messageId, context.CancellationToken))
            return;
        await handle(session);
        await session.CommitAsync(context.CancellationToken);
    }
}
