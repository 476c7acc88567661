extern alias ingest;

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Takedown.ServiceDefaults.Input;
using Takedown.Tests.EndToEnd;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Http;

/// <summary>What counts as text, the same for every field of every service.</summary>
public sealed class InputTextRuleTests
{
    [Theory]
    [InlineData("بيان الجماعة المسلحة")]
    [InlineData("\u200Fשלום\u200E abc")]
    [InlineData("flag 🏴 and 👍🏽")]
    [InlineData("line one\nline two\r\n\tindented")]
    [InlineData("")]
    public void Text_in_any_script_with_marks_emoji_and_line_breaks_is_text(string value) => Assert.Null(InputText.Fault(value));

    [Theory]
    [InlineData("a\u0000b", "U+0000")]
    [InlineData("bell\u0007", "U+0007")]
    [InlineData("del\u007F", "U+007F")]
    [InlineData("c1\u0085", "U+0085")]
    public void Control_characters_other_than_tabs_and_line_breaks_are_not(string value, string named) =>
        Assert.Contains(named, InputText.Fault(value));

    // Built in code: a test runner's attribute data cannot carry half a surrogate pair intact.
    [Theory]
    [InlineData(0xD800, -1, "U+D800")]
    [InlineData(0xDC00, -1, "U+DC00")]
    [InlineData(0xDC00, 0xD800, "U+DC00")]
    [InlineData(0xD800, 0xD800, "U+D800")]
    public void Unpaired_surrogates_are_not(int first, int second, string named) =>
        Assert.Contains(named, InputText.Fault("lone " + (char)first + (second < 0 ? "" : (char)second) + " end"));
}

/// <summary>
/// A NUL or a lone surrogate in a free-text field is a 400 naming the field on every service's write endpoints, and a
/// rejected row in an import; before, each one reached PostgreSQL and came back a 500.
/// </summary>
public sealed class InputTextTests(PipelineFixture pipeline) : IClassFixture<PipelineFixture>
{
    private static string NewUrl() => $"https://x.com/someone/status/{Random.Shared.NextInt64(1, long.MaxValue)}";

