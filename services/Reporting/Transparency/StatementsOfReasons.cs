using System.Globalization;
using System.Text.Json.Serialization;

namespace Takedown.Reporting.Transparency;

/// <summary>
/// One statement of reasons in the field names and values of the EU DSA Transparency Database's submission API
/// (API v2, in force since 1 July 2025; docs/schemas/dsa-statement-of-reasons.schema.json). Null fields are left out.
/// </summary>
public sealed record StatementOfReasons
{
    [JsonPropertyName("decision_visibility")] public required IReadOnlyList<string> DecisionVisibility { get; init; }
    [JsonPropertyName("decision_ground")] public required string DecisionGround { get; init; }
    [JsonPropertyName("illegal_content_legal_ground")] public string? IllegalContentLegalGround { get; init; }
    [JsonPropertyName("illegal_content_explanation")] public string? IllegalContentExplanation { get; init; }
    [JsonPropertyName("incompatible_content_ground")] public string? IncompatibleContentGround { get; init; }
    [JsonPropertyName("incompatible_content_explanation")] public string? IncompatibleContentExplanation { get; init; }
    [JsonPropertyName("content_type")] public required IReadOnlyList<string> ContentType { get; init; }
    [JsonPropertyName("content_type_other")] public string? ContentTypeOther { get; init; }
    [JsonPropertyName("category")] public required string Category { get; init; }
    [JsonPropertyName("category_specification")] public IReadOnlyList<string>? CategorySpecification { get; init; }
    [JsonPropertyName("territorial_scope")] public required IReadOnlyList<string> TerritorialScope { get; init; }
    [JsonPropertyName("content_date")] public required string ContentDate { get; init; }
    [JsonPropertyName("application_date")] public required string ApplicationDate { get; init; }
    [JsonPropertyName("decision_facts")] public required string DecisionFacts { get; init; }
    [JsonPropertyName("source_type")] public required string SourceType { get; init; }
    [JsonPropertyName("source_identity")] public string? SourceIdentity { get; init; }
    [JsonPropertyName("automated_detection")] public required string AutomatedDetection { get; init; }
    [JsonPropertyName("automated_decision")] public required string AutomatedDecision { get; init; }
    [JsonPropertyName("puid")] public required string Puid { get; init; }
}

