using MassTransit;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Messaging;
using Takedown.ServiceDefaults.Telemetry;
using Contracts = Takedown.Contracts;

namespace Takedown.Classification.Classify;

public sealed class ClassifyContentConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ContentSubmitted>
{
    public Task Consume(ConsumeContext<Contracts.ContentSubmitted> context) =>
        store.ConsumeOnceAsync(context, "classification-classify-content", async session =>
        {
            var m = context.Message;
            var ct = context.CancellationToken;
            var stream = Classification.StreamId(m.ContentId);
            var current = await session.AggregateAsync<Classification, ContentClassified>(stream, Classification.None, Classification.Evolve, ct);
            var events = Classification.Decide(new ClassifyContent(m.ContentId, m.ReportId, m.Text, time.GetUtcNow()), current.State);
            if (events.Length == 0)
                return;

            await session.AppendAsync(stream, current.Exists ? ExpectedVersion.Exactly(current.Version) : ExpectedVersion.NoStream, events, ct);
            var decided = events[^1];
            await session.StageAsync(new Contracts.ContentClassified
            {
                ContentId = decided.ContentId,
                Category = decided.Category,
                Severity = decided.Severity,
                Confidence = decided.Confidence,
                Language = decided.Language,
                Explanation = decided.Explanation,
                ModelVersion = decided.ModelVersion,
                ClassifiedAt = decided.ClassifiedAt,
            }, ct);
            TakedownTelemetry.ContentClassified.Add(1, new KeyValuePair<string, object?>("category", decided.Category));
        });
}

public sealed class ClassifyContentConsumerDefinition : ConsumerDefinition<ClassifyContentConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ClassifyContentConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseTakedownRetry();
        endpointConfigurator.ConcurrentMessageLimit = 8;
    }
}
