using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Takedown.Tests.Http;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Reports;

/// <summary>A flagger's client retries a report after a timeout under its Idempotency-Key without counting it twice.</summary>
public sealed class IdempotentReportTests(KestrelIngestFixture fixture) : IClassFixture<KestrelIngestFixture>
{
    private static string NewUrl() => $"https://x.com/someone/status/{Random.Shared.NextInt64(1, long.MaxValue)}";

    private Task<HttpResponseMessage> SendAsync(string json, string? key, string apiKey = IngestOnKestrel.AdminKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", apiKey);
        if (key is not null)
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return fixture.Ingest.Client.SendAsync(request);
    }

    private static string Report(string url, string reference = "R-1", string text = "the same post") =>
        JsonSerializer.Serialize(new { url, text, reporterReference = reference });

    private async Task<int> ReportNumberAfterAnotherReportAsync(string url)
    {
        using var other = await SendAsync(Report(url, "OTHER"), key: null);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        return (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reportNumber").GetInt32();
    }

    [Fact]
    public async Task The_same_key_and_body_again_gets_the_first_answer_and_stores_one_report()
    {
        var url = NewUrl();
        var key = Guid.NewGuid().ToString();
        using var first = await SendAsync(Report(url), key);
        // The same report retried, written differently (spacing, property order): still the same request.
        using var again = await SendAsync($"{{ \"reporterReference\": \"R-1\",  \"text\": \"the same post\", \"url\": \"{url}\" }}", key);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, again.StatusCode));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        // Only the first was counted: the next report of the URL is the second.
        Assert.Equal(2, await ReportNumberAfterAnotherReportAsync(url));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_422_and_stores_nothing()
    {
        var url = NewUrl();
        var otherUrl = NewUrl();
        var key = Guid.NewGuid().ToString();
        using var first = await SendAsync(Report(url), key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var reused = await SendAsync(Report(otherUrl), key);

        var problem = await AssertProblemAsync(reused, HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(1, await ReportNumberAfterAnotherReportAsync(otherUrl));
    }

    [Fact]
    public async Task Retries_racing_under_one_key_store_one_report_and_all_get_its_answer()
    {
        var url = NewUrl();
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await SendAsync(Report(url), key);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(2, await ReportNumberAfterAnotherReportAsync(url));
    }

    [Fact]
    public async Task Keys_are_scoped_to_the_organisation()
    {
        var url = NewUrl();
        var key = Guid.NewGuid().ToString();
        using var issue = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/api-keys")
        {
            Content = JsonContent.Create(new { name = "desk", organisation = $"another-ngo-{Guid.NewGuid():N}", roles = new[] { "reporter" } }),
        };
        issue.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        using var issued = await fixture.Ingest.Client.SendAsync(issue);
        var otherOrganisation = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var ours = await SendAsync(Report(url), key);
        using var theirs = await SendAsync(Report(url), key, otherOrganisation);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (ours.StatusCode, theirs.StatusCode));
        var numbers = new List<int>();
        foreach (var response in new[] { ours, theirs })
            numbers.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reportNumber").GetInt32());
        Assert.Equal([1, 2], numbers);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task An_unusable_key_is_400_naming_the_header(string key)
    {
        using var response = await SendAsync(Report(NewUrl()), key);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }
}
