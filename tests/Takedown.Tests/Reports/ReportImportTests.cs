extern alias ingest;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ingest::Takedown.Ingest.Reports;
using Microsoft.Extensions.DependencyInjection;
using Takedown.Testing;
using Takedown.Tests.Http;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.Reports;

public sealed record RejectedReportRow(long Row, string Error);

public sealed record ReportImportView(long Accepted, long Duplicates, IReadOnlyList<RejectedReportRow> Rejected, long RejectedTotal, long? LastRow);

/// <summary>Reports imported from CSV and JSON lines, and the account a report names or its URL carries.</summary>
public sealed class ReportImportTests(KestrelIngestFixture fixture) : IClassFixture<KestrelIngestFixture>
{
    private Store Store => fixture.Ingest.Services.GetRequiredService<Store>();

    private static string Run() => Guid.NewGuid().ToString("N")[..10];

    internal static async Task<(HttpStatusCode Status, ReportImportView? Summary, string Body)> ImportAsync(
        HttpClient client, HttpContent content, long? firstRow = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports:import" + (firstRow is null ? "" : $"?firstRow={firstRow}")) { Content = content };
        request.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? JsonSerializer.Deserialize<ReportImportView>(text, JsonSerializerOptions.Web) : null, text);
    }

    private static StringContent Body(string text, string contentType)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    private async Task<ReportImportView> ImportOkAsync(string body, string contentType, long? firstRow = null)
    {
        var (status, summary, text) = await ImportAsync(fixture.Ingest.Client, Body(body, contentType), firstRow);
        Assert.True(status == HttpStatusCode.OK, text);
        return summary!;
    }

    private async Task<ReportReceived?> ReceivedAsync(string url)
    {
        var events = await Store.ReadStreamAsync(Submission.StreamId(ContentIds.FromCanonicalUrl(Takedown.Fingerprints.Urls.CanonicalUrl.Create(url))), CancellationToken.None);
        return events.Select(e => (ReportReceived)e.Data).SingleOrDefault();
    }

    [Fact]
    public async Task A_csv_import_keeps_the_good_rows_and_rejects_each_bad_one_by_its_line()
    {
        var run = Run();
        var csv = $""""
            url,reporterReference,platform,text,observedAt,views,jurisdiction,account
            https://t.me/s/Channel_{run}/1,R-1,,"a post, quoted ""here""",2025-03-01T09:55:00Z,12,de,
            not a url,R-2,,,,,,
            https://forum.example/{run}/3,R-3,forum.example,,yesterday,,,
            https://forum.example/{run}/4,,forum.example,,,,,

            https://forum.example/{run}/6,R-6,forum.example,,,-5,,
            https://forum.example/{run}/7,R-7,forum.example,"unterminated,,,,,
            https://forum.example/{run}/8,R-8,forum.example,,,,,@SomeOne
            """";

        var summary = await ImportOkAsync(csv, "text/csv");

        Assert.Equal((2L, 0L, 5L, 9L), (summary.Accepted, summary.Duplicates, summary.RejectedTotal, summary.LastRow!.Value));
        Assert.Equal(
            [
                new RejectedReportRow(3, "url: Must be an absolute http or https URL. platform: A platform name is required: letters, digits, '.', '-' or '_', at most 64 characters."),
                new(4, "observedAt: not an ISO 8601 date and time."),
                new(5, "reporterReference: The reporter's own reference for this report is required (at most 200 characters)."),
                new(7, "views: Cannot be negative."),
                new(8, "unterminated quoted field (a field cannot span lines)."),
            ],
            summary.Rejected);
        var first = await ReceivedAsync($"https://t.me/channel_{run}/1");
        Assert.Equal(("telegram", $"telegram:channel_{run}", "a post, quoted \"here\"", 12L, "DE", DateTimeOffset.Parse("2025-03-01T09:55:00Z")),
            (first!.Platform, first.Account, first.Text, first.Views!.Value, first.Jurisdiction, first.ObservedAt!.Value));
        Assert.Equal(("forum.example:SomeOne", "R-8"), ((await ReceivedAsync($"https://forum.example/{run}/8"))!.Account!, (await ReceivedAsync($"https://forum.example/{run}/8"))!.ReporterReference));
    }

    [Fact]
    public async Task A_resent_ndjson_file_adds_nothing_and_a_resumed_piece_keeps_the_file_row_numbers()
    {
        var run = Run();
        string Row(int i) => i == 3 ? "[1, 2]" : $$"""{"url":"https://x.com/user_{{run}}/status/{{i}}","reporterReference":"N-{{i}}","text":"post {{i}}"}""";
        var file = string.Join('\n', Enumerable.Range(1, 5).Select(Row));

        var first = await ImportOkAsync(file, "application/x-ndjson");
        var again = await ImportOkAsync(file, "application/x-ndjson");
        var resumed = await ImportOkAsync(string.Join('\n', Enumerable.Range(3, 3).Select(Row)), "application/x-ndjson; charset=utf-8", firstRow: 3);

        Assert.Equal((4L, 0L, 1L, 5L), (first.Accepted, first.Duplicates, first.RejectedTotal, first.LastRow!.Value));
        Assert.Equal((0L, 4L, 1L, 5L), (again.Accepted, again.Duplicates, again.RejectedTotal, again.LastRow!.Value));
        Assert.Equal((0L, 2L, 5L), (resumed.Accepted, resumed.Duplicates, resumed.LastRow!.Value));
        Assert.Equal(3, Assert.Single(resumed.Rejected).Row);
        Assert.StartsWith("not a report object: ", resumed.Rejected[0].Error);
        // Each report of the file once: the status URLs are distinct content, each with its one report from the file.
        var received = await ReceivedAsync($"https://x.com/user_{run}/status/4");
        Assert.Equal((1, $"x:user_{run}", "N-4"), (received!.ReportNumber, received.Account, received.ReporterReference));
    }

    [Fact]
    public async Task Rows_of_the_same_content_under_different_references_are_all_kept_in_order()
    {
        var run = Run();
        var url = $"https://www.youtube.com/watch?v={run}X"; // 11 characters: a video id
        var file = $"url,reporterReference\n{url},A\n{url},B\n{url},A\n";

        var summary = await ImportOkAsync(file, "text/csv");

        Assert.Equal((2L, 1L, 0L), (summary.Accepted, summary.Duplicates, summary.RejectedTotal));
        var events = await Store.ReadStreamAsync(Submission.StreamId(ContentIds.FromCanonicalUrl(url)), CancellationToken.None);
        Assert.Equal([(1, "A"), (2, "B")], events.Select(e => (ReportReceived)e.Data).Select(r => (r.ReportNumber, r.ReporterReference)));
    }

    [Fact]
    public async Task Bad_bodies_are_problem_details()
    {
        var header = await ImportAsync(fixture.Ingest.Client, Body("link,reporterReference\nhttps://a.example/,R", "text/csv"));
        var type = await ImportAsync(fixture.Ingest.Client, Body("{}", "application/json"));
        var row = await ImportAsync(fixture.Ingest.Client, Body("{}", "application/x-ndjson"), firstRow: 0);

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.UnsupportedMediaType, HttpStatusCode.BadRequest), (header.Status, type.Status, row.Status));
        Assert.Contains("Unknown CSV column 'link'", header.Body);
        Assert.Contains("Rows are numbered from 1.", row.Body);
    }

    [Fact]
    public async Task A_report_carries_the_account_it_names_or_else_the_one_its_url_carries_into_ContentSubmitted()
    {
        var queue = TestServers.UniqueName("submitted-account");
        await fixture.VirtualHost.BindQueueAsync(queue, "Takedown.Contracts:ContentSubmitted");
        var run = Run();
        var derivedUrl = $"https://www.tiktok.com/@Some.User{run}/video/7301234567890123456?is_from_webapp=1";
        var namedUrl = $"https://x.com/i/status/{Random.Shared.NextInt64(1, long.MaxValue)}";
        var noneUrl = $"https://forum.example/{run}/thread";

        using var single = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports")
        {
            Content = JsonContent.Create(new { url = namedUrl, reporterReference = "S-1", account = "@Named_" + run[..6] }),
        };
        single.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        using var accepted = await fixture.Ingest.Client.SendAsync(single);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var imported = await ImportOkAsync($"url,reporterReference,platform\n{derivedUrl},I-1,\n{noneUrl},I-2,forum.example\n", "text/csv");
        Assert.Equal(2, imported.Accepted);

        var contents = new Dictionary<Guid, string>
        {
            [ContentIds.FromCanonicalUrl(Takedown.Fingerprints.Urls.CanonicalUrl.Create(namedUrl))] = "named",
            [ContentIds.FromCanonicalUrl(Takedown.Fingerprints.Urls.CanonicalUrl.Create(derivedUrl))] = "derived",
            [ContentIds.FromCanonicalUrl(Takedown.Fingerprints.Urls.CanonicalUrl.Create(noneUrl))] = "none",
        };
        var published = await Eventually.UntilAsync(
            async () => (await fixture.VirtualHost.PeekAsync(queue, 100))
                .Select(m => JsonDocument.Parse(m.GetProperty("payload").GetString()!).RootElement.GetProperty("message"))
                .Where(m => contents.ContainsKey(m.GetProperty("contentId").GetGuid()))
                .ToDictionary(m => contents[m.GetProperty("contentId").GetGuid()], m => m.TryGetProperty("account", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null),
            found => found.Count == 3, what: "three ContentSubmitted");
        Assert.Equal(new Dictionary<string, string?>
        {
            ["named"] = "x:named_" + run[..6],
            ["derived"] = $"tiktok:some.user{run}",
            ["none"] = null,
        }, published);
    }

    [Fact]
    public async Task A_named_account_that_is_not_one_on_the_platform_is_a_validation_problem()
    {
        using var single = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports")
        {
            Content = JsonContent.Create(new { url = "https://t.me/somechannel/5", reporterReference = "S-2", account = "https://x.com/someone" }),
        };
        single.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        using var response = await fixture.Ingest.Client.SendAsync(single);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Not an account on telegram: a handle (@name), an id (id:123), or the account's URL on the platform, at most 200 characters.",
            Assert.Single(problem.GetProperty("errors").GetProperty("account").EnumerateArray()).GetString());
    }
}
