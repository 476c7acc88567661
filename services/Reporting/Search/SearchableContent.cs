using System.Collections.Immutable;
using Takedown.EventStore;
using Takedown.Reporting.Cases;
using Takedown.Reporting.Statistics;
using Takedown.Search;
using Takedown.Text;

namespace Takedown.Reporting.Search;

/// <summary>
/// A case as analysts search it: the case as its decider folds it, beside what only search needs (the text, its
/// language, the classification's explanation, the latest view count, the account). Its own fold, so the decider's state stays small.
/// </summary>
public sealed record SearchableContent(TakedownCase Case, string? Text, string? Language, ImmutableList<string> Explanation, long? Views, string? Account = null)
{
    /// <summary>The fold as Marten runs it (registered live): the Elasticsearch indexer reads a case's current document with it.</summary>
    public static readonly StreamAggregate<SearchableContent, ICaseEvent> Aggregate = new(Initial, Evolve);

    public static SearchableContent Initial(string streamId) => new(TakedownCase.Aggregate.Initial(streamId), null, null, [], null);

    public static SearchableContent Evolve(SearchableContent state, ICaseEvent e)
    {
        var next = state with { Case = TakedownCase.Evolve(state.Case, e) };
        return e switch
        {
            // The first report's text stands: later reports of the same URL may quote only part of it.
            // So does the first account named: the content was posted once, by one account.
            ContentReported r => next with { Text = next.Text ?? r.Text, Views = r.Views ?? next.Views, Account = next.Account ?? r.Account },
            ContentClassified c when !state.Case.Overridden => next with { Language = c.Language ?? next.Language, Explanation = [.. c.Explanation] },
            ContentClassified c => next with { Language = c.Language ?? next.Language },
            ClassificationOverridden o => next with { Explanation = [$"override: {o.Reason}"] },
            _ => next,
        };
    }

    /// <summary>The search document at stream version <paramref name="version"/>, built at <paramref name="now"/>.</summary>
    public ContentDocument ToDocument(long version, DateTimeOffset now)
    {
        var fingerprints = SearchFingerprints.Of(Case.Fingerprints);
        return new ContentDocument(
            Id: Case.ContentId.ToString(),
            ContentId: Case.ContentId,
            Version: version,
            Url: Case.Url,
            CanonicalUrl: Case.CanonicalUrl,
            Platform: Case.Platform,
            Account: Account,
            ReporterOrganisations: [.. Case.ReporterOrganisations],
            Text: Text,
            NormalisedText: Text is null ? null : TextNormalizer.Normalize(Text),
            Language: Language,
            Category: Case.Category,
            Severity: Case.Severity,
            Confidence: Case.Confidence,
            Explanation: Explanation,
            Status: Case.Status.ToString().ToLowerInvariant(),
            ContentUp: Case.ContentUp(),
            Regime: Case.Regime,
            DueAt: Case.DueAt,
            Breached: Case.DeadlineBreached(),
            FirstReportedAt: Case.FirstReportedAt,
            FirstNotifiedAt: Case.FirstNotifiedAt,
            AcknowledgedAt: Case.AcknowledgedAt,
            RemovedAt: Case.RemovedAt,
            TimeToRemovalHours: NoticeAnswers.FromFirstNotice(Case.FirstNotifiedAt, Case.RemovedAt) is { } ttr ? Math.Round(ttr.TotalHours, 4) : null,
            Views: Views,
            ReportCount: Case.ReportIds.Count,
            ReuploadOf: Case.ReuploadOf,
            Pdq: fingerprints.Pdq,
            PdqChunks: fingerprints.PdqChunks,
            PdqVector: fingerprints.Pdq.Count > 0 ? fingerprints.Pdq[0] : null,
            TextMinhashBands: fingerprints.TextMinhashBands,
            Fingerprints: Case.Fingerprints,
            UpdatedAt: now);
    }
}
