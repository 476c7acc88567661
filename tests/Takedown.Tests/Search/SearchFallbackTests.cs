extern alias reporting;

using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using reporting::Takedown.Reporting.Cases;
using Takedown.Tests.Cases;
using Takedown.Testing;

namespace Takedown.Tests.Search;

/// <summary>Elasticsearch configured but away: indexing waits, and PostgreSQL answers the analysts' searches meanwhile.</summary>
public sealed class SearchFallbackTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private ReportingHost _reporting = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        // Port 9 on loopback: nothing listens, every request is refused at once.
        _reporting = await ReportingHost.StartAsync(_db, _vhost, new ManualTimeProvider(Now), host =>
        {
            host.UseSetting("Search:Elasticsearch:Url", "http://127.0.0.1:9");
            host.UseSetting("Search:Elasticsearch:RetryDelay", "00:00:00.050");
            host.UseSetting("Search:Elasticsearch:MaxRetryDelay", "00:00:00.200");
        });
    }

    public async Task DisposeAsync()
    {
        await _reporting.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Search_answers_from_postgresql_while_elasticsearch_is_away_and_says_so()
    {
        var contentId = Guid.NewGuid();
        await _reporting.HandleAsync(new RecordReport(Seed.Report(contentId, Now.AddMinutes(-5), organisation: "fallback-org") with { Text = "بيان تبنّي الهجوم" }, Now));
        var analyst = await _reporting.IssueKeyAsync("takedown-analysts", "analyst");

        var found = await Eventually.UntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/search?q=" + Uri.EscapeDataString("تبني") + "&organisation=fallback-org");
            request.Headers.Add("X-Api-Key", analyst);
            using var response = await _reporting.Client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }, page => page.GetProperty("total").GetInt32() == 1, what: "the report found by PostgreSQL");

        Assert.Equal(contentId, found.GetProperty("items")[0].GetProperty("contentId").GetGuid());
        Assert.Equal("postgresql", found.GetProperty("backend").GetString());
        using var ready = await _reporting.Client.GetAsync("/health/ready");
        Assert.Contains("elasticsearch", await ready.Content.ReadAsStringAsync());
    }
}
