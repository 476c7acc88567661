extern alias reporting;

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takedown.Tests.Deployment;
using static Takedown.Tests.Transparency.TransparencyFixture;

namespace Takedown.Tests.Transparency;

/// <summary>
/// format=dsa-sor: one statement of reasons per item removed in the period, each valid against
/// docs/schemas/dsa-statement-of-reasons.schema.json. March's removals: G (2 Mar), A (3 Mar), D (10 Mar), B (13 Mar), E (20 Mar).
/// </summary>
[Collection(TransparencyCollection.Name)]
public sealed class StatementOfReasonsTests(TransparencyFixture fixture)
{
    private static readonly JsonSchemaValidator Schema =
        JsonSchemaValidator.Load(Path.Combine(ComposeFileTests.RepositoryRoot(), "docs", "schemas", "dsa-statement-of-reasons.schema.json"));

    private async Task<Dictionary<Guid, JsonElement>> StatementsAsync()
    {
        using var response = await fixture.Reporting.SendAsync(Get("/api/v1/reports/transparency?from=2025-03-01&to=2025-03-31&format=dsa-sor", fixture.Analyst));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(["0"], response.Headers.GetValues(reporting::Takedown.Reporting.Transparency.TransparencyEndpoints.WithheldHeader));   // none before 2020
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToDictionary(s => Guid.ParseExact(s.GetProperty("puid").GetString()!["takedown-".Length..], "N"));
    }

    [Fact]
    public async Task Every_item_removed_in_the_period_has_one_statement_valid_against_the_schema()
    {
        var statements = await StatementsAsync();

        Assert.Equal(new[] { A, B, D, E, G }.Order(), statements.Keys.Order());   // C refused, F open, H removed in no period
        foreach (var (id, statement) in statements)
            Assert.True(Schema.Validate(statement).Count == 0, $"{id}: {string.Join("; ", Schema.Validate(statement))}");
    }

    [Fact]
    public async Task A_notice_of_content_illegal_in_its_jurisdiction_is_a_trusted_flaggers_notice_on_the_law_it_breaks()
    {
        var a = (await StatementsAsync())[A];

        Assert.Equal(["DECISION_VISIBILITY_CONTENT_REMOVED"], Strings(a, "decision_visibility"));
        Assert.Equal("DECISION_GROUND_ILLEGAL_CONTENT", a.GetProperty("decision_ground").GetString());
        // The offence under German law, not NetzDG's complaint-handling deadline.
        Assert.StartsWith("Strafgesetzbuch (StGB) § 86", a.GetProperty("illegal_content_legal_ground").GetString());
        Assert.DoesNotContain("NetzDG", a.GetProperty("illegal_content_legal_ground").GetString());
        Assert.StartsWith("Removed after a trusted flagger's notice through the platform's trusted flagger portal", a.GetProperty("illegal_content_explanation").GetString());
        Assert.Equal("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", a.GetProperty("category").GetString());
        Assert.Equal(["KEYWORD_TERRORIST_CONTENT"], Strings(a, "category_specification"));
        Assert.Equal("SOURCE_TRUSTED_FLAGGER", a.GetProperty("source_type").GetString());
        Assert.Equal("ngo-a, ngo-b", a.GetProperty("source_identity").GetString());
        // content_date: when the reporter saw it online (1 March), not when Takedown heard of it (3 March).
        Assert.Equal(("2025-03-01", "2025-03-03"), (a.GetProperty("content_date").GetString(), a.GetProperty("application_date").GetString()));
        Assert.False(a.TryGetProperty("end_date_visibility_restriction", out _));   // still down: indefinite
        Assert.Equal(("No", "AUTOMATED_DECISION_NOT_AUTOMATED"), (a.GetProperty("automated_detection").GetString(), a.GetProperty("automated_decision").GetString()));
        Assert.Equal(30, Strings(a, "territorial_scope").Length);
        Assert.False(a.TryGetProperty("incompatible_content_ground", out _));
        Assert.DoesNotContain("https://", a.GetProperty("decision_facts").GetString());   // no URL: it can name a person
    }

