extern alias reporting;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Marten.Events;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using reporting::Takedown.Reporting.Accounts;
using Takedown.Contracts;
using Takedown.Testing;
using Takedown.Tests.Cases;

namespace Takedown.Tests.Accounts;

/// <summary>Accounts over HTTP against the real Reporting host: linked from the pipeline's messages, read, noticed and suspended.</summary>
public sealed class AccountEndpointTests(LifecycleFixture fixture) : IClassFixture<LifecycleFixture>
{
    private const string Peace = "tech-for-peace", Watch = "hate-watch";
    private ReportingHost Host => fixture.Host;

    private static DateTimeOffset Now => ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);

    /// <summary>Two posts of one new Telegram channel, reported by two organisations; the first classified under NetzDG (24 h).</summary>
    private async Task<(string Account, Guid First, Guid Second)> ChannelAsync()
    {
        var channel = $"chan{Guid.NewGuid():N}"[..20];
        var account = $"telegram:{channel}";
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var bus = Host.Services.GetRequiredService<IBus>();
        await bus.Publish(Submitted(first, account, channel, 1, Peace));
        await bus.Publish(Submitted(second, account, channel, 2, Watch));
        await bus.Publish(new ContentClassified
        {
            ContentId = first, Category = "terrorist-propaganda", Severity = "P1", Confidence = 0.9, Language = "ar", Explanation = ["test"],
            ModelVersion = "keyword-rules/1", ClassifiedAt = Now, Regime = "de-netzdg-manifestly-unlawful", AllowedSeconds = 86_400,
            RemovalOrderRegime = "eu-2021-784-removal-order", RemovalOrderAllowedSeconds = 3_600,
        });
        // Both reports and the classification, whatever order the consumers ran in, and the list caught up.
        await Eventually.UntilAsync(() => Host.Store.ReadStreamAsync(PlatformAccount.StreamId(account), CancellationToken.None),
            e => e.Count(x => x.Data is AccountContentReported) == 2 && e.Any(x => x.Data is AccountContentClassified), what: "the account's content and terms");
        await Host.Store.Documents.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        return (account, first, second);
    }

    private static ContentSubmitted Submitted(Guid contentId, string account, string channel, int post, string organisation) => new()
    {
        ContentId = contentId, ReportId = Guid.NewGuid(), ReportNumber = 1,
        Url = $"https://t.me/{channel}/{post}", CanonicalUrl = $"https://t.me/{channel}/{post}", Platform = "telegram", Account = account,
        ReporterOrganisation = organisation, ReportedAt = Now.AddMinutes(-post),
    };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await Host.Client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task An_account_shows_its_content_with_each_cases_status_and_runs_on_its_contents_terms()
    {
        var (account, first, second) = await ChannelAsync();
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");

        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/accounts/{account}", analyst);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"3\"", response.Headers.ETag?.Tag);
        var view = await JsonAsync(response);
        Assert.Equal((account, "open", "telegram", "de-netzdg-manifestly-unlawful"),
            (view.GetProperty("accountId").GetString(), view.GetProperty("status").GetString(), view.GetProperty("platform").GetString(), view.GetProperty("regime").GetString()));
        var content = view.GetProperty("content").EnumerateArray()
            .Select(c => (c.GetProperty("contentId").GetGuid(), c.GetProperty("status").GetString())).OrderBy(c => c.Item1 == first ? 0 : 1).ToArray();
        Assert.Equal([(first, "open"), (second, "open")], content);
        Assert.Equal(3, view.GetProperty("timeline").GetArrayLength());
    }

    [Fact]
    public async Task The_case_view_and_the_case_list_show_the_account_and_filter_by_it()
    {
        var (account, first, second) = await ChannelAsync();
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");

        using var caseResponse = await SendAsync(HttpMethod.Get, $"/api/v1/cases/{first}", analyst);
        using var listResponse = await SendAsync(HttpMethod.Get, $"/api/v1/cases?account={Uri.EscapeDataString(account)}", analyst);

        Assert.Equal(account, (await JsonAsync(caseResponse)).GetProperty("account").GetString());
        var items = (await JsonAsync(listResponse)).GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(new[] { first, second }.Order(), items.Select(i => i.GetProperty("contentId").GetGuid()).Order());
        Assert.All(items, i => Assert.Equal(account, i.GetProperty("account").GetString()));
    }

    [Fact]
    public async Task A_liaisons_notice_starts_the_accounts_clock_and_a_suspension_stops_it()
    {
        var (account, _, _) = await ChannelAsync();
        var liaison = await Host.IssueKeyAsync(Peace, "liaison");
        var sentAt = Now.AddMinutes(-30);
        var path = $"/api/v1/accounts/{account}";

        using (var noticed = await SendAsync(HttpMethod.Post, path + "/notices", liaison, new { channel = "personal-contact", reference = "signal-7", sentAt }, "\"3\""))
        {
            Assert.Equal(HttpStatusCode.OK, noticed.StatusCode);
            Assert.Equal("\"4\"", noticed.Headers.ETag?.Tag);
            var view = await JsonAsync(noticed);
            Assert.Equal((1, sentAt.AddHours(24)), (view.GetProperty("notices").GetInt32(), view.GetProperty("dueAt").GetDateTimeOffset()));
        }
        using (var stale = await SendAsync(HttpMethod.Post, path + "/outcome", liaison, new { outcome = "suspended" }, "\"3\""))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Equal(4, (await JsonAsync(stale)).GetProperty("currentVersion").GetInt64());
        }
        using (var suspended = await SendAsync(HttpMethod.Post, path + "/outcome", liaison, new { outcome = "suspended", reason = "Terms of service" }, "\"4\""))
        {
            Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
            var view = await JsonAsync(suspended);
            Assert.Equal(("suspended", "Terms of service", false), (view.GetProperty("status").GetString(), view.GetProperty("outcomeReason").GetString(), view.GetProperty("breached").GetBoolean()));
        }
        using (var refused = await SendAsync(HttpMethod.Post, path + "/outcome", liaison, new { outcome = "restricted" }, "\"5\""))
            Assert.Equal(("suspended", HttpStatusCode.Conflict), ((await JsonAsync(refused)).GetProperty("accountStatus").GetString(), refused.StatusCode));

        await Host.Store.Documents.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        using var list = await SendAsync(HttpMethod.Get, "/api/v1/accounts?platform=telegram&status=suspended&pageSize=200", liaison);
        var listed = (await JsonAsync(list)).GetProperty("items").EnumerateArray().Single(i => i.GetProperty("accountId").GetString() == account);
        Assert.Equal((5L, 2), (listed.GetProperty("version").GetInt64(), listed.GetProperty("contentCount").GetInt32()));
    }

    [Fact]
    public async Task A_rejection_needs_the_platforms_reason()
    {
        var (account, _, _) = await ChannelAsync();
        var liaison = await Host.IssueKeyAsync(Peace, "liaison");

        using var response = await SendAsync(HttpMethod.Post, $"/api/v1/accounts/{account}/outcome", liaison, new { outcome = "rejected" }, "\"3\"");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await JsonAsync(response)).GetProperty("errors").TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task Reporters_see_an_account_only_through_their_organisations_content()
    {
        var (account, theirs, second) = await ChannelAsync();
        var watcher = await Host.IssueKeyAsync(Watch, "reporter");
        var outsider = await Host.IssueKeyAsync("other-ngo", "reporter");

        using var seen = await SendAsync(HttpMethod.Get, $"/api/v1/accounts/{account}", watcher);
        using var unseen = await SendAsync(HttpMethod.Get, $"/api/v1/accounts/{account}", outsider);
        using var outsiderList = await SendAsync(HttpMethod.Get, "/api/v1/accounts?pageSize=200", outsider);
        using var notice = await SendAsync(HttpMethod.Post, $"/api/v1/accounts/{account}/notices", watcher, new { channel = "email", reference = "m-1" }, "\"3\"");

        var view = await JsonAsync(seen);
        Assert.Equal([second], view.GetProperty("content").EnumerateArray().Select(c => c.GetProperty("contentId").GetGuid()).ToArray());
        // The history stays whole, but names no other organisation's content.
        var history = view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("summary").GetString()!).ToArray();
        Assert.Contains(history, line => line.Contains(second.ToString()));
        Assert.Contains(history, line => line.StartsWith("Other content falls under", StringComparison.Ordinal));
        Assert.DoesNotContain(history, line => line.Contains(theirs.ToString()));
        Assert.Equal(HttpStatusCode.NotFound, unseen.StatusCode);
        Assert.DoesNotContain((await JsonAsync(outsiderList)).GetProperty("items").EnumerateArray(), i => i.GetProperty("accountId").GetString() == account);
        Assert.Equal(HttpStatusCode.Forbidden, notice.StatusCode);
    }
}
