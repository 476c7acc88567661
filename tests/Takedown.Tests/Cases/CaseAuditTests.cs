using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Takedown.Tests.Cases;

/// <summary>
/// GET /api/v1/cases/{id}/audit over rows edited behind the store's back. A class (so a database) of its own: an event
/// edited past reading stops the async projections that meet it, which other tests' case lists would wait on forever.
/// </summary>
public sealed class CaseAuditTests(LifecycleFixture fixture) : IClassFixture<LifecycleFixture>
{
    private const string Organisation = "tech-for-peace";
    private ReportingHost Host => fixture.Host;

    private static DateTimeOffset Now => ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        return await Host.Client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task An_edited_event_breaks_the_cases_audit_at_its_version()
    {
        var reporter = await Host.IssueKeyAsync(Organisation, "reporter");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        using (var intact = await SendAsync(HttpMethod.Get, $"/api/v1/cases/{id}/audit", reporter))
        {
            var before = await JsonAsync(intact);
            Assert.Equal((true, 3L), (before.GetProperty("intact").GetBoolean(), before.GetProperty("eventsChecked").GetInt64()));
        }

        await fixture.Database.ExecuteAsync(
            $"UPDATE reporting.mt_events SET data = jsonb_set(data, '{{reference}}', '\"m-forged\"') WHERE stream_id = 'case-{id}' AND version = 3");

        using var broken = await SendAsync(HttpMethod.Get, $"/api/v1/cases/{id}/audit", reporter);
        var audit = await JsonAsync(broken);
        Assert.Equal((false, 2L, 3L, "hash of version 3 does not match its contents or its predecessor"),
            (audit.GetProperty("intact").GetBoolean(), audit.GetProperty("eventsChecked").GetInt64(), audit.GetProperty("firstBrokenVersion").GetInt64(),
             audit.GetProperty("problem").GetString()));
    }

    [Fact]
    public async Task An_event_edited_past_reading_still_audits_for_staff_and_hides_the_case_from_reporters()
    {
        var reporter = await Host.IssueKeyAsync(Organisation, "reporter");
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));

        // The report itself, which names the reporter's organisation, no longer reads as a report.
        await fixture.Database.ExecuteAsync($"UPDATE reporting.mt_events SET data = '[1]' WHERE stream_id = 'case-{id}' AND version = 1");

        using (var staff = await SendAsync(HttpMethod.Get, $"/api/v1/cases/{id}/audit", analyst))
        {
            var audit = await JsonAsync(staff);
            Assert.Equal((false, 1L), (audit.GetProperty("intact").GetBoolean(), audit.GetProperty("firstBrokenVersion").GetInt64()));
        }
        using var hidden = await SendAsync(HttpMethod.Get, $"/api/v1/cases/{id}/audit", reporter);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }
}
