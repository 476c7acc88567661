using MassTransit;
using Takedown.EventStore;
using Takedown.ServiceDefaults.Messaging;
using Takedown.ServiceDefaults.Telemetry;
using Takedown.Triage;
using Contracts = Takedown.Contracts;

namespace Takedown.Classification.Classify;

public sealed class ClassifyContentConsumer(EventStore.EventStore store, LegalPolicy policy, TimeProvider time) : IConsumer<Contracts.ContentSubmitted>
{
    public Task Consume(ConsumeContext<Contracts.ContentSubmitted> context) =>
        store.ConsumeOnceAsync(context, "classification-classify-content", async session =>
        {
            var m = context.Message;
            var ct = context.CancellationToken;
            var stream = Classification.StreamId(m.ContentId);
            var current = await session.AggregateAsync<Classification, IClassificationEvent>(stream, Classification.None, Classification.Evolve, ct);
            // Until notices exist the legal clock starts at the report; it will start at the notice or removal order.
            var command = new ClassifyContent(m.ContentId, m.ReportId, m.Text, m.Jurisdiction, m.Platform, ClockStartsAt: m.ReportedAt, time.GetUtcNow());
            IClassificationEvent[] events;
            using (var span = TakedownTelemetry.Source.StartActivity("classify content"))
            {
                span?.SetTag(TakedownTelemetry.ContentIdTag, m.ContentId);
                events = Classification.Decide(command, current.State, policy);
                // Same text, same model: the earlier decision stands and nothing is written.
                span?.SetTag(TakedownTelemetry.OutcomeTag, events.Length == 0 ? "unchanged" : "classified");
                if (events.Length > 0 && events[^1] is ContentClassified c)
                {
                    span?.SetTag("takedown.category", c.Category);
                    span?.SetTag("takedown.severity", c.Severity);
                    span?.SetTag("takedown.confidence", c.Confidence);
                    span?.SetTag("takedown.model.version", c.ModelVersion);
                    span?.SetTag("takedown.regime", c.Regime);
                }
            }
            if (events.Length == 0)
                return;

            await session.AppendAsync(stream, current.Exists ? ExpectedVersion.Exactly(current.Version) : ExpectedVersion.NoStream, events, ct);
            var decided = (ContentClassified)events[^1];
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
                Regime = decided.Regime,
                DueAt = decided.DueAt,
                ClockStartsAt = decided.ClockStartsAt,
                AllowedSeconds = (long?)decided.Allowed?.TotalSeconds,
                RemovalOrderRegime = decided.RemovalOrderRegime,
                RemovalOrderAllowedSeconds = (long?)decided.RemovalOrderAllowed?.TotalSeconds,
            }, ct);
            session.AfterCommit(() => TakedownTelemetry.ContentClassified.Add(1, new KeyValuePair<string, object?>("category", decided.Category)));
        });
}
