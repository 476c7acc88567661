using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Takedown.Fingerprints.Text;
using Takedown.Testing;
using Takedown.Tests.Banks;

namespace Takedown.Tests.EndToEnd;

public sealed record TimelineEntryView(long Version, string Type, DateTimeOffset OccurredAt, string Summary);

public sealed record CaseResponse(
    Guid ContentId, long Version, string Status, string? Platform, string? Url, string? CanonicalUrl, string? Category, string? Severity,
    int ReportCount, IReadOnlyList<string> ReporterOrganisations, IReadOnlyList<Guid> ReuploadOf, DateTimeOffset? RemovedAt,
    IReadOnlyList<TimelineEntryView> Timeline, DateTimeOffset? FirstReportedAt = null, string? Regime = null, DateTimeOffset? DueAt = null);

public sealed record CaseListItemView(Guid ContentId, long Version, string Status, string? Category, string? Platform, int ReportCount, IReadOnlyList<string> ReporterOrganisations);

public sealed record CasePageView(IReadOnlyList<CaseListItemView> Items, int Page, int PageSize, long Total);

public sealed record PlatformFiguresView(string Platform, FiguresView Figures);

public sealed record FiguresView(long Cases, long Reports, long Open, long Removed, long Rejected, double RemovalRate, DurationView TimeToRemoval, AnswersView Answers);

public sealed record DurationView(long Count, double? P50Hours, double? P90Hours, double? P99Hours);

public sealed record AnswersView(long Notified, DurationView TimeToAnswer);

public sealed record AuditView(string StreamId, bool Intact, long EventsChecked, long? FirstBrokenVersion, string? Problem);

public sealed record ReportAcceptedResponse(Guid ContentId, Guid ReportId, int ReportNumber, string CaseUrl);

public sealed partial class PipelineTests(PipelineFixture pipeline) : IClassFixture<PipelineFixture>
{
    private const string Organisation = "tech-for-peace";

    private static string UniqueUrl(string path) => $"https://www.facebook.com/{path}/{Guid.NewGuid():N}";