    private static HttpRequestMessage Raw(HttpMethod method, string path, string key, string json, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, contentType) };
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    private static async Task AssertFieldRefusedAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors names {field}: {errors}");
        Assert.NotEqual(0, messages.GetArrayLength());
    }

    // Escapes as a client's JSON encoder writes them: the string holds the character itself.
    [Theory]
    [InlineData("url", "\\u0000")]
    [InlineData("text", "\\u0000")]
    [InlineData("reporterReference", "\\u0000")]
    [InlineData("text", "\\ud800")]
    [InlineData("text", "\\u001b[31m")]
    public async Task A_report_with_bad_text_in_a_field_is_400_naming_it(string field, string escape)
    {
        var key = await pipeline.IssueKeyAsync("input-text", "reporter");
        var fields = new Dictionary<string, string> { ["url"] = NewUrl(), ["text"] = "text", ["reporterReference"] = "REF-1" };
        fields[field] = $"{fields[field]}{escape}";
        var json = "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":\"{f.Value}\"")) + "}";

        using var response = await pipeline.Ingest.SendAsync(Raw(HttpMethod.Post, "/api/v1/reports", key, json));

        await AssertFieldRefusedAsync(response, field);
    }

    [Fact]
    public async Task A_report_in_arabic_with_direction_marks_emoji_and_line_breaks_is_accepted_verbatim()
    {
        var key = await pipeline.IssueKeyAsync("input-text", "reporter");
        const string text = "\u200Fبيان\u200E 🏴\nسطر ثان\tمع علامة";

        using var response = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", key,
            new { url = NewUrl(), text, reporterReference = "TFP-\u200F7" }));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var contentId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentId").GetGuid();
        var store = pipeline.IngestServices.GetRequiredService<Takedown.EventStore.EventStore>();
        var stored = await store.ReadStreamAsync(ingest::Takedown.Ingest.Reports.Submission.StreamId(contentId), CancellationToken.None);
        var received = Assert.IsType<ingest::Takedown.Ingest.Reports.ReportReceived>(Assert.Single(stored).Data);
        Assert.Equal((text, "TFP-\u200F7"), (received.Text, received.ReporterReference));
    }

    [Fact]
    public async Task An_override_reason_with_nul_is_400_naming_it()
    {
        var analyst = await pipeline.IssueKeyAsync("input-text", "analyst");
        using var response = await pipeline.Classification.SendAsync(Raw(HttpMethod.Post, $"/api/v1/classifications/{Guid.NewGuid()}/override", analyst,
            "{\"category\":\"hate_speech\",\"severity\":\"P2\",\"reason\":\"quoted\\u0000\"}"));

        await AssertFieldRefusedAsync(response, "reason");
    }

    [Theory]
    [InlineData("notices", "{\"channel\":\"portal\",\"reference\":\"N-\\u0000\"}", "reference")]
    [InlineData("acknowledgement", "{\"reference\":\"\\u0000\"}", "reference")]
    [InlineData("platform-response", "{\"outcome\":\"rejected\",\"reason\":\"no\\u0000\"}", "reason")]
    [InlineData("escalations", "{\"to\":\"legal\",\"reason\":\"\\u0000\"}", "reason")]
    [InlineData("closure", "{\"reason\":\"done\\ud800\"}", "reason")]
    public async Task A_case_update_with_bad_text_is_400_naming_the_field(string action, string json, string field)
    {
        using var response = await pipeline.Reporting.SendAsync(Raw(HttpMethod.Post, $"/api/v1/cases/{Guid.NewGuid()}/{action}", PipelineFixture.AdminKey, json));

        await AssertFieldRefusedAsync(response, field);
    }

    [Theory]
    [InlineData("{\"name\":\"desk\\u0000\",\"organisation\":\"tfp\",\"roles\":[\"reporter\"]}", "name")]
    [InlineData("{\"name\":\"desk\",\"organisation\":\"tfp\\u0000\",\"roles\":[\"reporter\"]}", "organisation")]
    [InlineData("{\"name\":\"desk\",\"organisation\":\"tfp\",\"roles\":[\"reporter\\u0000\"]}", "roles[0]")]
    public async Task An_api_key_with_bad_text_is_400_naming_the_field(string json, string field)
    {
        using var response = await pipeline.Reporting.SendAsync(Raw(HttpMethod.Post, "/api/v1/admin/api-keys", PipelineFixture.AdminKey, json));

        await AssertFieldRefusedAsync(response, field);
    }

    [Theory]
    [InlineData("/api/v1/search?q=a%00b", "q")]
    [InlineData("/api/v1/cases?platform=%00", "platform")]
    public async Task A_query_parameter_with_bad_text_is_400_naming_it(string path, string field)
    {
        var analyst = await pipeline.IssueKeyAsync("input-text", "analyst");
        using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, path, analyst));

        await AssertFieldRefusedAsync(response, field);
    }

    [Fact]
    public async Task A_hash_import_refuses_rows_with_a_nul_or_a_lone_surrogate_and_keeps_the_rest()
    {
        var analyst = await pipeline.IssueKeyAsync("input-text", "analyst");
        var good = new string('a', 64);
        var body = string.Join("\n",
            $"{{\"signal\":\"pdq\",\"hash\":\"{new string('b', 64)}\",\"label\":\"bad\\u0000\"}}",
            $"{{\"signal\":\"pdq\",\"hash\":\"{new string('c', 64)}\",\"label\":\"bad\\ud800\"}}",
            $"{{\"signal\":\"pdq\",\"hash\":\"{good}\",\"label\":\"\u200Fتسمية 🏴\"}}");
        var bank = $"input-{Guid.NewGuid():N}"[..20];

        using var response = await pipeline.Reupload.SendAsync(Raw(HttpMethod.Post, $"/api/v1/banks/{bank}/hashes:import", analyst, body, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, summary.GetProperty("accepted").GetInt64());
        var rejected = summary.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("row").GetInt64(), r.GetProperty("error").GetString()!)).ToList();
        Assert.Equal([1L, 2L], rejected.Select(r => r.Item1));
        Assert.Contains("U+0000", rejected[0].Item2);
        Assert.Contains("unpaired UTF-16 surrogate", rejected[1].Item2);
    }

    [Fact]
    public async Task A_report_import_refuses_rows_with_control_characters_by_their_line()
    {
        var reporter = await pipeline.IssueKeyAsync("input-text", "reporter");
        var body = string.Join("\n",
            "url,text,reporterReference",
            $"{NewUrl()},raw nul \u0000 here,R-1",
            $"{NewUrl()},fine \u200Fنص,R-2");
        var json = $"{{\"url\":\"{NewUrl()}\",\"text\":\"escaped\\u0000\",\"reporterReference\":\"R-3\"}}";

        using var csv = await pipeline.Ingest.SendAsync(Raw(HttpMethod.Post, "/api/v1/reports:import", reporter, body, "text/csv"));
        using var ndjson = await pipeline.Ingest.SendAsync(Raw(HttpMethod.Post, "/api/v1/reports:import", reporter, json, "application/x-ndjson"));

        var csvSummary = await csv.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((HttpStatusCode.OK, 1L), (csv.StatusCode, csvSummary.GetProperty("accepted").GetInt64()));
        var csvRejected = Assert.Single(csvSummary.GetProperty("rejected").EnumerateArray());
        Assert.Equal(2, csvRejected.GetProperty("row").GetInt64());
        Assert.Contains("U+0000", csvRejected.GetProperty("error").GetString());
        var jsonSummary = await ndjson.Content.ReadFromJsonAsync<JsonElement>();
        var jsonRejected = Assert.Single(jsonSummary.GetProperty("rejected").EnumerateArray());
        Assert.Equal((0L, 1L), (jsonSummary.GetProperty("accepted").GetInt64(), jsonRejected.GetProperty("row").GetInt64()));
        Assert.StartsWith("not a report object: text: ", jsonRejected.GetProperty("error").GetString());
    }
}
