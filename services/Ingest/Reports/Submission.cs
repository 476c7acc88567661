using Takedown.EventStore;

namespace Takedown.Ingest.Reports;

/// <summary>Someone reported a piece of content. Stays in Ingest: only the organisation travels further.</summary>
public sealed record ReportReceived(
    Guid ContentId,
    Guid ReportId,
    int ReportNumber,
    string Url,
    string CanonicalUrl,
    string Platform,
    string? Text,
    string ReporterReference,
    string ReporterOrganisation,
    string SubmittedBy,
    DateTimeOffset? ObservedAt,
    string? Jurisdiction,
    long? Views,
    IReadOnlyList<EvidenceReference> Media,
    DateTimeOffset ReceivedAt);

public sealed record SubmitReport(
    Guid ContentId,
    Guid ReportId,
    string Url,
    string CanonicalUrl,
    string Platform,
    string? Text,
    string ReporterReference,
    string ReporterOrganisation,
    string SubmittedBy,
    DateTimeOffset? ObservedAt,
    string? Jurisdiction,
    long? Views,
    IReadOnlyList<EvidenceReference> Media,
    DateTimeOffset Now);

/// <summary>The submission stream of one content item: every report of its URL, in order.</summary>
public sealed record Submission(int Reports)
{
    public static readonly Submission Initial = new(0);

    public static readonly StreamAggregate<Submission, ReportReceived> Aggregate = new(_ => Initial, Evolve);

    // Every report is kept, even a repeat from the same organisation: how often and by whom content was
    // reported is evidence in itself.
    public static ReportReceived[] Decide(SubmitReport command, Submission state) =>
    [
        new(command.ContentId, command.ReportId, state.Reports + 1, command.Url, command.CanonicalUrl, command.Platform,
            command.Text, command.ReporterReference, command.ReporterOrganisation, command.SubmittedBy,
            command.ObservedAt, command.Jurisdiction, command.Views, command.Media, command.Now),
    ];

    public static Submission Evolve(Submission state, ReportReceived e) => state with { Reports = e.ReportNumber };

    public static string StreamId(Guid contentId) => $"submission-{contentId}";
}
