extern alias reporting;

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Transparency;
using Takedown.Tests.Deployment;

namespace Takedown.Tests.Transparency;

/// <summary>
/// Each statement of reasons follows from its case's events (folded as the transparency projection folds them) and is
/// valid against docs/schemas/dsa-statement-of-reasons.schema.json.
/// </summary>
public sealed class StatementsFromEventsTests
{
    private static readonly JsonSchemaValidator Schema =
        JsonSchemaValidator.Load(Path.Combine(ComposeFileTests.RepositoryRoot(), "docs", "schemas", "dsa-statement-of-reasons.schema.json"));

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private static readonly Guid Id = Guid.Parse("7b000000-0000-4000-8000-000000000001");
    private static readonly DateTimeOffset T0 = new(2025, 3, 3, 8, 0, 0, TimeSpan.Zero);

    private static ContentReported Reported(DateTimeOffset at, string? jurisdiction = "DE", string organisation = "ngo-a", DateTimeOffset? observedAt = null) =>
        new(Id, Guid.NewGuid(), 1, "https://x.example/1", "https://x.example/1", "x", organisation, jurisdiction, null, at, ObservedAt: observedAt);

    private static ContentClassified Classified(string category, string severity, string regime, string? language = null) =>
        new(Id, category, severity, 0.9, [], "m", T0, regime, TimeSpan.FromHours(24), "eu-2021-784-removal-order", TimeSpan.FromHours(1), language);

    private static NoticeSent Notice(DateTimeOffset at, string channel = "trusted-flagger-portal", string? issuedBy = null) =>
        new(Id, channel, "ref-1", at, channel == "removal-order" ? at.AddMinutes(-10) : null, issuedBy);

    /// <summary>The statement as exported, after checking it against the schema.</summary>
    private static JsonElement Statement(params ICaseEvent[] events)
    {
        var fact = events.Aggregate(TransparencyFact.Initial(Id), TransparencyFact.Evolve);
        var statement = JsonDocument.Parse(JsonSerializer.Serialize(StatementsOfReasons.For(fact)!, Json)).RootElement;
        Assert.Empty(Schema.Validate(statement));
        return statement;
    }

    private static string Text(JsonElement statement, string field) => statement.GetProperty(field).GetString()!;

    [Fact]
    public void A_reinstated_item_is_exported_with_the_reinstatement_as_the_removals_end()
    {
        var statement = Statement(Reported(T0), Classified("terrorist-propaganda", "P1", "de-netzdg-manifestly-unlawful"), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(3)), new ContentReinstated(Id, "liveness-check", T0.AddDays(2)));

