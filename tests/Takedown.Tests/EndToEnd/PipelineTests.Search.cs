using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takedown.Testing;

namespace Takedown.Tests.EndToEnd;

/// <summary>The analysts' search over what the pipeline recorded: PostgreSQL's, as on a machine without Elasticsearch.</summary>
public sealed partial class PipelineTests
{
    [Fact]
    public async Task A_report_through_the_pipeline_is_found_by_its_words_and_by_a_reposted_copy_of_its_text()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var tag = $"tag{Guid.NewGuid():N}";
        var text = $"أيها المسلمون انفروا إلى ساحات القتال في الشام والعراق فقد أعلنت الدولة الخلافة وبايعوا أمير المؤمنين {tag}";
        var accepted = await ReportAsync(reporter, UniqueUrl("posts"), text);
        var reported = (await CaseWhenAsync(analyst, accepted.ContentId, Complete, "classification and fingerprints"))!;

        // Spelled as a re-post would spell it: no hamza, heh for teh marbuta.
        var query = "/api/v1/search?q=" + Uri.EscapeDataString($"الدوله الخلافه {tag}");
        var found = await Eventually.UntilAsync(() => GetJsonAsync(query, reporter),
            page => page.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("version").GetInt64() == reported.Version),
            what: "the case at its current version in the search");
        var item = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal((accepted.ContentId, reported.Category, "facebook", "postgresql"),
            (item.GetProperty("contentId").GetGuid(), item.GetProperty("category").GetString(), item.GetProperty("platform").GetString(), found.GetProperty("backend").GetString()));

        var repost = $"ايها المسلمون انفروا الى ساحات القتال في الشام و العراق فقد اعلنت الدوله الخلافه وبايعوا امير المؤمنين {tag}";
        using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/search/similar", analyst, new { text = repost }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var similar = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("contentId").GetGuid() == accepted.ContentId);
        Assert.Equal("text-minhash", similar.GetProperty("signal").GetString());
        Assert.InRange(similar.GetProperty("similarity").GetDouble(), 0.6, 1.0);
    }

    private async Task<JsonElement> GetJsonAsync(string path, string key)
    {
        using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, path, key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
