extern alias reporting;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using reporting::Takedown.Reporting.Cases;
using Takedown.Testing;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Cases;

/// <summary>The real Reporting host alone on a database and virtual host of its own, for one test class.</summary>
public sealed class LifecycleFixture : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;

    public ReportingHost Host { get; private set; } = null!;
    public TestDatabase Database => _db;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        Host = await ReportingHost.StartAsync(_db, _vhost, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }
}

/// <summary>The case's write endpoints, its timeline and its list, over HTTP against the real Reporting host.</summary>
public sealed class CaseLifecycleTests(LifecycleFixture fixture) : IClassFixture<LifecycleFixture>
{
    private const string Organisation = "tech-for-peace";
    private ReportingHost Host => fixture.Host;

    private static DateTimeOffset Now => ManualTimeProvider.WholeSecond(DateTimeOffset.UtcNow);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await Host.Client.SendAsync(request);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task Escalation_removal_reinstatement_and_closure_each_move_the_version_and_show_on_the_timeline()
    {
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var liaison = await Host.IssueKeyAsync(Organisation, "liaison");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var path = $"/api/v1/cases/{id}";

        using (var read = await SendAsync(HttpMethod.Get, path, analyst))
            Assert.Equal("\"3\"", read.Headers.ETag?.Tag);   // report, classification, notice

        using (var escalated = await SendAsync(HttpMethod.Post, path + "/escalations", analyst, new { to = "legal", reason = "Platform ignores notices" }, "\"3\""))
        {
            Assert.Equal(HttpStatusCode.OK, escalated.StatusCode);
            Assert.Equal("\"4\"", escalated.Headers.ETag?.Tag);
            var view = await JsonAsync(escalated);
            Assert.Equal(("legal", 1), (view.GetProperty("escalatedTo").GetString(), view.GetProperty("escalations").GetInt32()));
        }
        using (var removed = await SendAsync(HttpMethod.Post, path + "/platform-response", liaison, new { outcome = "removed" }, "\"4\""))
        {
            Assert.Equal("\"5\"", removed.Headers.ETag?.Tag);
            Assert.Equal("removed", (await JsonAsync(removed)).GetProperty("status").GetString());
        }
        var seenUpAt = Now.AddMinutes(-1);
        using (var reinstated = await SendAsync(HttpMethod.Post, path + "/reinstatements", liaison, new { reinstatedAt = seenUpAt }, "\"5\""))
        {
            Assert.Equal(HttpStatusCode.OK, reinstated.StatusCode);
            Assert.Equal("\"6\"", reinstated.Headers.ETag?.Tag);
            var view = await JsonAsync(reinstated);
            Assert.Equal("open", view.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, view.GetProperty("dueAt").ValueKind);          // no clock until a new notice
            Assert.Equal(seenUpAt, view.GetProperty("reinstatedAt").GetDateTimeOffset());
        }
        var renoticedAt = Now.AddSeconds(-5);
        using (var renoticed = await SendAsync(HttpMethod.Post, path + "/notices", liaison, new { channel = "email", reference = "m-2", sentAt = renoticedAt }, "\"6\""))
            Assert.Equal(renoticedAt.AddHours(24), (await JsonAsync(renoticed)).GetProperty("dueAt").GetDateTimeOffset());
        using (var closed = await SendAsync(HttpMethod.Post, path + "/closure", analyst, new { reason = "Mirror of a case already handled" }, "\"7\""))
        {
            Assert.Equal("\"8\"", closed.Headers.ETag?.Tag);
            var view = await JsonAsync(closed);
            Assert.Equal(("closed", "Mirror of a case already handled"), (view.GetProperty("status").GetString(), view.GetProperty("closedReason").GetString()));
        }

        using var timeline = await SendAsync(HttpMethod.Get, path + "/timeline", analyst);
        Assert.Equal("\"8\"", timeline.Headers.ETag?.Tag);
        var events = (await JsonAsync(timeline)).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(
            ["ContentReported", "ContentClassified", "NoticeSent", "Escalated", "RemovalConfirmed", "ContentReinstated", "NoticeSent", "CaseClosed"],
            events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), events.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal("test-seed", events[0].GetProperty("actor").GetString());
        Assert.Matches("^api-key:takedown-analysts-analyst-[0-9a-f]{32}@takedown-analysts$", events[3].GetProperty("actor").GetString());
        Assert.Matches($"^api-key:{Organisation}-liaison-[0-9a-f]{{32}}@{Organisation}$", events[5].GetProperty("actor").GetString());
        Assert.Equal("Escalated to legal: Platform ignores notices", events[3].GetProperty("summary").GetString());
        Assert.Equal("Content up again, seen by liaison", events[5].GetProperty("summary").GetString());

        // Each lifecycle event published its message in the same transaction.
        Assert.Equal(["case-escalated", "content-reinstated", "takedown-confirmed"], await StagedMessagesAsync(id));
    }