/// <summary>
/// Writes what the platform decided about each removed item as a statement of reasons. Takedown knows the notice
/// and the outcome, not the platform's internals: the automated decision field says "not automated" and the
/// content date is the first time the item was reported. A platform submitting these must correct what it knows better.
/// </summary>
public static class StatementsOfReasons
{
    /// <summary>A removal takes the content down everywhere: the EEA's 30 countries (the API's codes, GR for Greece).</summary>
    public static readonly IReadOnlyList<string> EuropeanEconomicArea =
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT",
        "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
    ];

    private const int FactsLimit = 5000, GroundLimit = 500, ExplanationLimit = 2000, IdentityLimit = 500;

    // Our categories on the Transparency Database's v2 categories and keywords.
    private static readonly Dictionary<string, (string Category, string? Keyword)> Categories = new(StringComparer.Ordinal)
    {
        [Contracts.ContentCategories.TerroristPropaganda] = ("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT"),
        [Contracts.ContentCategories.IncitementThreatToLife] = ("STATEMENT_CATEGORY_VIOLENCE", "KEYWORD_INCITEMENT_VIOLENCE_HATRED"),
        [Contracts.ContentCategories.HateSpeech] = ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH"),
        [Contracts.ContentCategories.TargetingOfIndividuals] = ("STATEMENT_CATEGORY_CYBER_VIOLENCE", "KEYWORD_CYBER_HARASSMENT"),
        [Contracts.ContentCategories.Abusive] = ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", null),
    };

    // Regimes that rest on a statute: the removal was for illegal content, on that legal ground.
    private static readonly Dictionary<string, string> LegalGrounds = new(StringComparer.Ordinal)
    {
        ["eu-2021-784-removal-order"] = "Regulation (EU) 2021/784 on addressing the dissemination of terrorist content online (TCO), Art. 3",
        ["de-netzdg-manifestly-unlawful"] = "Netzwerkdurchsetzungsgesetz (NetzDG) § 3(2) no. 2: manifestly unlawful content",
        ["de-netzdg-unlawful"] = "Netzwerkdurchsetzungsgesetz (NetzDG) § 3(2) no. 3: unlawful content",
    };

    /// <summary>Only removed items have a statement; others give null.</summary>
    public static StatementOfReasons? For(TransparencyFact fact)
    {
        if (fact.RemovedAt is not { } removedAt)
            return null;
        var (category, keyword) = fact.Category is { } c && Categories.TryGetValue(c, out var mapped)
            ? mapped
            : ("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", null);
        var legalGround = fact.Regime is { } regime ? LegalGrounds.GetValueOrDefault(regime) : null;
        var why = Explanation(fact);
        var (contentTypes, otherType) = ContentTypes(fact);
        var source = Source(fact);
        return new StatementOfReasons
        {
            DecisionVisibility = ["DECISION_VISIBILITY_CONTENT_REMOVED"],
            DecisionGround = legalGround is null ? "DECISION_GROUND_INCOMPATIBLE_CONTENT" : "DECISION_GROUND_ILLEGAL_CONTENT",
            IllegalContentLegalGround = legalGround is null ? null : Limit(legalGround, GroundLimit),
            IllegalContentExplanation = legalGround is null ? null : Limit(why, ExplanationLimit),
            IncompatibleContentGround = legalGround is null ? "The platform's terms of service" : null,
            IncompatibleContentExplanation = legalGround is null ? Limit(why, ExplanationLimit) : null,
            ContentType = contentTypes,
            ContentTypeOther = otherType,
            Category = category,
            CategorySpecification = keyword is null ? null : [keyword],
            TerritorialScope = EuropeanEconomicArea,
            ContentDate = Date(fact.FirstReportedAt ?? removedAt),
            ApplicationDate = Date(removedAt),
            DecisionFacts = Limit(Facts(fact, removedAt), FactsLimit),
            SourceType = source,
            // The notifier is an organisation, never a person; the API ignores it for voluntary decisions.
            SourceIdentity = source == "SOURCE_VOLUNTARY" || fact.ReporterOrganisations.Count == 0
                ? null
                : Limit(string.Join(", ", fact.ReporterOrganisations), IdentityLimit),
            AutomatedDetection = fact.Reupload ? "Yes" : "No",   // a re-upload was found by hash matching
            AutomatedDecision = "AUTOMATED_DECISION_NOT_AUTOMATED",
            Puid = $"takedown-{fact.ContentId:N}",
        };
    }

    private static string Source(TransparencyFact fact) => fact switch
    {
        { FirstNotifiedAt: { } notified, RemovedAt: { } removed } when notified > removed => "SOURCE_VOLUNTARY",
        { FirstNotifiedAt: null } => "SOURCE_VOLUNTARY",
        { FirstNoticeChannel: "removal-order" } => "SOURCE_TYPE_OTHER_NOTIFICATION",
        _ => "SOURCE_TRUSTED_FLAGGER",
    };

    private static (IReadOnlyList<string> Types, string? Other) ContentTypes(TransparencyFact fact)
    {
        var types = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var kind in fact.ContentKinds)
        {
            switch (kind)
            {
                case "text": types.Add("CONTENT_TYPE_TEXT"); break;
                case "image": types.Add("CONTENT_TYPE_IMAGE"); break;
                case "video": types.Add("CONTENT_TYPE_VIDEO"); break;
            }
        }
        // Media whose kind was not recorded, or nothing fingerprinted at all.
        if (types.Count == 0 || (fact.ContentKinds.Contains("media") && !types.Overlaps(["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_VIDEO"])))
        {
            types.Add("CONTENT_TYPE_OTHER");
            return ([.. types], fact.ContentKinds.Contains("media") ? "Media file of unrecorded type" : "Content type not recorded");
        }
        return ([.. types], null);
    }

    // No URL and no reporter's words: the database must not receive personal data.
    private static string Facts(TransparencyFact fact, DateTimeOffset removedAt)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Reported {fact.Reports} time(s) by trusted flagger(s)");
        if (fact.FirstReportedAt is { } reported)
            text.Append(CultureInfo.InvariantCulture, $", first on {Date(reported)}");
        text.Append(CultureInfo.InvariantCulture, $"; assessed as {fact.Category ?? Unclassified}");
        if (fact.Severity is { } severity)
            text.Append(CultureInfo.InvariantCulture, $" (priority {severity})");
        if (fact.FirstNotifiedAt is { } notified)
            text.Append(CultureInfo.InvariantCulture, $". Notice sent to the platform on {Date(notified)} by {fact.FirstNoticeChannel}");
        text.Append(CultureInfo.InvariantCulture, $". Removal confirmed by {fact.RemovalSource ?? "platform"} on {Date(removedAt)}.");
        if (fact.Reupload)
            text.Append(" The item is a re-upload of content removed before.");
        return text.ToString();
    }

    private const string Unclassified = TransparencyFigures.Unclassified;

    private static string Explanation(TransparencyFact fact) =>
        fact.Category is { } category
            ? $"Assessed as {category}{(fact.Regime is { } r ? $" under the {r} regime" : "")} after a trusted flagger's notice."
            : "Reported by a trusted flagger; no category was assessed.";

    private static string Date(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Limit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
