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
    [JsonPropertyName("content_language")] public string? ContentLanguage { get; init; }
    [JsonPropertyName("content_date")] public required string ContentDate { get; init; }
    [JsonPropertyName("application_date")] public required string ApplicationDate { get; init; }
    [JsonPropertyName("end_date_visibility_restriction")] public string? EndDateVisibilityRestriction { get; init; }
    [JsonPropertyName("decision_facts")] public required string DecisionFacts { get; init; }
    [JsonPropertyName("source_type")] public required string SourceType { get; init; }
    [JsonPropertyName("source_identity")] public string? SourceIdentity { get; init; }
    [JsonPropertyName("automated_detection")] public required string AutomatedDetection { get; init; }
    [JsonPropertyName("automated_decision")] public required string AutomatedDecision { get; init; }
    [JsonPropertyName("puid")] public required string Puid { get; init; }
}

/// <summary>
/// Writes what the platform decided about each removed item as a statement of reasons, from the case's events: the
/// route the removal took (an authority's removal order, a trusted flagger's notice, the platform on its own), the law
/// the content breaks where our category is illegal content in its jurisdiction, the removal's end when the content came
/// back, and the date the reporter saw it. Takedown knows the notice and the outcome, not the platform's internals: the
/// automated decision field says "not automated". A platform submitting these must correct what it knows better.
/// </summary>
public static class StatementsOfReasons
{
    /// <summary>A removal takes the content down everywhere: the EEA's 30 countries (the API's codes, GR for Greece).</summary>
    public static readonly IReadOnlyList<string> EuropeanEconomicArea =
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT",
        "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
    ];

    /// <summary>The database's bounds (docs/schemas/dsa-statement-of-reasons.schema.json): content from 2000, decisions from 2020.</summary>
    public static readonly DateOnly EarliestContentDate = new(2000, 1, 1), EarliestApplicationDate = new(2020, 1, 1);

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

    /// <summary>
    /// The law that makes a category illegal, per jurisdiction: the offence, not the deadline regime (NetzDG § 3 is the
    /// platform's complaint-handling duty, never the ground). Only the references written here are claimed; any other
    /// category or jurisdiction is grounded on the platform's terms of service.
    /// </summary>
    private static readonly Dictionary<(string Jurisdiction, string Category), string> IllegalUnder = new()
    {
        [("DE", Contracts.ContentCategories.TerroristPropaganda)] =
            "Strafgesetzbuch (StGB) § 86 (propaganda of terrorist organisations), §§ 89a, 91, 129a, 129b; terrorist content within Art. 2(7) Regulation (EU) 2021/784",
        [("DE", Contracts.ContentCategories.IncitementThreatToLife)] =
            "Strafgesetzbuch (StGB) § 241 (threat of a crime against life), § 111 (public incitement to offences), § 126 (disturbing the public peace by threatening offences)",
        [("DE", Contracts.ContentCategories.HateSpeech)] = "Strafgesetzbuch (StGB) § 130 (incitement to hatred)",
        [("DE", Contracts.ContentCategories.TargetingOfIndividuals)] =
            "Strafgesetzbuch (StGB) § 126a (endangering dissemination of personal data), § 241 (threat), §§ 186, 187 (defamation)",
    };

    // Illegal throughout the Union, whatever the reporter's jurisdiction: the statement's territorial scope is the EEA.
    private const string TerroristContentUnderUnionLaw =
        "Directive (EU) 2017/541 on combating terrorism, Art. 5 (public provocation to commit a terrorist offence), as transposed; terrorist content within Art. 2(7) Regulation (EU) 2021/784";

    // EU law obliging every member state to make it a crime; named for EU jurisdictions without a national reference above.
    private const string HateSpeechUnderUnionLaw =
        "Council Framework Decision 2008/913/JHA on combating racism and xenophobia by means of criminal law, Art. 1, as transposed";

    private const string RemovalOrderGround =
        "Regulation (EU) 2021/784 (TCO), Art. 3: removal order by a competent authority; terrorist content within Art. 2(7)";

    /// <summary>How the removal came about, as the case's events tell it.</summary>
    public enum Route { RemovalOrder, Notice, PlatformOwnInitiative }

    /// <summary>
    /// Only removed items have a statement; others give null. So does a removal dated before 2020-01-01, which the
    /// database refuses (a backdated entry is a record to correct, not a date to move).
    /// </summary>
    public static StatementOfReasons? For(TransparencyFact fact)
    {
        if (fact.RemovedAt is not { } removedAt || Day(removedAt) < EarliestApplicationDate)
            return null;
        var (category, keyword) = fact.Category is { } c && Categories.TryGetValue(c, out var mapped)
            ? mapped
            : ("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", null);
        var route = RouteOf(fact);
        var legalGround = route == Route.RemovalOrder ? RemovalOrderGround : LegalGround(fact);
        var why = Explanation(fact, route, legalGround);
        var (contentTypes, otherType) = ContentTypes(fact);
        var applicationDate = Day(removedAt);
        var contentDate = Day(fact.ObservedAt ?? fact.FirstReportedAt ?? removedAt);
        contentDate = contentDate < EarliestContentDate ? EarliestContentDate : contentDate > applicationDate ? applicationDate : contentDate;
        DateOnly? ended = fact.ReinstatedAt is { } back ? Max(Day(back), applicationDate) : null;
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
            ContentLanguage = LanguageCode(fact.Language),
            ContentDate = Format(contentDate),
            ApplicationDate = Format(applicationDate),
            EndDateVisibilityRestriction = ended is { } end ? Format(end) : null,
            DecisionFacts = Limit(Facts(fact, route, removedAt), FactsLimit),
            SourceType = route switch
            {
                Route.RemovalOrder => "SOURCE_TYPE_OTHER_NOTIFICATION",
                Route.Notice => "SOURCE_TRUSTED_FLAGGER",
                _ => "SOURCE_VOLUNTARY",
            },
            // The notifier is an authority or an organisation, never a person; the API ignores it for voluntary decisions.
            SourceIdentity = route switch
            {
                Route.RemovalOrder => Limit(fact.Order!.IssuedBy ?? "A competent authority under Regulation (EU) 2021/784 (name not recorded)", IdentityLimit),
                Route.Notice when fact.ReporterOrganisations.Count > 0 => Limit(string.Join(", ", fact.ReporterOrganisations), IdentityLimit),
                _ => null,
            },
            AutomatedDetection = fact.Reupload ? "Yes" : "No",   // a re-upload was found by hash matching
            AutomatedDecision = "AUTOMATED_DECISION_NOT_AUTOMATED",
            Puid = $"takedown-{fact.ContentId:N}",
        };
    }

    /// <summary>An order recorded before the removal; else a notice sent by the removal; else the platform acted on its own.</summary>
    public static Route RouteOf(TransparencyFact fact) => fact switch
    {
        { Order: not null } => Route.RemovalOrder,
        { FirstNotifiedAt: { } notified, RemovedAt: { } removed } when notified <= removed => Route.Notice,
        _ => Route.PlatformOwnInitiative,
    };

    /// <summary>The law the content breaks, by its category and jurisdiction; null when none is recorded here.</summary>
    public static string? LegalGround(TransparencyFact fact)
    {
        if (fact.Category is not { } category)
            return null;
        var jurisdiction = fact.Jurisdiction?.ToUpperInvariant();
        if (jurisdiction is not null && IllegalUnder.TryGetValue((jurisdiction, category), out var national))
            return national;
        return category switch
        {
            Contracts.ContentCategories.TerroristPropaganda => TerroristContentUnderUnionLaw,
            Contracts.ContentCategories.HateSpeech when jurisdiction == "EU" || (jurisdiction is not null && EuropeanEconomicArea.Contains(jurisdiction)) =>
                HateSpeechUnderUnionLaw,
            _ => null,
        };
    }

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
    private static string Facts(TransparencyFact fact, Route route, DateTimeOffset removedAt)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Reported {fact.Reports} time(s) by trusted flagger(s)");
        if (fact.FirstReportedAt is { } reported)
            text.Append(CultureInfo.InvariantCulture, $", first on {Date(reported)}");
        if (fact.ObservedAt is { } observed)
            text.Append(CultureInfo.InvariantCulture, $" (seen online on {Date(observed)})");
        text.Append(CultureInfo.InvariantCulture, $"; assessed as {fact.Category ?? Unclassified}");
        if (fact.Severity is { } severity)
            text.Append(CultureInfo.InvariantCulture, $" (priority {severity})");
        if (fact.FirstNotifiedAt is { } notified && notified <= removedAt)
            text.Append(CultureInfo.InvariantCulture, $". Notice sent to the platform on {Date(notified)} by {fact.FirstNoticeChannel}");
        if (route == Route.RemovalOrder && fact.Order is { } order)
            text.Append(CultureInfo.InvariantCulture, $". Removal order {order.Reference} issued on {Date(order.IssuedAt)}{(order.IssuedBy is { } by ? $" by {by}" : "")}");
        if (fact.Regime is { } regime)
            text.Append(CultureInfo.InvariantCulture, $". Deadline regime: {regime}");
        text.Append(route == Route.PlatformOwnInitiative && fact.RemovalSource == "liveness-check"
            ? $". Found removed by a liveness check on {Date(removedAt)}, before any notice."
            : $". Removal confirmed by {fact.RemovalSource ?? "platform"} on {Date(removedAt)}.");
        if (fact.ReinstatedAt is { } back)
            text.Append(CultureInfo.InvariantCulture, $" The content was reinstated (reachable again) on {Date(back)}.");
        if (fact.Reupload)
            text.Append(" The item is a re-upload of content removed before.");
        return text.ToString();
    }

    private const string Unclassified = TransparencyFigures.Unclassified;

    private static string Explanation(TransparencyFact fact, Route route, string? legalGround)
    {
        var assessed = fact.Category is { } category ? $"assessed as {category}" : "not assessed into a category";
        var illegal = legalGround is null ? "" : " The content is illegal under the law named as the legal ground.";
        return route switch
        {
            Route.RemovalOrder => $"Removed on a removal order issued by {fact.Order!.IssuedBy ?? "a competent authority"} under Regulation (EU) 2021/784; the content was {assessed}.{illegal}",
            Route.Notice => $"Removed after a trusted flagger's notice{ChannelPhrase(fact.FirstNoticeChannel)}; the content was {assessed}.{illegal}",
            _ when fact.RemovalSource == "liveness-check" =>
                $"Removed by the platform on its own initiative: found gone by a liveness check before any notice was sent; trusted flaggers had reported it, {assessed}.{illegal}",
            _ => $"Removed by the platform on its own initiative (voluntary), before any notice; trusted flaggers had reported it, {assessed}.{illegal}",
        };
    }

    private static string ChannelPhrase(string? channel) => channel switch
    {
        "trusted-flagger-portal" => " through the platform's trusted flagger portal",
        "email" => " by e-mail",
        "api" => " through the platform's API",
        "personal-contact" => " to a contact at the platform (messenger or phone)",
        _ => "",
    };

    // ISO 639-1 codes, upper case, as the database takes them; anything else (or undetermined) is left out.
    private static readonly HashSet<string> Iso639_1 = new(
        """
        AA AB AE AF AK AM AN AR AS AV AY AZ BA BE BG BI BM BN BO BR BS CA CE CH CO CR CS CU CV CY DA DE DV DZ EE EL EN EO ES ET EU
        FA FF FI FJ FO FR FY GA GD GL GN GU GV HA HE HI HO HR HT HU HY HZ IA ID IE IG II IK IO IS IT IU JA JV KA KG KI KJ KK KL KM
        KN KO KR KS KU KV KW KY LA LB LG LI LN LO LT LU LV MG MH MI MK ML MN MR MS MT MY NA NB ND NE NG NL NN NO NR NV NY OC OJ OM
        OR OS PA PI PL PS PT QU RM RN RO RU RW SA SC SD SE SG SI SK SL SM SN SO SQ SR SS ST SU SV SW TA TE TG TH TI TK TL TN TO TR
        TS TT TW TY UG UK UR UZ VE VI VO WA WO XH YI YO ZA ZH ZU
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    public static IReadOnlySet<string> LanguageCodes => Iso639_1;

    /// <summary>"ar-Latn" (Arabizi) is Arabic; "ckb" (Sorani) is Kurdish, KU; codes without an ISO 639-1 form are left out.</summary>
    private static string? LanguageCode(string? language)
    {
        if (language is null)
            return null;
        var primary = language.Split('-')[0].ToUpperInvariant();
        primary = primary == "CKB" || primary == "KMR" ? "KU" : primary;
        return Iso639_1.Contains(primary) ? primary : null;
    }

    private static DateOnly Day(DateTimeOffset instant) => DateOnly.FromDateTime(instant.UtcDateTime);

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static string Format(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Date(DateTimeOffset instant) => Format(Day(instant));

    private static string Limit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
