using System.Collections.Immutable;
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
    string? Account,
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
    string? Account,
    string? Text,
    string ReporterReference,
    string ReporterOrganisation,
    string SubmittedBy,
    DateTimeOffset? ObservedAt,
    string? Jurisdiction,
    long? Views,
    IReadOnlyList<EvidenceReference> Media,
    DateTimeOffset Now);

/// <summary>The submission stream of one content item: every report of its URL, in order, and their ids.</summary>
public sealed record Submission(int Reports, ImmutableHashSet<Guid> ReportIds)
{
    public static readonly Submission Initial = new(0, []);

    public static readonly StreamAggregate<Submission, ReportReceived> Aggregate = new(_ => Initial, Evolve);

    // Every report is kept, even a repeat from the same organisation: how often and by whom content was
    // reported is evidence in itself. Only the same report again (its id already in the stream: an imported row
    // sent a second time) is a no-op.
    public static ReportReceived[] Decide(SubmitReport command, Submission state) => state.ReportIds.Contains(command.ReportId) ? [] :
    [
        new(command.ContentId, command.ReportId, state.Reports + 1, command.Url, command.CanonicalUrl, command.Platform,
            command.Account, command.Text, command.ReporterReference, command.ReporterOrganisation, command.SubmittedBy,
            command.ObservedAt, command.Jurisdiction, command.Views, command.Media, command.Now),
    ];

    public static Submission Evolve(Submission state, ReportReceived e) =>
        state with { Reports = e.ReportNumber, ReportIds = state.ReportIds.Add(e.ReportId) };

    public static string StreamId(Guid contentId) => $"submission-{contentId}";
}
