using System.Diagnostics;
using System.Reflection;
using MassTransit;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Telemetry;

namespace Takedown.ServiceDefaults.Messaging;

public static class ConsumeOnceExtensions
{
    /// <summary>
    /// Runs <paramref name="handle"/> in one event-store transaction that also records the message in the inbox:
    /// a redelivered message is acknowledged and changes nothing. A span under MassTransit's consume span says which
    /// consumer handled which message about which content, and whether the inbox dropped it as a duplicate.
    /// </summary>
    public static async Task ConsumeOnceAsync<TMessage>(
        this Takedown.EventStore.EventStore store,
        ConsumeContext<TMessage> context,
        string consumer,
        Func<EventSession, Task> handle) where TMessage : class
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("A message without MessageId cannot be de-duplicated.");
        using var span = TakedownTelemetry.Source.StartActivity($"{consumer} {typeof(TMessage).Name}");
        span?.SetTag("messaging.message.id", messageId);
        span?.SetTag("messaging.message.type", typeof(TMessage).Name);
        span?.SetTag("takedown.consumer", consumer);
        if (span is not null && ContentIdOf<TMessage>.Get is { } contentId)
            span.SetTag(TakedownTelemetry.ContentIdTag, contentId(context.Message));

        try
        {
            // Created inside the span: messages this handler stages continue the trace from here.
            var eventContext = new EventContext(context.CorrelationId ?? messageId, messageId, consumer, Activity.Current?.Id);
            await using var session = store.Begin(eventContext);
            if (!await session.TryRecordInboxAsync(consumer, messageId, context.CancellationToken))
            {
                span?.SetTag(TakedownTelemetry.OutcomeTag, "duplicate");
                return;
            }
            await handle(session);
            try
            {
                await session.CommitAsync(context.CancellationToken);
            }
            catch (DuplicateDeliveryException)
            {
                // A concurrent delivery of the same message committed first; this one's work was rolled back.
                span?.SetTag(TakedownTelemetry.OutcomeTag, "duplicate");
                return;
            }
            span?.SetTag(TakedownTelemetry.OutcomeTag, "handled");
        }
        catch (Exception ex) when (span.Failed(ex))
        {
            throw;
        }
    }

    // Every contract message is about one piece of content; read once per message type, not per message.
    private static class ContentIdOf<TMessage>
    {
        public static readonly Func<TMessage, Guid>? Get =
            typeof(TMessage).GetProperty("ContentId", BindingFlags.Public | BindingFlags.Instance)?.GetMethod is { ReturnType: var type } getter && type == typeof(Guid)
                ? getter.CreateDelegate<Func<TMessage, Guid>>()
                : null;
    }
}