        Assert.Equal(("2025-03-03", "2025-03-05"), (Text(statement, "application_date"), Text(statement, "end_date_visibility_restriction")));
        Assert.Contains("reinstated (reachable again) on 2025-03-05", Text(statement, "decision_facts"));
    }

    [Fact]
    public void A_death_threat_in_Germany_is_grounded_on_the_criminal_code_not_on_terms_of_service_or_NetzDG()
    {
        // P0: the clock is the imminent-threat one, which is no law; the offence is still one.
        var statement = Statement(Reported(T0), Classified("incitement-threat-to-life", "P0", "p0-imminent-threat"), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)));

        Assert.Equal("DECISION_GROUND_ILLEGAL_CONTENT", Text(statement, "decision_ground"));
        Assert.StartsWith("Strafgesetzbuch (StGB) § 241", Text(statement, "illegal_content_legal_ground"));
        Assert.False(statement.TryGetProperty("incompatible_content_ground", out _));
    }

    [Theory]
    [InlineData("hate-speech", "DE", "de-netzdg-unlawful", "Strafgesetzbuch (StGB) § 130")]
    [InlineData("targeting-of-individuals", "DE", "de-netzdg-manifestly-unlawful", "Strafgesetzbuch (StGB) § 126a")]
    [InlineData("hate-speech", "FR", "platform-default", "Council Framework Decision 2008/913/JHA")]
    [InlineData("terrorist-propaganda", null, "platform-default", "Directive (EU) 2017/541")]
    public void The_legal_ground_is_the_law_the_category_breaks_in_its_jurisdiction(string category, string? jurisdiction, string regime, string law)
    {
        var statement = Statement(Reported(T0, jurisdiction), Classified(category, "P2", regime), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)));

        Assert.StartsWith(law, Text(statement, "illegal_content_legal_ground"));
        Assert.DoesNotContain("NetzDG", Text(statement, "illegal_content_legal_ground"));
    }

    [Fact]
    public void Content_no_law_here_makes_illegal_is_grounded_on_the_terms_of_service_whatever_its_deadline_regime()
    {
        var statement = Statement(Reported(T0), Classified("abusive", "P3", "de-netzdg-unlawful"), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)));

        Assert.Equal(("DECISION_GROUND_INCOMPATIBLE_CONTENT", "The platform's terms of service"),
            (Text(statement, "decision_ground"), Text(statement, "incompatible_content_ground")));
    }

    [Fact]
    public void A_removal_order_after_a_notice_names_the_issuing_authority_as_the_source()
    {
        var statement = Statement(Reported(T0), Classified("terrorist-propaganda", "P1", "de-netzdg-manifestly-unlawful"), Notice(T0.AddHours(1)),
            Notice(T0.AddHours(5), "removal-order", "Bundeskriminalamt (BKA)"), new RemovalConfirmed(Id, "platform", T0.AddHours(5.5)));

        Assert.Equal(("SOURCE_TYPE_OTHER_NOTIFICATION", "Bundeskriminalamt (BKA)"), (Text(statement, "source_type"), Text(statement, "source_identity")));
        Assert.StartsWith("Regulation (EU) 2021/784 (TCO), Art. 3", Text(statement, "illegal_content_legal_ground"));
        Assert.StartsWith("Removed on a removal order issued by Bundeskriminalamt (BKA)", Text(statement, "illegal_content_explanation"));
        Assert.DoesNotContain("trusted flagger's notice", Text(statement, "illegal_content_explanation"));
    }

    [Fact]
    public void A_removal_order_whose_authority_was_not_recorded_says_so_rather_than_naming_the_reporter()
    {
        var statement = Statement(Reported(T0), Classified("terrorist-propaganda", "P1", "eu-2021-784-removal-order"), Notice(T0.AddHours(1), "removal-order"),
            new RemovalConfirmed(Id, "platform", T0.AddHours(1.5)));

        Assert.Equal("A competent authority under Regulation (EU) 2021/784 (name not recorded)", Text(statement, "source_identity"));
        Assert.StartsWith("Removed on a removal order issued by a competent authority", Text(statement, "illegal_content_explanation"));
    }

    [Fact]
    public void A_notice_through_a_personal_contact_is_still_the_trusted_flaggers_and_says_how_it_went()
    {
        var statement = Statement(Reported(T0, organisation: "ngo-b"), Classified("hate-speech", "P2", "de-netzdg-unlawful"),
            Notice(T0.AddHours(1), "personal-contact"), new RemovalConfirmed(Id, "platform", T0.AddHours(30)));

        Assert.Equal(("SOURCE_TRUSTED_FLAGGER", "ngo-b"), (Text(statement, "source_type"), Text(statement, "source_identity")));
        Assert.StartsWith("Removed after a trusted flagger's notice to a contact at the platform (messenger or phone)", Text(statement, "illegal_content_explanation"));
    }

    [Fact]
    public void A_removal_by_the_platform_before_any_notice_is_voluntary_and_says_so()
    {
        var statement = Statement(Reported(T0), Classified("hate-speech", "P2", "de-netzdg-unlawful"),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)), Notice(T0.AddHours(3)));

        Assert.Equal("SOURCE_VOLUNTARY", Text(statement, "source_type"));
        Assert.False(statement.TryGetProperty("source_identity", out _));
        Assert.StartsWith("Removed by the platform on its own initiative (voluntary), before any notice", Text(statement, "illegal_content_explanation"));
        Assert.DoesNotContain("Notice sent", Text(statement, "decision_facts"));   // the notice came after: it caused nothing
    }

    [Fact]
    public void The_content_date_is_the_earliest_time_a_reporter_saw_it_online()
    {
        var statement = Statement(Reported(T0, observedAt: T0.AddDays(-2)), Reported(T0.AddHours(1), organisation: "ngo-b", observedAt: T0.AddDays(-9)),
            Reported(T0.AddHours(2), organisation: "ngo-c"), Classified("hate-speech", "P2", "de-netzdg-unlawful"), Notice(T0.AddHours(3)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(4)));

        Assert.Equal(("2025-02-22", "2025-03-03"), (Text(statement, "content_date"), Text(statement, "application_date")));
    }

    [Fact]
    public void Without_an_observation_the_content_date_is_the_first_report()
    {
        var statement = Statement(Reported(T0), Notice(T0.AddHours(3)), new RemovalConfirmed(Id, "platform", T0.AddDays(1)));
        Assert.Equal(("2025-03-03", "2025-03-04"), (Text(statement, "content_date"), Text(statement, "application_date")));
    }

    [Fact]
    public void A_removal_backdated_before_2020_has_no_statement_because_the_database_refuses_its_application_date()
    {
        var old = new DateTimeOffset(2019, 12, 31, 23, 0, 0, TimeSpan.Zero);
        var fact = new ICaseEvent[] { Reported(old.AddDays(-3)), Notice(old.AddDays(-1)), new RemovalConfirmed(Id, "analyst", old) }
            .Aggregate(TransparencyFact.Initial(Id), TransparencyFact.Evolve);

        Assert.Null(StatementsOfReasons.For(fact));
    }

    [Fact]
    public void A_removal_on_the_first_day_the_database_accepts_has_one_and_a_content_date_before_2000_is_held_to_2000()
    {
        var first = new DateTimeOffset(2020, 1, 1, 0, 30, 0, TimeSpan.Zero);
        var statement = Statement(Reported(first.AddDays(-1), observedAt: new DateTimeOffset(1999, 6, 1, 0, 0, 0, TimeSpan.Zero)),
            Notice(first.AddHours(-12)), new RemovalConfirmed(Id, "platform", first));

        Assert.Equal(("2000-01-01", "2020-01-01"), (Text(statement, "content_date"), Text(statement, "application_date")));
    }

    [Theory]
    [InlineData("ar", "AR")]
    [InlineData("ar-Latn", "AR")]     // Arabizi is Arabic
    [InlineData("ckb", "KU")]         // Sorani Kurdish has no code of its own in ISO 639-1
    [InlineData("en", "EN")]
    public void The_content_language_is_the_ISO_639_1_code_in_upper_case(string classified, string exported)
    {
        var statement = Statement(Reported(T0), Classified("hate-speech", "P2", "de-netzdg-unlawful", classified), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)));
        Assert.Equal(exported, Text(statement, "content_language"));
    }

    [Fact]
    public void A_language_without_an_ISO_639_1_code_is_left_out()
    {
        var statement = Statement(Reported(T0), Classified("hate-speech", "P2", "de-netzdg-unlawful", "und"), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)));
        Assert.False(statement.TryGetProperty("content_language", out _));
    }

    [Theory]
    [InlineData("application_date", "\"2019-12-31\"")]
    [InlineData("content_date", "\"1999-12-31\"")]
    [InlineData("end_date_visibility_restriction", "\"2019-06-01\"")]
    [InlineData("content_language", "\"XX\"")]
    [InlineData("content_language", "\"ar\"")]
    [InlineData("content_language", "\"ARA\"")]
    public void The_schema_enforces_the_databases_date_bounds_and_language_codes(string field, string json)
    {
        var valid = Statement(Reported(T0), Classified("hate-speech", "P2", "de-netzdg-unlawful", "ar"), Notice(T0.AddHours(1)),
            new RemovalConfirmed(Id, "platform", T0.AddHours(2)));
        var statement = JsonNode.Parse(valid.GetRawText())!.AsObject();
        statement[field] = JsonNode.Parse(json);

        Assert.NotEmpty(Schema.Validate(JsonDocument.Parse(statement.ToJsonString()).RootElement));
    }

    [Fact]
    public void The_exporter_and_the_schema_know_the_same_language_codes()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(ComposeFileTests.RepositoryRoot(), "docs", "schemas", "dsa-statement-of-reasons.schema.json")));
        var codes = schema.RootElement.GetProperty("properties").GetProperty("content_language").GetProperty("enum").EnumerateArray().Select(c => c.GetString()!);

        Assert.Equal(StatementsOfReasons.LanguageCodes.Order(StringComparer.Ordinal), codes.Order(StringComparer.Ordinal));
    }
}
