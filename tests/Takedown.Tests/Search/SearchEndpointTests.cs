extern alias reporting;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Marten.Events;
using reporting::Takedown.Reporting.Cases;
using Takedown.Fingerprints.Media;
using Takedown.Tests.Cases;
using Takedown.Testing;

namespace Takedown.Tests.Search;

/// <summary>The real Reporting host, its database and virtual host, shared by the search API's tests.</summary>
public sealed class SearchHost : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;

    public ReportingHost Reporting { get; private set; } = null!;

    public DateTimeOffset Now { get; } = ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        Reporting = await ReportingHost.StartAsync(_db, _vhost, new ManualTimeProvider(Now));
    }

    public async Task DisposeAsync()
    {
        await Reporting.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }
}

/// <summary>
/// GET /api/v1/search and POST /api/v1/search/similar through the Reporting host: cases recorded as the consumers record
/// them, indexed by the search-documents projection, found over HTTP; who may search what; bad input.
/// </summary>
public sealed class SearchEndpointTests(SearchHost host) : IClassFixture<SearchHost>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private ReportingHost Reporting => host.Reporting;

    [Fact]
    public async Task A_reported_text_is_found_by_a_spelling_variant_once_indexed_and_follows_its_case()
    {
        var contentId = Guid.NewGuid();
        await Reporting.HandleAsync(new RecordReport(
            Seed.Report(contentId, host.Now.AddMinutes(-30), organisation: "e2e-org") with { Text = "عاجل: إصدار جديد لمؤسسة الفرقان يدعو إلى الهجرة" }, host.Now));
        await Reporting.HandleAsync(new RecordClassification(Seed.Classification(contentId, host.Now.AddMinutes(-29), TimeSpan.FromHours(24)), host.Now));
        var analyst = await Reporting.IssueKeyAsync("takedown-analysts", "analyst");

        var found = await SearchAsync("?q=" + Uri.EscapeDataString("اصدار الفرقان") + "&organisation=e2e-org", analyst);

        var item = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal(contentId, item.GetProperty("contentId").GetGuid());
        Assert.Equal(("open", "terrorist-propaganda", "P1", "telegram"),
            (item.GetProperty("status").GetString(), item.GetProperty("category").GetString(), item.GetProperty("severity").GetString(), item.GetProperty("platform").GetString()));
        Assert.Equal($"/api/v1/cases/{contentId}", item.GetProperty("caseUrl").GetString());
        Assert.Contains("<em>", item.GetProperty("highlights")[0].GetString());
        Assert.Equal((1, "postgresql"), (found.GetProperty("total").GetInt32(), found.GetProperty("backend").GetString()));

        await Reporting.HandleAsync(new SendNotice(contentId, "email", "m-1", host.Now.AddMinutes(-20), host.Now));
        await Reporting.HandleAsync(new ConfirmRemoval(contentId, "platform", host.Now.AddMinutes(-10), host.Now));
        var removed = await SearchAsync("?q=" + Uri.EscapeDataString("الفرقان") + "&status=removed&organisation=e2e-org", analyst);
        var after = Assert.Single(removed.GetProperty("items").EnumerateArray());
        Assert.Equal((4L, 0.1667), (after.GetProperty("version").GetInt64(), after.GetProperty("timeToRemovalHours").GetDouble()));
    }

    [Fact]
    public async Task A_reporter_searches_only_its_own_organisations_content_whatever_it_asks_for()
    {
        var ours = await CaseWithTextAsync("scope-ours", "بيان تبني الهجوم على الحاجز");
        var theirs = await CaseWithTextAsync("scope-theirs", "بيان تبني الهجوم على الحاجز");
        var reporter = await Reporting.IssueKeyAsync("scope-ours", "reporter");

        var found = await SearchAsync("?q=" + Uri.EscapeDataString("الحاجز") + "&organisation=scope-theirs", reporter);

        Assert.Equal([ours], found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("contentId").GetGuid()));
        var analyst = await Reporting.IssueKeyAsync("takedown-analysts", "analyst");
        var all = await SearchAsync("?q=" + Uri.EscapeDataString("الحاجز"), analyst);
        Assert.Equal(new[] { ours, theirs }.Order(), all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("contentId").GetGuid()).Order());
    }

    [Fact]
    public async Task Content_near_an_uploaded_image_is_found_with_its_distance_and_case()
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "pdq", "bridge-original.jpg"));
        var pdq = (await new MediaFingerprinter().HashImageAsync(bytes)).Hash.ToHex();
        var contentId = await CaseWithTextAsync("similar-org", "صورة");
        await Reporting.HandleAsync(new RecordFingerprints(contentId, [$"pdq:{pdq}"], host.Now, host.Now));
        var reporter = await Reporting.IssueKeyAsync("similar-org", "reporter");

        var byImage = await SimilarAsync(new { image = new { contentType = "image/jpeg", data = Convert.ToBase64String(bytes) } }, reporter);
        var byHash = await SimilarAsync(new { pdq = new[] { $"pdq:{pdq}" }, maxDistance = 0 }, reporter);

        var hit = Assert.Single(byImage.GetProperty("items").EnumerateArray());
        Assert.Equal((contentId, "pdq", 0, $"/api/v1/cases/{contentId}"),
            (hit.GetProperty("contentId").GetGuid(), hit.GetProperty("signal").GetString(), hit.GetProperty("distance").GetInt32(), hit.GetProperty("caseUrl").GetString()));
        Assert.Equal($"pdq:{pdq}", byImage.GetProperty("imageHash").GetString());
        Assert.Equal([contentId], byHash.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("contentId").GetGuid()));
        var outsider = await Reporting.IssueKeyAsync("another-org", "reporter");
        Assert.Empty((await SimilarAsync(new { pdq = new[] { pdq } }, outsider)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_key_without_a_case_reading_role_is_refused()
    {
        var service = await Reporting.IssueKeyAsync("takedown-services", "service");

        using var search = await Reporting.Client.SendAsync(Request(HttpMethod.Get, "/api/v1/search?q=x", service));
        using var similar = await Reporting.Client.SendAsync(Request(HttpMethod.Post, "/api/v1/search/similar", service, new { text = "x" }));

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (search.StatusCode, similar.StatusCode));
    }

    [Theory]
    [InlineData("?status=lost", "status")]
    [InlineData("?page=0", "page")]
    [InlineData("?pageSize=101", "pageSize")]
    [InlineData("?page=200&pageSize=100", "page")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?from=2026-03-02&to=2026-03-01", "to")]
    [InlineData("?overdue=maybe", "overdue")]
    [InlineData("?reupload=1", "reupload")]
    public async Task Bad_search_parameters_are_problem_details_naming_the_field(string query, string field)
    {
        var analyst = await Reporting.IssueKeyAsync("takedown-analysts", "analyst");

        using var response = await Reporting.Client.SendAsync(Request(HttpMethod.Get, "/api/v1/search" + query, analyst));

        await AssertNamesFieldAsync(response, field);
    }

    [Theory]
    [InlineData("""{}""", "pdq")]
    [InlineData("""{"pdq":["pdq:abc"]}""", "pdq[0]")]
    [InlineData("""{"image":{"contentType":"text/plain","data":"aGVsbG8="}}""", "image.contentType")]
    [InlineData("""{"image":{"contentType":"image/png","data":"aGVsbG8="}}""", "image.data")]
    [InlineData("""{"text":"بيان","maxDistance":65}""", "maxDistance")]
    [InlineData("""{"text":"بيان","limit":0}""", "limit")]
    public async Task Bad_similar_requests_are_problem_details_naming_the_field(string body, string field)
    {
        var analyst = await Reporting.IssueKeyAsync("takedown-analysts", "analyst");
        using var request = Request(HttpMethod.Post, "/api/v1/search/similar", analyst);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await Reporting.Client.SendAsync(request);

        await AssertNamesFieldAsync(response, field);
    }

    private async Task<Guid> CaseWithTextAsync(string organisation, string text)
    {
        var contentId = Guid.NewGuid();
        await Reporting.HandleAsync(new RecordReport(Seed.Report(contentId, host.Now.AddMinutes(-30), organisation) with { Text = text }, host.Now));
        return contentId;
    }

    private async Task<JsonElement> SearchAsync(string query, string key)
    {
        await Reporting.Store.Documents.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        using var response = await Reporting.Client.SendAsync(Request(HttpMethod.Get, "/api/v1/search" + query, key));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>(Web);
    }

    private async Task<JsonElement> SimilarAsync(object body, string key)
    {
        await Reporting.Store.Documents.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        using var response = await Reporting.Client.SendAsync(Request(HttpMethod.Post, "/api/v1/search/similar", key, body));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>(Web);
    }

    private static async Task AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", key);
        return request;
    }
}
