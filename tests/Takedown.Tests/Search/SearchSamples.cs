using Takedown.Search;

namespace Takedown.Tests.Search;

/// <summary>Documents as Reporting builds them, for tests of what reaches Elasticsearch.</summary>
public static class SearchSamples
{
    public const string Pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    public static ContentDocument Content(Guid contentId, long version, string text = "مقطع دعائي", string platform = "telegram", string organisation = "tech-for-peace") => new(
        Id: contentId.ToString(), ContentId: contentId, Version: version,
        Url: $"https://t.me/c/{contentId:N}", CanonicalUrl: $"https://t.me/c/{contentId:N}", Platform: platform, Account: null,
        ReporterOrganisations: [organisation], Text: text, NormalisedText: Takedown.Text.TextNormalizer.Normalize(text), Language: "ar",
        Category: "terrorist-propaganda", Severity: "P1", Confidence: 0.9, Explanation: ["keyword:دعائي"], Status: "removed", ContentUp: false,
        Regime: "de-netzdg-manifestly-unlawful", DueAt: new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero), Breached: false,
        FirstReportedAt: new DateTimeOffset(2026, 3, 1, 7, 0, 0, TimeSpan.Zero), FirstNotifiedAt: new DateTimeOffset(2026, 3, 1, 7, 30, 0, TimeSpan.Zero),
        AcknowledgedAt: null, RemovedAt: new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), TimeToRemovalHours: 2.5, Views: 13000, ReportCount: 1,
        ReuploadOf: [], Pdq: [Pdq], PdqChunks: [.. SearchFingerprints.Chunks(Pdq)], PdqVector: Pdq, TextMinhashBands: [],
        Fingerprints: ["pdq:" + Pdq], UpdatedAt: new DateTimeOffset(2026, 3, 1, 10, 0, 1, TimeSpan.Zero));

    public static CaseEventDocument CaseEvent(Guid contentId, long version, string type) => new(
        Id: $"{contentId}:{version}", Timestamp: new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), ContentId: contentId, Version: version,
        EventType: type, Status: "removed", Platform: "telegram", Account: null, ReporterOrganisations: ["tech-for-peace"],
        Category: "terrorist-propaganda", Severity: "P1", Regime: "de-netzdg-manifestly-unlawful",
        DueAt: new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero), TimeToRemovalHours: 2.5, ReuploadOf: null);
}
