using MassTransit;
using Takedown.Reporting.Accounts;
using Takedown.ServiceDefaults.Messaging;
using Contracts = Takedown.Contracts;

namespace Takedown.Reporting.Cases;

/// <summary>Reporting assembles the case from every service's messages, each consumed exactly once (inbox).</summary>
public static class CaseConsumers
{
    // The case and its account change in one unit of work: the account's content and legal terms never trail the case's.
    private static async Task RecordAndLinkAsync(EventStore.EventSession session, CaseCommand command, CancellationToken ct)
    {
        var decided = await CaseCommands.HandleAsync(session, command, null, ct);
        await AccountCommands.LinkAsync(session, decided, command.Now, ct);
    }

    public sealed class ContentSubmittedConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ContentSubmitted>
    {
        public Task Consume(ConsumeContext<Contracts.ContentSubmitted> context) =>
            store.ConsumeOnceAsync(context, "reporting-content-submitted", session =>
            {
                var m = context.Message;
                var report = new ContentReported(m.ContentId, m.ReportId, m.ReportNumber, m.Url, m.CanonicalUrl, m.Platform,
                    m.ReporterOrganisation, m.Jurisdiction, m.Views, m.ReportedAt, m.Text,
                    m.Media.Count == 0 ? null : [.. m.Media.Select(x => new ReportedMedia(x.Sha256, x.Md5, x.ContentType, x.Length))], m.ObservedAt, m.Account);
                return RecordAndLinkAsync(session, new RecordReport(report, time.GetUtcNow()), context.CancellationToken);
            });
    }

    public sealed class ContentClassifiedConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ContentClassified>
    {
        public Task Consume(ConsumeContext<Contracts.ContentClassified> context) =>
            store.ConsumeOnceAsync(context, "reporting-content-classified", session =>
            {
                var m = context.Message;
                var classification = new ContentClassified(m.ContentId, m.Category, m.Severity, m.Confidence, m.Explanation, m.ModelVersion, m.ClassifiedAt,
                    m.Regime, TimeSpan.FromSeconds(m.AllowedSeconds), m.RemovalOrderRegime, TimeSpan.FromSeconds(m.RemovalOrderAllowedSeconds), m.Language);
                return RecordAndLinkAsync(session, new RecordClassification(classification, time.GetUtcNow()), context.CancellationToken);
            });
    }

    public sealed class ClassificationOverriddenConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ClassificationOverridden>
    {
        public Task Consume(ConsumeContext<Contracts.ClassificationOverridden> context) =>
            store.ConsumeOnceAsync(context, "reporting-classification-overridden", session =>
            {
                var m = context.Message;
                var overridden = new ClassificationOverridden(m.ContentId, m.Category, m.Severity, m.Reason, m.OverriddenBy, m.OverriddenAt,
                    m.Regime, TimeSpan.FromSeconds(m.AllowedSeconds), m.RemovalOrderRegime, TimeSpan.FromSeconds(m.RemovalOrderAllowedSeconds));
                return RecordAndLinkAsync(session, new RecordOverride(overridden, time.GetUtcNow()), context.CancellationToken);
            });
    }

    public sealed class ContentFingerprintedConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ContentFingerprinted>
    {
        public Task Consume(ConsumeContext<Contracts.ContentFingerprinted> context) =>
            store.ConsumeOnceAsync(context, "reporting-content-fingerprinted", session =>
            {
                var m = context.Message;
                var fingerprints = m.Fingerprints.Select(f => $"{f.Signal}:{f.Value}").ToArray();
                return CaseCommands.HandleAsync(session, new RecordFingerprints(m.ContentId, fingerprints, m.FingerprintedAt, time.GetUtcNow()), null, context.CancellationToken);
            });
    }

    // The decider escalates the re-upload to analysts with the link; CaseCommands publishes CaseEscalated with it.
    public sealed class ReuploadDetectedConsumer(EventStore.EventStore store, TimeProvider time) : IConsumer<Contracts.ReuploadDetected>
    {
        public Task Consume(ConsumeContext<Contracts.ReuploadDetected> context) =>
            store.ConsumeOnceAsync(context, "reporting-reupload-detected", session =>
            {
                var m = context.Message;
                return CaseCommands.HandleAsync(session, new LinkReupload(m.ContentId, m.MatchedContentId, m.Signal, m.DetectedAt, time.GetUtcNow()), null, context.CancellationToken);
            });
    }
}