    [Fact]
    public async Task A_removal_order_on_a_detected_reupload_is_another_notification_detected_automatically()
    {
        var d = (await StatementsAsync())[D];

        Assert.Equal("SOURCE_TYPE_OTHER_NOTIFICATION", d.GetProperty("source_type").GetString());
        Assert.Equal("Bundeskriminalamt (BKA)", d.GetProperty("source_identity").GetString());   // the issuing authority, not ngo-a
        Assert.StartsWith("Removed on a removal order issued by Bundeskriminalamt (BKA) under Regulation (EU) 2021/784",
            d.GetProperty("illegal_content_explanation").GetString());
        Assert.Equal("Yes", d.GetProperty("automated_detection").GetString());
        Assert.StartsWith("Regulation (EU) 2021/784", d.GetProperty("illegal_content_legal_ground").GetString());
        Assert.Equal(["CONTENT_TYPE_OTHER", "CONTENT_TYPE_TEXT"], Strings(d, "content_type"));   // text and media of unrecorded kind
        Assert.Equal("Media file of unrecorded type", d.GetProperty("content_type_other").GetString());
    }

    [Fact]
    public async Task A_removal_before_any_notice_is_voluntary_and_without_a_statute_incompatible_content()
    {
        var statements = await StatementsAsync();
        var e = statements[E];
        Assert.Equal("SOURCE_VOLUNTARY", e.GetProperty("source_type").GetString());
        Assert.False(e.TryGetProperty("source_identity", out _));
        Assert.Equal("DECISION_GROUND_INCOMPATIBLE_CONTENT", e.GetProperty("decision_ground").GetString());
        Assert.Equal("STATEMENT_CATEGORY_VIOLENCE", e.GetProperty("category").GetString());
        Assert.StartsWith("Removed by the platform on its own initiative: found gone by a liveness check before any notice",
            e.GetProperty("incompatible_content_explanation").GetString());

        var g = statements[G];   // never classified, reported in February
        Assert.Equal("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", g.GetProperty("category").GetString());
        Assert.Equal(("2025-02-27", "2025-03-02"), (g.GetProperty("content_date").GetString(), g.GetProperty("application_date").GetString()));
    }

    [Theory]
    [InlineData("puid", "\"has space\"")]
    [InlineData("puid", null)]
    [InlineData("category", "\"STATEMENT_CATEGORY_TERRORISM\"")]          // a v1-era value, gone from v2
    [InlineData("application_date", "\"2025-3-3\"")]
    [InlineData("automated_detection", "\"yes\"")]
    [InlineData("territorial_scope", "[\"US\"]")]
    [InlineData("illegal_content_legal_ground", null)]                     // required by the illegal-content ground
    [InlineData("decision_visibility", null)]                              // no decision at all
    [InlineData("unknown_field", "1")]
    public async Task The_schema_rejects_statements_the_database_would_refuse(string field, string? json)
    {
        var statement = JsonNode.Parse((await StatementsAsync())[A].GetRawText())!.AsObject();
        if (json is null)
            statement.Remove(field);
        else
            statement[field] = JsonNode.Parse(json);

        Assert.NotEmpty(Schema.Validate(JsonDocument.Parse(statement.ToJsonString()).RootElement));
    }

    [Fact]
    public async Task The_schema_limits_free_text_to_the_published_lengths()
    {
        var statement = JsonNode.Parse((await StatementsAsync())[A].GetRawText())!.AsObject();
        statement["decision_facts"] = new string('x', 5000);
        Assert.Empty(Schema.Validate(JsonDocument.Parse(statement.ToJsonString()).RootElement));
        statement["decision_facts"] = new string('x', 5001);
        Assert.Equal(["$.decision_facts: longer than 5000 characters"], Schema.Validate(JsonDocument.Parse(statement.ToJsonString()).RootElement));
    }

    private static string[] Strings(JsonElement statement, string field) =>
        [.. statement.GetProperty(field).EnumerateArray().Select(v => v.GetString()!)];
}