    private async Task<ReportAcceptedResponse> ReportAsync(
        string key, string url, string text, string platform = "facebook", object[]? media = null, string jurisdiction = "IQ")
    {
        using var response = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", key,
            new { url, platform, text, reporterReference = "TFP-" + Guid.NewGuid().ToString("N")[..6], jurisdiction, views = 13000, media }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<ReportAcceptedResponse>())!;
        Assert.Equal($"{PipelineFixture.ReportingBaseUrl}/api/v1/cases/{accepted.ContentId}", response.Headers.Location?.OriginalString);
        Assert.Equal(response.Headers.Location?.OriginalString, accepted.CaseUrl);
        return accepted;
    }

    private async Task<CaseResponse?> GetCaseAsync(string key, Guid contentId)
    {
        using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{contentId}", key));
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<CaseResponse>();
    }

    private Task<CaseResponse?> CaseWhenAsync(string key, Guid contentId, Func<CaseResponse, bool> done, string what) =>
        Eventually.UntilAsync(() => GetCaseAsync(key, contentId), c => c is not null && done(c), what: what);

    // Classification, fingerprints and the report itself reach Reporting in any order.
    private static bool Complete(CaseResponse c) =>
        c.ReportCount > 0 && c.Category is not null && c.Timeline.Any(t => t.Type == "FingerprintsRecorded");

    [Fact]
    public async Task A_report_is_carried_through_all_four_services_into_a_readable_case()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var id = Guid.NewGuid().ToString("N");
        var accepted = await ReportAsync(reporter, $"https://WWW.Facebook.com/posts/{id}?utm_source=share&fbclid=abc#comments", "فلان عميل السفارة");

        var found = (await CaseWhenAsync(analyst, accepted.ContentId, Complete, "classification and fingerprints"))!;

        Assert.Equal("open", found.Status);
        Assert.Equal($"https://www.facebook.com/posts/{id}", found.CanonicalUrl);
        Assert.Equal("facebook", found.Platform);
        Assert.Equal("targeting-of-individuals", found.Category);
        Assert.Equal("P1", found.Severity);
        Assert.Equal(1, found.ReportCount);
        Assert.Equal([Organisation], found.ReporterOrganisations);
        Assert.Equal(["ContentClassified", "ContentReported", "FingerprintsRecorded"], found.Timeline.Select(t => t.Type).Order());
        Assert.Equal([1L, 2L, 3L], found.Timeline.Select(t => t.Version));
        Assert.All(found.Timeline, t => Assert.True(t.OccurredAt > DateTimeOffset.UtcNow.AddMinutes(-5)));
        Assert.Contains(found.Timeline, t => t.Summary == $"Report #1 by {Organisation} of https://www.facebook.com/posts/{id} on facebook");
    }

    [Fact]
    public async Task A_video_reported_by_its_short_link_and_its_watch_url_is_one_content_item_on_its_platform()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var video = Guid.NewGuid().ToString("N")[..11];

        var first = await ReportAsync(reporter, $"https://youtu.be/{video}?si=Share123&t=42", "first report", platform: "YouTube");
        var second = await ReportAsync(reporter, $"https://m.youtube.com/watch?v={video}&feature=share", "second report", platform: "");

        Assert.Equal(first.ContentId, second.ContentId);
        var found = (await CaseWhenAsync(analyst, first.ContentId, c => c.ReportCount == 2, "both reports on one case"))!;
        Assert.Equal($"https://www.youtube.com/watch?v={video}", found.CanonicalUrl);
        Assert.Equal("youtube", found.Platform);
    }

    [Fact]
    public async Task Propaganda_reported_in_germany_runs_on_the_netzdg_24_hour_clock_from_the_first_notice()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var accepted = await ReportAsync(reporter, UniqueUrl("posts"), "الدولة الإسلامية باقية وتتمدد", jurisdiction: "DE");

        var found = (await CaseWhenAsync(analyst, accepted.ContentId, c => Complete(c) && c.Regime is not null, "the classified case"))!;
        Assert.Equal(("terrorist-propaganda", "P1"), (found.Category, found.Severity));
        Assert.Equal("de-netzdg-manifestly-unlawful", found.Regime);
        Assert.Null(found.DueAt);   // the law starts the clock at the notice, and none was sent yet

        var sentAt = new DateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-10).UtcTicks / 10_000_000 * 10_000_000, TimeSpan.Zero);
        using var notice = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/notices", liaison,
            new { channel = "email", reference = "m-de-1", sentAt }));
        var noticed = (await notice.Content.ReadFromJsonAsync<CaseResponse>())!;
        Assert.Equal(("de-netzdg-manifestly-unlawful", sentAt.AddHours(24)), (noticed.Regime, noticed.DueAt));
    }

    [Fact]
    public async Task An_override_to_P0_moves_the_case_onto_the_one_hour_clock_from_its_notice()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var accepted = await ReportAsync(reporter, UniqueUrl("posts"), "they will meet him at the station", jurisdiction: "DE");
        await CaseWhenAsync(analyst, accepted.ContentId, c => Complete(c) && c.Regime is not null, "the classified case");
        var sentAt = new DateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-10).UtcTicks / 10_000_000 * 10_000_000, TimeSpan.Zero);
        using (var notice = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/notices", liaison,
                   new { channel = "email", reference = "m-p0", sentAt })))
            Assert.Equal(HttpStatusCode.OK, notice.StatusCode);

        using (var overridden = await pipeline.Classification.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/classifications/{accepted.ContentId}/override", analyst,
                   new { category = "incitement-threat-to-life", severity = "P0", reason = "Names the time and place of an attack." })))
            Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);

        var found = (await CaseWhenAsync(analyst, accepted.ContentId, c => c.Severity == "P0", "the override on the case"))!;
        Assert.Equal(("p0-imminent-threat", sentAt.AddHours(1)), (found.Regime, found.DueAt));
    }

    [Fact]
    public async Task An_analyst_override_changes_the_cases_category_and_severity_and_shows_on_its_timeline()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var accepted = await ReportAsync(reporter, UniqueUrl("posts"), "الدولة الإسلامية باقية وتتمدد");
        await CaseWhenAsync(analyst, accepted.ContentId, Complete, "the classified case");
        var path = $"/api/v1/classifications/{accepted.ContentId}/override";
        var body = new { category = "hate-speech", severity = "P2", reason = "A quoted slogan in a hateful rant, not the group's own material." };

        using (var byReporter = await pipeline.Classification.SendAsync(PipelineFixture.Request(HttpMethod.Post, path, reporter, body)))
            Assert.Equal(HttpStatusCode.Forbidden, byReporter.StatusCode);

        using (var classification = await pipeline.Classification.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/classifications/{accepted.ContentId}", analyst)))
            Assert.Equal("\"1\"", classification.Headers.ETag?.Tag);
        var stale = PipelineFixture.Request(HttpMethod.Post, path, analyst, body);
        stale.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
        using (var conflict = await pipeline.Classification.SendAsync(stale))
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var fresh = PipelineFixture.Request(HttpMethod.Post, path, analyst, body);
        fresh.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using (var overridden = await pipeline.Classification.SendAsync(fresh))
        {
            Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
            Assert.Equal("\"2\"", overridden.Headers.ETag?.Tag);
        }

        var found = (await CaseWhenAsync(analyst, accepted.ContentId, c => c.Category == "hate-speech", "the override on the case"))!;
        Assert.Equal(("hate-speech", "P2"), (found.Category, found.Severity));
        var entry = found.Timeline[^1];
        Assert.Equal(("ClassificationOverridden", "Analyst override: hate-speech (P2): A quoted slogan in a hateful rant, not the group's own material."),
            (entry.Type, entry.Summary));
    }

    [Fact]
    public async Task An_override_with_bad_fields_is_400_naming_them_and_of_unclassified_content_404()
    {
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");

        using (var badCategory = await pipeline.Classification.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/classifications/{Guid.NewGuid()}/override", analyst,
                   new { category = "spam", severity = "P2", reason = "r" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badCategory.StatusCode);
            var problem = await badCategory.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(["category"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        }

        using (var allBad = await pipeline.Classification.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/classifications/{Guid.NewGuid()}/override", analyst,
                   new { category = "hate-speech", severity = "P9", reason = " " })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, allBad.StatusCode);
            var problem = await allBad.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(["reason", "severity"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order());
        }

        using var unknown = await pipeline.Classification.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/classifications/{Guid.NewGuid()}/override", analyst,
            new { category = "hate-speech", severity = "P2", reason = "r" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_same_url_reported_twice_is_one_case_with_two_reports()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var url = UniqueUrl("videos");
        var first = await ReportAsync(reporter, url, "they will kill him");
        var second = await ReportAsync(reporter, url + "?utm_campaign=again", "they will kill him");

        Assert.Equal(first.ContentId, second.ContentId);
        Assert.Equal(1, first.ReportNumber);
        Assert.Equal(2, second.ReportNumber);
        var found = (await CaseWhenAsync(reporter, first.ContentId, c => c.ReportCount == 2 && Complete(c), "two reports"))!;
        Assert.Equal(2, found.Timeline.Count(t => t.Type == "ContentReported"));
    }

    [Fact]
    public async Task Text_of_removed_content_reported_at_another_url_is_detected_as_a_reupload()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        const string text = "بيان صادر عن المكتب الإعلامي رقم " + "٤٢";
        // A downstream subscriber's queues, bound before anything happens, as one bound at deployment would be.
        var downstream = TestServers.UniqueName("downstream");
        await pipeline.VirtualHost.BindQueueAsync(downstream, "Takedown.Contracts:TakedownConfirmed");
        await pipeline.VirtualHost.BindQueueAsync(downstream, "Takedown.Contracts:ReuploadDetected");
        var original = await ReportAsync(reporter, UniqueUrl("posts"), text + " " + Guid.NewGuid());
        var originalCase = (await CaseWhenAsync(liaison, original.ContentId, Complete, "the original case"))!;

        using (var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{original.ContentId}/platform-response", liaison,
                   new { outcome = "removed" })))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var removed = (await response.Content.ReadFromJsonAsync<CaseResponse>())!;
            Assert.Equal("removed", removed.Status);
            Assert.Equal(originalCase.Version + 1, removed.Version);
        }
        await Eventually.UntilAsync(() => BankedHashesAsync(original.ContentId), n => n > 0, what: "the removed content's hashes in the bank");

        // The same text with diacritics added and different spacing, at a new URL.
        var originalText = await OriginalTextAsync(original.ContentId);
        var reupload = await ReportAsync(reporter, UniqueUrl("reposts"), "  " + originalText.Replace("بيان", "بَيَان") + "  ");
        var reuploadCase = (await CaseWhenAsync(liaison, reupload.ContentId, c => c.ReuploadOf.Count > 0, "the re-upload link"))!;

        Assert.Equal([original.ContentId], reuploadCase.ReuploadOf);
        Assert.Contains(reuploadCase.Timeline, t => t.Type == "ReuploadLinked" && t.Summary == $"Re-upload of removed content {original.ContentId} (text-sha256)");
        Assert.Contains(reuploadCase.Timeline, t => t.Type == "Escalated" && t.Summary == $"Escalated to analysts: re-upload of removed content {original.ContentId}");

        // Both were published on RabbitMQ for downstream services, each naming its content.
        var published = await Eventually.UntilAsync(() => pipeline.VirtualHost.TakeAsync(downstream), m => m.Count > 0, what: "messages for the downstream subscriber");
        var messages = published.Concat(await pipeline.VirtualHost.TakeAsync(downstream))
            .Select(message => JsonDocument.Parse(message.GetProperty("payload").GetString()!).RootElement)
            .Select(envelope => (Type: envelope.GetProperty("messageType")[0].GetString(), Message: envelope.GetProperty("message")))
            .ToList();
        Assert.Contains(messages, m => m.Type == "urn:message:Takedown.Contracts:TakedownConfirmed"
            && m.Message.GetProperty("contentId").GetGuid() == original.ContentId);
        Assert.Contains(messages, m => m.Type == "urn:message:Takedown.Contracts:ReuploadDetected"
            && m.Message.GetProperty("contentId").GetGuid() == reupload.ContentId);
    }

    [Fact]
    public async Task A_repost_of_removed_text_with_emoji_and_hashtags_is_a_reupload_and_another_text_on_the_same_event_is_not()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var original = await ReportAsync(reporter, UniqueUrl("posts"), TextSamples.Statement);
        await CaseWhenAsync(liaison, original.ContentId, Complete, "the original case");
        using (var removed = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{original.ContentId}/platform-response", liaison, new { outcome = "removed" })))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        await Eventually.UntilAsync(() => BankedHashesAsync(original.ContentId), n => n == 2, what: "the removed text's text-sha256 and text-minhash in the bank");

        var repost = await ReportAsync(reporter, UniqueUrl("reposts"), TextSamples.StatementReposted);
        var repostCase = (await CaseWhenAsync(liaison, repost.ContentId, c => c.ReuploadOf.Count > 0, "the re-upload link"))!;

        Assert.Equal([original.ContentId], repostCase.ReuploadOf);
        Assert.Contains(repostCase.Timeline, t => t.Type == "ReuploadLinked" && t.Summary == $"Re-upload of removed content {original.ContentId} (text-minhash)");
        var banked = TextFingerprint.Of(TextSamples.Statement)!;
        var reposted = TextFingerprint.Of(TextSamples.StatementReposted)!;
        var matched = Assert.Single(await ReuploadMatchesAsync(repost.ContentId));
        Assert.Equal((original.ContentId, "text-minhash", reposted.ToHex(), (int)Math.Round((1 - banked.Similarity(reposted)) * 100)), matched);

        var other = await ReportAsync(reporter, UniqueUrl("posts"), TextSamples.SameEventOtherWords);
        var otherCase = (await CaseWhenAsync(liaison, other.ContentId, Complete, "the other text's case"))!;
        // The match runs in the transaction that records the fingerprints, so by now there would be one.
        Assert.Empty(otherCase.ReuploadOf);
        Assert.Empty(await ReuploadMatchesAsync(other.ContentId));
    }

    [Fact]
    public async Task Media_of_removed_content_reported_at_another_url_is_detected_as_a_reupload()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var video = Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(new byte[4096]).ToArray());

        var original = await ReportAsync(reporter, UniqueUrl("videos"), "original caption", media: [new { contentType = "video/mp4", data = video }]);
        var originalCase = (await CaseWhenAsync(liaison, original.ContentId, Complete, "the original case"))!;
        Assert.Contains(originalCase.Timeline, t => t.Summary == "Fingerprinted: text-sha256, text-minhash, media-sha256, media-md5");
        using (var removed = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{original.ContentId}/platform-response", liaison, new { outcome = "removed" })))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        await Eventually.UntilAsync(() => BankedHashesAsync(original.ContentId), n => n == 4, what: "the removed content's hashes in the bank");

        var reupload = await ReportAsync(reporter, UniqueUrl("videos"), "a different caption", media: [new { contentType = "video/mp4", data = video }]);
        var reuploadCase = (await CaseWhenAsync(liaison, reupload.ContentId, c => c.ReuploadOf.Count > 0, "the re-upload link"))!;

        Assert.Equal([original.ContentId], reuploadCase.ReuploadOf);
        Assert.Contains(reuploadCase.Timeline, t => t.Summary == $"Re-upload of removed content {original.ContentId} (media-sha256)");
    }

    [Fact]
    public async Task A_report_whose_url_and_text_are_on_an_imported_hash_list_is_matched_against_that_list()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var url = UniqueUrl("posts");
        const string text = "نص معروف من قائمة خارجية";
        var bank = "list-" + Guid.NewGuid().ToString("N")[..8];
        using (var import = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/banks/{bank}/hashes:import")
               {
                   // The list names the post by its mobile share link; the report by its canonical URL.
                   Content = new StringContent($"signal,hash,label,source\nurl,{url.Replace("www.", "m.")}/?fbclid=x&utm_source=share,known post,tat\n", System.Text.Encoding.UTF8, "text/csv"),
               })
        {
            import.Headers.Add("X-Api-Key", analyst);
            using var imported = await pipeline.Reupload.SendAsync(import);
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }
        using (var lookup = await pipeline.Reupload.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/match", analyst, new { text })))
            Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);

        var accepted = await ReportAsync(reporter, url, text + " " + Guid.NewGuid());

        var matched = await Eventually.UntilAsync(async () =>
        {
            await using var command = pipeline.Database.DataSource.CreateCommand(
                "SELECT data->>'bank', data->>'signal', data->>'label', data->>'source', (data->>'distance')::int FROM reupload.mt_events WHERE stream_id = @s AND type = 'known-hash-matched'");
            command.Parameters.AddWithValue("s", $"fingerprint-{accepted.ContentId}");
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)) : default;
        }, m => m != default, what: "the imported-list match");
        Assert.Equal((bank, "url", "known post", "tat", 0), matched);
    }

    [Fact]
    public async Task A_message_that_cannot_be_read_goes_to_the_error_queue()
    {
        const string queue = "classification-classify-content";
        await pipeline.VirtualHost.PublishRawAsync(queue, "{ this is not a message");

        var dead = await Eventually.UntilAsync(() => pipeline.VirtualHost.MessagesInQueueAsync(queue + "_error"), n => n == 1, what: "the poison message in the error queue");
        Assert.Equal(1, dead);
    }

    [Fact]
    public async Task Requests_without_a_key_are_401_and_with_the_wrong_role_403_as_problem_details()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");

        using var anonymous = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", null, new { url = "https://x.com/a/status/1" }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        using var unknown = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{Guid.NewGuid()}", "tdk_not-a-real-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        using var analystReports = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", analyst,
            new { url = "https://x.com/a/status/1", platform = "x", reporterReference = "r" }));
        Assert.Equal(HttpStatusCode.Forbidden, analystReports.StatusCode);
        Assert.Equal("application/problem+json", analystReports.Content.Headers.ContentType?.MediaType);

        using var reporterResponds = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{Guid.NewGuid()}/platform-response", reporter,
            new { outcome = "removed" }));
        Assert.Equal(HttpStatusCode.Forbidden, reporterResponds.StatusCode);

        using var reporterIssuesKeys = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/admin/api-keys", reporter,
            new { name = "x", organisation = "y", roles = new[] { "admin" } }));
        Assert.Equal(HttpStatusCode.Forbidden, reporterIssuesKeys.StatusCode);
    }

    [Fact]
    public async Task A_report_with_bad_fields_is_400_naming_each_field()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        using var response = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter,
            new { url = "ftp://example.org/file", platform = "", reporterReference = "r1", views = -3, jurisdiction = "Iraq",
                  media = new[] { new { contentType = "image/png", data = "%%% not base64" } } }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(["jurisdiction", "media[0].data", "platform", "url", "views"], fields);
    }

    [Fact]
    public async Task A_malformed_json_body_is_400_problem_details()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports") { Content = new StringContent("{\"url\": ", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", reporter);
        using var response = await pipeline.Ingest.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_reporter_sees_only_its_own_organisations_cases()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var otherReporter = await pipeline.IssueKeyAsync("another-ngo", "reporter");
        var accepted = await ReportAsync(reporter, UniqueUrl("posts"), "hello world");
        await CaseWhenAsync(reporter, accepted.ContentId, c => c.ReportCount == 1, "the case");

        Assert.Null(await GetCaseAsync(otherReporter, accepted.ContentId));
    }

    [Fact]
    public async Task A_platform_response_with_a_stale_if_match_is_409_and_a_rejection_is_recorded_verbatim()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var accepted = await ReportAsync(reporter, UniqueUrl("posts"), "agent of the embassy");
        var current = (await CaseWhenAsync(liaison, accepted.ContentId, Complete, "the case"))!;

        var stale = PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/platform-response", liaison,
            new { outcome = "rejected", reason = "Does not violate our Community Standards." });
        stale.Headers.TryAddWithoutValidation("If-Match", $"\"{current.Version - 1}\"");
        using (var conflict = await pipeline.Reporting.SendAsync(stale))
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var fresh = PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/platform-response", liaison,
            new { outcome = "rejected", reason = "Does not violate our Community Standards." });
        fresh.Headers.TryAddWithoutValidation("If-Match", $"\"{current.Version}\"");
        using var response = await pipeline.Reporting.SendAsync(fresh);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rejected = (await response.Content.ReadFromJsonAsync<CaseResponse>())!;
        Assert.Equal("rejected", rejected.Status);
        Assert.Equal("Platform refused removal: Does not violate our Community Standards.", rejected.Timeline[^1].Summary);
        Assert.Equal($"\"{current.Version + 1}\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task One_report_is_one_trace_across_the_four_services()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var traceId = ActivityTraceId.CreateRandom();
        var consumed = new System.Collections.Concurrent.ConcurrentBag<(ActivityTraceId Trace, string Name)>();
        using var listener = new ActivityListener
        {
            // The same sources the services' tracer provider subscribes to when OTLP export is on.
            ShouldListenTo = source => source.Name is "MassTransit" or "Microsoft.AspNetCore" || source.Name.StartsWith("Takedown", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.Kind == ActivityKind.Consumer) consumed.Add((activity.TraceId, activity.DisplayName)); },
        };
        ActivitySource.AddActivityListener(listener);

        var request = PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter,
            new { url = UniqueUrl("traced"), platform = "facebook", text = "traced report", reporterReference = "trace-1" });
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await pipeline.Ingest.SendAsync(request);
        var accepted = (await response.Content.ReadFromJsonAsync<ReportAcceptedResponse>())!;
        await CaseWhenAsync(reporter, accepted.ContentId, Complete, "the traced case");

        // ContentSubmitted in Classification, ReuploadDetection and Reporting; ContentClassified and ContentFingerprinted in Reporting.
        var inTrace = await Eventually.UntilAsync(() => Task.FromResult(consumed.Count(c => c.Trace == traceId)), n => n >= 5, what: "five consumer spans in the report's trace");
        Assert.True(inTrace >= 5);
    }

    [Fact]
    public async Task The_case_list_filters_pages_and_feeds_platform_statistics()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var other = await pipeline.IssueKeyAsync("another-ngo", "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var platform = "tg" + Guid.NewGuid().ToString("N")[..10];
        var ids = new List<Guid>();
        foreach (var text in new[] { "عميل السفارة", "hello", "spy of the embassy" })
            ids.Add((await ReportAsync(reporter, $"https://forum.example/list/{Guid.NewGuid():N}", text, platform)).ContentId);   // a site whose platform only the reporter can name
        await CaseWhenAsync(liaison, ids[0], Complete, "the first case");
        using (var notice = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{ids[0]}/notices", liaison,
                   new { channel = "personal-contact", reference = "signal-chat-1" })))
            Assert.Equal(HttpStatusCode.OK, notice.StatusCode);
        using (var removed = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{ids[0]}/platform-response", liaison, new { outcome = "removed" })))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);

        async Task<CasePageView> ListAsync(string key, string query) =>
            (await (await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases?platform={platform}{query}", key))).Content.ReadFromJsonAsync<CasePageView>())!;

        var removedOnly = await Eventually.UntilAsync(() => ListAsync(analyst, "&status=removed"), p => p.Total == 1, what: "the removal in the case list");
        Assert.Equal(ids[0], removedOnly.Items.Single().ContentId);
        var all = await Eventually.UntilAsync(() => ListAsync(analyst, ""), p => p.Total == 3, what: "three cases in the list");
        Assert.Equal(ids.Order(), all.Items.Select(i => i.ContentId).Order());
        var firstPage = await ListAsync(analyst, "&pageSize=2&page=1");
        var secondPage = await ListAsync(analyst, "&pageSize=2&page=2");
        Assert.Equal((2, 1, 3L), (firstPage.Items.Count, secondPage.Items.Count, secondPage.Total));
        Assert.Empty(firstPage.Items.Select(i => i.ContentId).Intersect(secondPage.Items.Select(i => i.ContentId)));
        Assert.Equal(3, (await ListAsync(reporter, "")).Total);
        Assert.Equal(0, (await ListAsync(other, "")).Total);   // another organisation's reporter sees none of them
        Assert.Equal(0, (await ListAsync(other, "&organisation=" + Organisation)).Total);

        // The statistics read the transparency facts, another projection than the list: wait for the removal there too.
        var figures = (await Eventually.UntilAsync(async () =>
            (await (await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, "/api/v1/statistics/platforms", analyst)))
                .Content.ReadFromJsonAsync<List<PlatformFiguresView>>())!.SingleOrDefault(f => f.Platform == platform),
            f => f is { Figures.Removed: 1 }, what: "the removal in the platform statistics"))!.Figures;
        Assert.Equal((3L, 3L, 2L, 1L, 0L, 0.3333), (figures.Cases, figures.Reports, figures.Open, figures.Removed, figures.Rejected, figures.RemovalRate));
        Assert.Equal((1L, 1L, 1L), (figures.TimeToRemoval.Count, figures.Answers.Notified, figures.Answers.TimeToAnswer.Count));
    }

    [Fact]
    public async Task The_reporters_observedAt_travels_to_the_statement_of_reasons_as_its_content_date()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
        var observedAt = DateTimeOffset.UtcNow.AddDays(-3);
        using var reported = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter,
            new { url = UniqueUrl("observed"), platform = "facebook", text = "agent of the embassy", reporterReference = "TFP-obs", observedAt }));
        Assert.Equal(HttpStatusCode.Accepted, reported.StatusCode);
        var contentId = (await reported.Content.ReadFromJsonAsync<ReportAcceptedResponse>())!.ContentId;
        await CaseWhenAsync(liaison, contentId, Complete, "the case");
        using (var notice = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{contentId}/notices", liaison,
                   new { channel = "trusted-flagger-portal", reference = "TFP-obs-1" })))
            Assert.Equal(HttpStatusCode.OK, notice.StatusCode);
        using (var removed = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{contentId}/platform-response", liaison, new { outcome = "removed" })))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);

        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd");
        var puid = $"takedown-{contentId:N}";
        var statement = await Eventually.UntilAsync(async () =>
        {
            using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/reports/transparency?from={today}&to={today}&format=dsa-sor", analyst));
            return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement.Clone())
                .FirstOrDefault(s => s.GetProperty("puid").GetString() == puid);
        }, s => s.ValueKind == JsonValueKind.Object, what: "the statement of reasons");

        Assert.Equal((observedAt.UtcDateTime.ToString("yyyy-MM-dd"), today), (statement.GetProperty("content_date").GetString(), statement.GetProperty("application_date").GetString()));
    }

    [Fact]
    public async Task A_case_audit_recomputes_its_hash_chain()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var accepted = await ReportAsync(reporter, UniqueUrl("audit"), "audit me");
        var found = (await CaseWhenAsync(reporter, accepted.ContentId, Complete, "the case"))!;

        using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{accepted.ContentId}/audit", reporter));
        var audit = (await response.Content.ReadFromJsonAsync<AuditView>())!;
        Assert.Equal(new AuditView($"case-{accepted.ContentId}", true, found.Version, null, null), audit);
    }

    [Fact]
    public async Task Rebuilding_the_case_summaries_gives_the_same_rows()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        for (var i = 0; i < 3; i++)
        {
            var accepted = await ReportAsync(reporter, UniqueUrl("rebuild"), $"rebuild {i}");
            await CaseWhenAsync(reporter, accepted.ContentId, Complete, "the case");
        }
        await Eventually.UntilAsync(SummariesAsync, p => p.GetProperty("eventsBehind").GetInt64() == 0, what: "the live projection to catch up");
        var snapshotAt = await ServerNowAsync();
        var live = await CaseSummaryRowsAsync();

        // The rebuild answers once it has replayed every event up to the high-water mark it read.
        using (var rebuild = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/admin/projections/case-summaries/rebuild", PipelineFixture.AdminKey)))
            Assert.Equal(HttpStatusCode.OK, rebuild.StatusCode);
        await Eventually.UntilAsync(SummariesAsync, p => p.GetProperty("eventsBehind").GetInt64() == 0, what: "the rebuilt projection to stay caught up");

        // Messages of earlier tests may still be landing in the shared pipeline: compare the cases no event touched since.
        var untouched = await StreamsUntouchedSinceAsync(snapshotAt);
        var liveUntouched = live.Where(row => untouched.Contains(row[..row.IndexOf('|')])).ToList();

        Assert.True(liveUntouched.Count >= 3);
        Assert.Equal(liveUntouched, (await CaseSummaryRowsAsync()).Where(row => untouched.Contains(row[..row.IndexOf('|')])).ToList());
    }

    private async Task<DateTime> ServerNowAsync()
    {
        await using var command = pipeline.Database.DataSource.CreateCommand("SELECT now()");
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    private async Task<HashSet<string>> StreamsUntouchedSinceAsync(DateTime since)
    {
        await using var command = pipeline.Database.DataSource.CreateCommand("SELECT id FROM reporting.mt_streams WHERE timestamp < @since");
        command.Parameters.AddWithValue("since", since);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            ids.Add(reader.GetString(0));
        return ids;
    }

    private async Task<JsonElement> SummariesAsync()
    {
        using var status = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, "/api/v1/admin/projections", PipelineFixture.AdminKey));
        return (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "case-summaries");
    }

    private async Task<List<string>> CaseSummaryRowsAsync()
    {
        await using var command = pipeline.Database.DataSource.CreateCommand(
            "SELECT id, data::text FROM reporting.mt_doc_casesummary ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    [Fact]
    public async Task A_notice_and_its_acknowledgement_join_the_timeline_and_the_list()
    {
        var reporter = await pipeline.IssueKeyAsync(Organisation, "reporter");
        var liaison = await pipeline.IssueKeyAsync(Organisation, "liaison");
        var accepted = await ReportAsync(reporter, UniqueUrl("notices"), "agent of the embassy");
        await CaseWhenAsync(liaison, accepted.ContentId, Complete, "the case");
        var sentAt = DateTimeOffset.UtcNow.AddMinutes(-30);

        using (var bad = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/notices", liaison, new { channel = "fax" })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var fields = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order();
            Assert.Equal(["channel", "reference"], fields);
        }
        using (var ack = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/acknowledgement", liaison, new { reference = "T-1" })))
            Assert.Equal(HttpStatusCode.Conflict, ack.StatusCode);   // nothing to acknowledge yet
        using (var notice = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/notices", liaison,
                   new { channel = "trusted-flagger-portal", reference = "TFP-2026-0042", sentAt })))
            Assert.Equal(HttpStatusCode.OK, notice.StatusCode);
        using var acknowledged = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Post, $"/api/v1/cases/{accepted.ContentId}/acknowledgement", liaison, new { reference = "T-1" }));
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);

        var view = (await acknowledged.Content.ReadFromJsonAsync<JsonElement>())!;
        Assert.Equal(sentAt.ToUnixTimeMilliseconds(), view.GetProperty("firstNotifiedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        var summaries = view.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("summary").GetString()).ToList();
        Assert.Contains("Notice sent by trusted-flagger-portal, reference TFP-2026-0042", summaries);
        Assert.Contains("Platform acknowledged the notice, reference T-1", summaries);

        await Eventually.UntilAsync(async () =>
        {
            await using var row = pipeline.Database.DataSource.CreateCommand(
                "SELECT (data->'case'->>'firstNotifiedAt')::timestamptz FROM reporting.mt_doc_casesummary WHERE id = @id");
            row.Parameters.AddWithValue("id", $"case-{accepted.ContentId}");
            return await row.ExecuteScalarAsync() as DateTime?;
        }, at => at is not null && Math.Abs((at.Value - sentAt.UtcDateTime).TotalMilliseconds) < 1, what: "the notice time in the case list");
    }

    [Fact]
    public async Task Every_service_reports_live_and_ready()
    {
        foreach (var client in new[] { pipeline.Ingest, pipeline.Classification, pipeline.Reupload, pipeline.Reporting })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        }
    }

    private async Task<long> BankedHashesAsync(Guid contentId)
    {
        await using var command = pipeline.Database.DataSource.CreateCommand("SELECT count(*) FROM reupload.bank_entries WHERE content_id = @id");
        command.Parameters.AddWithValue("id", contentId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<(Guid Matched, string Signal, string Value, int Distance)>> ReuploadMatchesAsync(Guid contentId)
    {
        await using var command = pipeline.Database.DataSource.CreateCommand(
            "SELECT (data->>'matchedContentId')::uuid, data->>'signal', data->>'value', (data->>'distance')::int FROM reupload.mt_events WHERE stream_id = @s AND type = 'reupload-matched'");
        command.Parameters.AddWithValue("s", $"fingerprint-{contentId}");
        await using var reader = await command.ExecuteReaderAsync();
        var matches = new List<(Guid, string, string, int)>();
        while (await reader.ReadAsync())
            matches.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        return matches;
    }

    private async Task<string> OriginalTextAsync(Guid contentId)
    {
        await using var command = pipeline.Database.DataSource.CreateCommand("SELECT data->>'text' FROM ingest.mt_events WHERE stream_id = @s ORDER BY version LIMIT 1");
        command.Parameters.AddWithValue("s", $"submission-{contentId}");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
