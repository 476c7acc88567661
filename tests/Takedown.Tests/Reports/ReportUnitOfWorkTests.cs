extern alias ingest;

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ingest::Takedown.Ingest.Reports;
using Microsoft.Extensions.DependencyInjection;
using Takedown.Testing;
using Takedown.Tests.Http;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.Reports;

/// <summary>A report, its evidence and its ContentSubmitted are one unit of work in Ingest.</summary>
public sealed class ReportUnitOfWorkTests(KestrelIngestFixture fixture) : IClassFixture<KestrelIngestFixture>
{
    private Store Store => fixture.Ingest.Services.GetRequiredService<Store>();

    private static string UniqueUrl() => $"https://x.com/someone/status/{Random.Shared.NextInt64(1, long.MaxValue)}";

    private async Task<JsonElement> ReportAsync(string url, params byte[][] media)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports")
        {
            Content = JsonContent.Create(new
            {
                url, reporterReference = "TFP-1", text = "a post",
                media = media.Select(bytes => new { contentType = "image/png", data = Convert.ToBase64String(bytes) }).ToArray(),
            }),
        };
        request.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        using var response = await fixture.Ingest.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Reports_of_one_url_at_the_same_moment_are_all_accepted_and_numbered_in_turn()
    {
        // They race for one submission stream: the losers read it again and append after the winner.
        var url = UniqueUrl();

        var accepted = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ReportAsync(url)));

        Assert.Equal([1, 2, 3], accepted.Select(a => a.GetProperty("reportNumber").GetInt32()).Order());
        var contentId = accepted[0].GetProperty("contentId").GetGuid();
        var events = await Store.ReadStreamAsync(Submission.StreamId(contentId), CancellationToken.None);
        Assert.Equal([(1L, 1), (2L, 2), (3L, 3)], events.Select(e => (e.Version, ((ReportReceived)e.Data).ReportNumber)));
        Assert.All(events, e => Assert.Equal("report-received", e.EventTypeName));
    }

    [Fact]
    public async Task Media_reported_twice_is_stored_once_as_first_received()
    {
        var bytes = RandomNumberGenerator.GetBytes(5_000);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var first = await ReportAsync(UniqueUrl(), bytes);
        await ReportAsync(UniqueUrl(), bytes);

        var firstEvents = await Store.ReadStreamAsync(Submission.StreamId(first.GetProperty("contentId").GetGuid()), CancellationToken.None);
        var receivedAt = ((ReportReceived)Assert.Single(firstEvents).Data).ReceivedAt;
        await using var command = fixture.Database.DataSource.CreateCommand(
            "SELECT count(*), min(first_received_at), min(length), (array_agg(bytes))[1] FROM ingest.evidence WHERE sha256 = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        // PostgreSQL keeps microseconds.
        Assert.Equal((1L, receivedAt.UtcTicks / 10 * 10, 5_000L),
            (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1).UtcTicks, reader.GetInt64(2)));
        Assert.Equal(bytes, reader.GetFieldValue<byte[]>(3));
    }

    [Fact]
    public async Task An_accepted_report_is_published_as_ContentSubmitted_naming_its_media()
    {
        var queue = TestServers.UniqueName("submitted");
        await fixture.VirtualHost.BindQueueAsync(queue, "Takedown.Contracts:ContentSubmitted");
        var bytes = RandomNumberGenerator.GetBytes(1_000);

        var accepted = await ReportAsync(UniqueUrl(), bytes);

        var contentId = accepted.GetProperty("contentId").GetGuid();
        // Earlier tests' reports may still be on their way out of the outbox: only this report's message counts.
        var published = await Eventually.UntilAsync(
            async () => (await fixture.VirtualHost.PeekAsync(queue, 100))
                .Select(m => JsonDocument.Parse(m.GetProperty("payload").GetString()!).RootElement.GetProperty("message"))
                .Where(m => m.GetProperty("contentId").GetGuid() == contentId).ToList(),
            found => found.Count > 0, what: "ContentSubmitted");
        var message = Assert.Single(published);
        Assert.Equal((accepted.GetProperty("reportId").GetGuid(), 1), (message.GetProperty("reportId").GetGuid(), message.GetProperty("reportNumber").GetInt32()));
        var media = Assert.Single(message.GetProperty("media").EnumerateArray());
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(bytes)), 1_000L), (media.GetProperty("sha256").GetString(), media.GetProperty("length").GetInt64()));
    }
}
