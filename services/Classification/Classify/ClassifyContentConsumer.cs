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
            var command = new ClassifyContent(m.ContentId, m.ReportId, m.Text, m.Jurisdiction, m.Platform, time.GetUtcNow());
            Decided<Classification, IClassificationEvent> decided;
            using (var span = TakedownTelemetry.Source.StartActivity("classify content"))
            {
                span?.SetTag(TakedownTelemetry.ContentIdTag, m.ContentId);
                decided = await session.DecideAsync(Classification.Aggregate, Classification.StreamId(m.ContentId), expectedVersion: null,
                    state => Classification.Decide(command, state, policy), context.CancellationToken);
                // Same text, same model: the earlier decision stands and nothing is written.
                span?.SetTag(TakedownTelemetry.OutcomeTag, decided.NewEvents.Count == 0 ? "unchanged" : "classified");
                if (decided.NewEvents is [.., ContentClassified c])
                {
                    span?.SetTag("takedown.category", c.Category);
                    span?.SetTag("takedown.severity", c.Severity);
                    span?.SetTag("takedown.confidence", c.Confidence);
                    span?.SetTag("takedown.model.version", c.ModelVersion);
                    span?.SetTag("takedown.regime", c.Regime);
                }
            }
            if (decided.NewEvents is not [.., ContentClassified classified])
                return;

            session.Stage(new Contracts.ContentClassified
            {
                ContentId = classified.ContentId,
                Category = classified.Category,
                Severity = classified.Severity,
                Confidence = classified.Confidence,
                Language = classified.Language,
                Explanation = classified.Explanation,
                ModelVersion = classified.ModelVersion,
                ClassifiedAt = classified.ClassifiedAt,
                Regime = classified.Regime,
                AllowedSeconds = (long)classified.Allowed.TotalSeconds,
                RemovalOrderRegime = classified.RemovalOrderRegime,
                RemovalOrderAllowedSeconds = (long)classified.RemovalOrderAllowed.TotalSeconds,
            });
            session.AfterCommit(() => TakedownTelemetry.ContentClassified.Add(1, new KeyValuePair<string, object?>("category", classified.Category)));
        });
}