    [Fact]
    public async Task A_stale_If_Match_or_a_transition_the_case_does_not_allow_is_409_with_its_state_and_an_unreadable_one_412()
    {
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var path = $"/api/v1/cases/{id}";

        using (var stale = await SendAsync(HttpMethod.Post, path + "/escalations", analyst, new { to = "legal", reason = "r" }, "\"2\""))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Equal("\"3\"", stale.Headers.ETag?.Tag);
            var problem = await JsonAsync(stale);
            Assert.Equal(("open", 3L), (problem.GetProperty("caseStatus").GetString(), problem.GetProperty("currentVersion").GetInt64()));
            Assert.Equal(409, problem.GetProperty("status").GetInt32());   // the HTTP status, not the case's
        }
        using (var weak = await SendAsync(HttpMethod.Post, path + "/escalations", analyst, new { to = "legal", reason = "r" }, "W/\"3\""))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, weak.StatusCode);
            Assert.Equal("application/problem+json", weak.Content.Headers.ContentType?.MediaType);
            var problem = await JsonAsync(weak);
            Assert.Equal((412, "open", 3L), (problem.GetProperty("status").GetInt32(), problem.GetProperty("caseStatus").GetString(), problem.GetProperty("currentVersion").GetInt64()));
            Assert.Equal("\"3\"", weak.Headers.ETag?.Tag);
        }
        using (var notRemoved = await SendAsync(HttpMethod.Post, path + "/reinstatements", analyst, new { }, "\"3\""))
        {
            Assert.Equal(HttpStatusCode.Conflict, notRemoved.StatusCode);
            var problem = await JsonAsync(notRemoved);
            Assert.Equal(("open", 3L), (problem.GetProperty("caseStatus").GetString(), problem.GetProperty("currentVersion").GetInt64()));
            Assert.Equal("ReinstateContent is not allowed while the case is Open.", problem.GetProperty("detail").GetString());
        }
        using (var any = await SendAsync(HttpMethod.Post, path + "/closure", analyst, new { reason = "Not violating after all" }, "*"))
            Assert.Equal("\"4\"", any.Headers.ETag?.Tag);
        using (var afterClosure = await SendAsync(HttpMethod.Post, path + "/notices", await Host.IssueKeyAsync(Organisation, "liaison"),
                   new { channel = "email", reference = "m-3" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, afterClosure.StatusCode);
            Assert.Equal("closed", (await JsonAsync(afterClosure)).GetProperty("caseStatus").GetString());
        }

        // Nothing the refusals tried was written.
        using var timeline = await SendAsync(HttpMethod.Get, path + "/timeline", analyst);
        Assert.Equal(4, (await JsonAsync(timeline)).GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Each_refusal_is_problem_details_in_strict_json_that_names_what_is_missing()
    {
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var reporter = await Host.IssueKeyAsync(Organisation, "reporter");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));
        var escalations = $"/api/v1/cases/{id}/escalations";
        var escalation = new { to = "legal", reason = "r" };

        using (var noKey = await Host.Client.PostAsJsonAsync(escalations, escalation))
            await AssertProblemAsync(noKey, HttpStatusCode.Unauthorized);
        using (var wrongRole = await SendAsync(HttpMethod.Post, escalations, reporter, escalation))
        {
            var problem = await AssertProblemAsync(wrongRole, HttpStatusCode.Forbidden);
            Assert.Equal(["analyst", "liaison", "admin"], problem.GetProperty("requiredRoles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(["reporter"], problem.GetProperty("keyRoles").EnumerateArray().Select(r => r.GetString()));
        }
        var unknown = Guid.NewGuid();
        using (var noCase = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{unknown}/escalations", analyst, escalation))
            Assert.Contains(unknown.ToString(), (await AssertProblemAsync(noCase, HttpStatusCode.NotFound)).GetProperty("detail").GetString());
        using (var stale = await SendAsync(HttpMethod.Post, escalations, analyst, escalation, "\"2\""))
        {
            var problem = await AssertProblemAsync(stale, HttpStatusCode.Conflict);
            Assert.Equal(("open", 3L), (problem.GetProperty("caseStatus").GetString(), problem.GetProperty("currentVersion").GetInt64()));
        }
        using (var weak = await SendAsync(HttpMethod.Post, escalations, analyst, escalation, "W/\"3\""))
        {
            var problem = await AssertProblemAsync(weak, HttpStatusCode.PreconditionFailed);
            Assert.Equal(("open", 3L), (problem.GetProperty("caseStatus").GetString(), problem.GetProperty("currentVersion").GetInt64()));
        }
    }

    [Fact]
    public async Task Lifecycle_requests_with_bad_fields_are_400_by_the_wrong_role_403_and_for_no_case_404()
    {
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var reporter = await Host.IssueKeyAsync(Organisation, "reporter");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), Now.AddMinutes(-10));

        using (var bad = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/escalations", analyst, new { to = " ", escalatedAt = Now.AddDays(1) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(["escalatedAt", "reason", "to"], (await JsonAsync(bad)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        }
        using (var badNotice = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/notices", await Host.IssueKeyAsync(Organisation, "liaison"),
                   new { channel = "email", reference = "m-1", orderIssuedAt = Now.AddHours(-1) }))
            Assert.Equal(["orderIssuedAt"], (await JsonAsync(badNotice)).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        using (var noReason = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/closure", analyst, new { }))
            Assert.Equal(["reason"], (await JsonAsync(noReason)).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        foreach (var action in new[] { "escalations", "reinstatements", "closure" })
        {
            using var byReporter = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/{action}", reporter, new { to = "x", reason = "y" });
            Assert.Equal(HttpStatusCode.Forbidden, byReporter.StatusCode);
        }
        using var unknown = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{Guid.NewGuid()}/closure", analyst, new { reason = "r" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_reporter_sees_its_own_organisations_case_timeline_audit_and_list_entry_and_no_others()
    {
        var own = await Host.IssueKeyAsync(Organisation, "reporter");
        var other = await Host.IssueKeyAsync("another-ngo", "reporter");
        var liaison = await Host.IssueKeyAsync("takedown-liaisons", "liaison");
        var platform = "p" + Guid.NewGuid().ToString("N")[..10];
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), null, Organisation, platform);

        foreach (var path in new[] { $"/api/v1/cases/{id}", $"/api/v1/cases/{id}/timeline", $"/api/v1/cases/{id}/audit" })
        {
            using (var mine = await SendAsync(HttpMethod.Get, path, own))
                Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
            using (var staff = await SendAsync(HttpMethod.Get, path, liaison))
                Assert.Equal(HttpStatusCode.OK, staff.StatusCode);
            using (var theirs = await SendAsync(HttpMethod.Get, path, other))
                Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        }
        Assert.Equal(1, await Eventually.UntilAsync(() => ListTotalAsync(own, $"platform={platform}"), n => n == 1, what: "the case in the list"));
        Assert.Equal(0, await ListTotalAsync(other, $"platform={platform}"));
        Assert.Equal(0, await ListTotalAsync(other, $"platform={platform}&organisation={Organisation}"));
        Assert.Equal(1, await ListTotalAsync(liaison, $"platform={platform}"));
    }

    [Fact]
    public async Task A_notice_by_personal_contact_is_accepted_and_a_removal_order_records_its_issuing_authority()
    {
        var liaison = await Host.IssueKeyAsync(Organisation, "liaison");
        var id = await Seed.CaseAsync(Host, Now, TimeSpan.FromHours(24), null);

        using (var misplaced = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/notices", liaison, new { channel = "email", reference = "m-1", issuedBy = "BKA" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, misplaced.StatusCode);
            Assert.Equal(["issuedBy"], (await JsonAsync(misplaced)).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        }
        using (var personal = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/notices", liaison, new { channel = "personal-contact", reference = "signal-1" }))
            Assert.Equal(HttpStatusCode.OK, personal.StatusCode);
        using (var order = await SendAsync(HttpMethod.Post, $"/api/v1/cases/{id}/notices", liaison,
                   new { channel = "removal-order", reference = "TCO-9", issuedBy = " Bundeskriminalamt " }))
            Assert.Equal(HttpStatusCode.OK, order.StatusCode);

        await using var session = Host.Store.Query();
        var notices = (await session.Events.FetchStreamAsync(TakedownCase.StreamId(id))).Select(e => e.Data).OfType<NoticeSent>().ToList();
        Assert.Equal([("personal-contact", null), ("removal-order", "Bundeskriminalamt")], notices.Select(n => (n.Channel, n.IssuedBy)));
    }

    [Fact]
    public async Task The_list_shows_each_deadline_and_filters_overdue_and_due_before_soonest_first()
    {
        var liaison = await Host.IssueKeyAsync(Organisation, "liaison");
        var other = await Host.IssueKeyAsync("another-ngo", "reporter");
        var platform = "p" + Guid.NewGuid().ToString("N")[..10];
        var now = Now;
        var overdue = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(1), now.AddHours(-2), platform: platform);     // due an hour ago
        var running = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), now.AddMinutes(-10), platform: platform); // due tomorrow
        var unnoticed = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), null, platform: platform);              // no clock yet

        var late = await Eventually.UntilAsync(() => ListAsync(liaison, $"platform={platform}&overdue=true"),
            items => items.Count == 1 && items[0].GetProperty("breached").GetBoolean(), what: "the overdue case, its breach recorded by the clock");
        Assert.Equal(overdue, late[0].GetProperty("contentId").GetGuid());
        Assert.Equal(now.AddHours(-1), late[0].GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal("de-netzdg-manifestly-unlawful", late[0].GetProperty("regime").GetString());
        Assert.Equal(4, late[0].GetProperty("version").GetInt64());   // report, classification, notice, breach

        var dueSoon = await ListAsync(liaison, $"platform={platform}&dueBefore={Uri.EscapeDataString(now.AddDays(2).ToString("o"))}");
        Assert.Equal([overdue, running], dueSoon.Select(i => i.GetProperty("contentId").GetGuid()));
        var dueWithinTheHour = await ListAsync(liaison, $"platform={platform}&dueBefore={Uri.EscapeDataString(now.AddHours(1).ToString("o"))}");
        Assert.Equal([overdue], dueWithinTheHour.Select(i => i.GetProperty("contentId").GetGuid()));
        var notOverdue = await ListAsync(liaison, $"platform={platform}&overdue=false");
        Assert.Equal(new[] { running, unnoticed }.Order(), notOverdue.Select(i => i.GetProperty("contentId").GetGuid()).Order());
        Assert.Equal(0, await ListTotalAsync(other, $"platform={platform}&overdue=true"));
    }

    [Fact]
    public async Task Platform_statistics_are_the_transparency_figures_per_platform_and_per_category()
    {
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var platform = "p" + Guid.NewGuid().ToString("N")[..10];
        var now = Now;
        var noticeAt = now.AddMinutes(-25);
        var fast = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), noticeAt, platform: platform);
        await Host.HandleAsync(new ConfirmRemoval(fast, "platform", noticeAt.AddMinutes(6), now));        // 0.1 h
        var slow = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), noticeAt, platform: platform);
        await Host.HandleAsync(new ConfirmRemoval(slow, "platform", noticeAt.AddMinutes(18), now));       // 0.3 h
        var refused = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), noticeAt, platform: platform);
        await Host.HandleAsync(new RejectRemoval(refused, "Satire", now.AddMinutes(-1), now));            // answered after 0.4 h
        var open = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), null, platform: platform);
        await Host.HandleAsync(new RecordReport(Seed.Report(open, now.AddMinutes(-5), "another-ngo", platform), now));
        Assert.Equal(CaseStatus.Open, (await Host.SummaryAsync(open))?.Status);   // every projection caught up

        using var response = await SendAsync(HttpMethod.Get, "/api/v1/statistics/platforms", analyst);
        var figures = (await JsonAsync(response)).EnumerateArray().Single(f => f.GetProperty("platform").GetString() == platform).GetProperty("figures");

        Assert.Equal((4L, 5L, 1L, 2L, 1L, 0.5),
            (figures.GetProperty("cases").GetInt64(), figures.GetProperty("reports").GetInt64(), figures.GetProperty("open").GetInt64(),
             figures.GetProperty("removed").GetInt64(), figures.GetProperty("rejected").GetInt64(), figures.GetProperty("removalRate").GetDouble()));
        // Nearest rank, as the transparency report: [0.1, 0.3] has p50 = the 1st, p90 = the 2nd.
        Assert.Equal("""{"count":2,"p50Hours":0.1,"p90Hours":0.3,"p99Hours":0.3}""", figures.GetProperty("timeToRemoval").GetRawText());
        var answers = figures.GetProperty("answers");
        // Answers [0.1, 0.3, 0.4]: p50 the 2nd, p90 and p99 the 3rd; one "does not violate", not removed since.
        Assert.Equal("""{"count":3,"p50Hours":0.3,"p90Hours":0.4,"p99Hours":0.4}""", answers.GetProperty("timeToAnswer").GetRawText());
        Assert.Equal((3L, 1L, 0L, 0.0, 0L),
            (answers.GetProperty("notified").GetInt64(), answers.GetProperty("answeredDoesNotViolate").GetInt64(),
             answers.GetProperty("removedAfterDoesNotViolate").GetInt64(), answers.GetProperty("removedAfterDoesNotViolateShare").GetDouble(),
             answers.GetProperty("unansweredAfter24Hours").GetInt64()));

        using var byCategory = await SendAsync(HttpMethod.Get, "/api/v1/statistics/platforms?by=category", analyst);
        var rows = (await JsonAsync(byCategory)).EnumerateArray().Where(f => f.GetProperty("platform").GetString() == platform).ToList();
        Assert.Equal([("terrorist-propaganda", 4L)], rows.Select(r => (r.GetProperty("category").GetString(), r.GetProperty("figures").GetProperty("cases").GetInt64())));

        using var unknown = await SendAsync(HttpMethod.Get, "/api/v1/statistics/platforms?by=organisation", analyst);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Rebuilding_the_case_list_from_the_first_event_answers_once_caught_up_with_the_same_list()
    {
        var analyst = await Host.IssueKeyAsync("takedown-analysts", "analyst");
        var platform = "p" + Guid.NewGuid().ToString("N")[..10];
        var now = Now;
        var removed = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(1), now.AddMinutes(-20), platform: platform);
        await Host.HandleAsync(new ConfirmRemoval(removed, "platform", now.AddMinutes(-5), now));
        await Seed.CaseAsync(Host, now, TimeSpan.FromHours(24), null, platform: platform);
        var breached = await Seed.CaseAsync(Host, now, TimeSpan.FromHours(1), now.AddHours(-2), platform: platform);
        await Host.HandleAsync(new RecordSlaBreach(breached, now));
        await Host.SummaryAsync(breached);
        var before = (await ListAsync(analyst, $"platform={platform}")).Select(i => i.GetRawText()).ToList();

        using var rebuild = await SendAsync(HttpMethod.Post, "/api/v1/admin/projections/case-summaries/rebuild", ReportingHost.AdminKey);

        Assert.Equal(HttpStatusCode.OK, rebuild.StatusCode);
        var answer = await JsonAsync(rebuild);
        Assert.Equal(("completed", 0L), (answer.GetProperty("rebuild").GetString(), answer.GetProperty("status").GetProperty("eventsBehind").GetInt64()));
        Assert.Equal(3, before.Count);
        Assert.Equal(before, (await ListAsync(analyst, $"platform={platform}")).Select(i => i.GetRawText()));
    }

    private async Task<List<JsonElement>> ListAsync(string key, string query)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/cases?{query}", key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonAsync(response)).GetProperty("items").EnumerateArray()];
    }

    private async Task<long> ListTotalAsync(string key, string query)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/api/v1/cases?{query}", key);
        return (await JsonAsync(response)).GetProperty("total").GetInt64();
    }

    private async Task<List<string>> StagedMessagesAsync(Guid contentId)
    {
        await using var command = fixture.Database.DataSource.CreateCommand(
            "SELECT message_type FROM reporting.outbox WHERE body->>'contentId' = @id ORDER BY 1");
        command.Parameters.AddWithValue("id", contentId.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        var types = new List<string>();
        while (await reader.ReadAsync())
            types.Add(reader.GetString(0));
        return types;
    }
}
