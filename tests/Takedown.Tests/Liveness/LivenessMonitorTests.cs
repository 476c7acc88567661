extern alias reporting;

using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using reporting::Takedown.Reporting.Cases;
using reporting::Takedown.Reporting.Liveness;
using Takedown.EventStore;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.Liveness;

/// <summary>
/// The real Reporting host on its own database and virtual host, its liveness monitor switched on with short
/// intervals and 127.0.0.1 allow-listed, checking cases whose URLs point at a local server.
/// </summary>
public sealed class LivenessHostFixture : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private WebApplicationFactory<reporting::Program> _factory = null!;

    public LocalSite Site { get; private set; } = null!;
    public Store Store { get; private set; } = null!;
    public RecordingActions Actions { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        Site = await LocalSite.StartAsync("127.0.0.1");
        _factory = new WebApplicationFactory<reporting::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", _db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", _vhost.Name);
            host.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Liveness:Enabled"] = "true",
                ["Liveness:PollInterval"] = "00:00:00.100",
                ["Liveness:Interval"] = "00:00:00.200",
                ["Liveness:RecheckInterval"] = "00:00:00.100",
                ["Liveness:MaxBackoff"] = "00:00:00.400",
                ["Liveness:Jitter"] = "0",
                ["Liveness:ConfirmAfter"] = "3",
                ["Liveness:PerHostInterval"] = "00:00:00",
                ["Liveness:Timeout"] = "00:00:01",
                ["Liveness:AllowList:0"] = "127.0.0.1/32",
            }));
            // The real actions, watched, so a test sees which the monitor took and when.
            host.ConfigureTestServices(services =>
            {
                services.AddSingleton<CaseLivenessActions>();
                services.AddSingleton<RecordingActions>(sp => new RecordingActions(sp.GetRequiredService<CaseLivenessActions>()));
                services.AddSingleton<ILivenessActions>(sp => sp.GetRequiredService<RecordingActions>());
            });
        });
        var client = _factory.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, what: "readiness");
        Store = _factory.Services.GetRequiredService<Store>();
        Actions = _factory.Services.GetRequiredService<RecordingActions>();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await Site.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class RecordingActions(ILivenessActions inner) : ILivenessActions
{
    public ConcurrentQueue<(string Action, Guid ContentId, DateTimeOffset ObservedAt)> Taken { get; } = new();

    public async Task ConfirmRemovedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct)
    {
        await inner.ConfirmRemovedAsync(contentId, observedAt, ct);
        Taken.Enqueue(("confirm-removed", contentId, observedAt));
    }

    public async Task ReportReinstatedAsync(Guid contentId, DateTimeOffset observedAt, CancellationToken ct)
    {
        await inner.ReportReinstatedAsync(contentId, observedAt, ct);
        Taken.Enqueue(("report-reinstated", contentId, observedAt));
    }

    public IReadOnlyList<string> For(Guid contentId) => [.. Taken.Where(t => t.ContentId == contentId).Select(t => t.Action)];
}

public sealed class LivenessMonitorTests(LivenessHostFixture host) : IClassFixture<LivenessHostFixture>
{
    private static readonly DateTimeOffset ReportedAt = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Consistent_404s_confirm_the_removal_as_a_liveness_check_and_tell_downstream_services()
    {
        var id = Guid.CreateVersion7();
        var path = $"/gone/{id}";
        host.Site.Answer(path, 404);
        await ReportAsync(id, path);

        var removal = await Eventually.UntilAsync(() => EventAsync<RemovalConfirmed>(id), e => e is not null, what: "RemovalConfirmed");

        Assert.Equal(CaseLivenessActions.Source, ((RemovalConfirmed)removal!.Data).Source);
        var hits = host.Site.Requests.Where(r => r.Path == path).ToList();
        Assert.True(hits.Count >= 3);
        Assert.True(removal.Timestamp >= hits[2].At.AddMilliseconds(-50), "confirmed only after the third 404");
        // Removed as of the first of the agreeing checks.
        Assert.InRange(((RemovalConfirmed)removal.Data).RemovedAt, hits[0].At.AddSeconds(-1), hits[0].At.AddSeconds(1));
        Assert.Equal("liveness-monitor", removal.Actor());

        var published = await OutboxAsync(id);
        Assert.Equal([("liveness-check", $"http://127.0.0.1:{host.Site.Port}{path}")], published);
        await Eventually.UntilAsync(() => StatusAsync(id), s => s == "removed", what: "the case list showing it removed");
    }

    [Fact]
    public async Task Flapping_content_is_not_acted_on_until_its_answers_agree()
    {
        var id = Guid.CreateVersion7();
        var path = $"/flapping/{id}";
        host.Site.Answer(path, (http, before) => LocalSite.Respond(http, before % 2 == 0 ? 404 : 200));
        await ReportAsync(id, path);

        await Eventually.UntilAsync(() => Task.FromResult(host.Site.Hits(path)), n => n >= 10, what: "ten checks of the flapping URL");
        Assert.Null(await EventAsync<RemovalConfirmed>(id));
        Assert.Empty(host.Actions.For(id));

        host.Site.Answer(path, 404);
        var removal = await Eventually.UntilAsync(() => EventAsync<RemovalConfirmed>(id), e => e is not null, what: "RemovalConfirmed once settled");
        Assert.Equal("liveness-check", ((RemovalConfirmed)removal!.Data).Source);
        Assert.Equal(["confirm-removed"], host.Actions.For(id));
    }

    [Fact]
    public async Task Removed_content_that_answers_again_is_reported_reinstated()
    {
        var id = Guid.CreateVersion7();
        var path = $"/back/{id}";
        host.Site.Answer(path, (http, before) => LocalSite.Respond(http, before < 3 ? 410 : 200));
        await ReportAsync(id, path, removed: true);

        await Eventually.UntilAsync(() => Task.FromResult(host.Actions.For(id)), a => a.Count > 0, what: "the reinstatement");

        Assert.Equal(["report-reinstated"], host.Actions.For(id));
        Assert.True(host.Site.Hits(path) >= 6, "three gone, then three up");
        var events = await host.Store.ReadStreamAsync(TakedownCase.StreamId(id), CancellationToken.None);
        Assert.Equal(["ContentReported", "RemovalConfirmed", "ContentReinstated"], events.Select(e => e.Data.GetType().Name));
        Assert.Equal(CaseLivenessActions.Source, ((ContentReinstated)events[^1].Data).Source);
        await Eventually.UntilAsync(() => StatusAsync(id), s => s == "open", what: "the case list showing it up again");
    }

    [Fact]
    public async Task A_server_slower_than_the_timeout_changes_nothing()
    {
        var id = Guid.CreateVersion7();
        var path = $"/slow/{id}";
        host.Site.Answer(path, async (http, _) => await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted));
        await ReportAsync(id, path);

        await Eventually.UntilAsync(() => Task.FromResult(host.Site.Hits(path)), n => n >= 3, what: "three checks of the slow URL");

        Assert.Empty(host.Actions.For(id));
        var events = await host.Store.ReadStreamAsync(TakedownCase.StreamId(id), CancellationToken.None);
        Assert.Equal(["ContentReported"], events.Select(e => e.Data.GetType().Name));
    }

    /// <summary>A case reported with a URL on the local site, and removed by the platform when asked, through Reporting's write path.</summary>
    private async Task ReportAsync(Guid id, string path, bool removed = false)
    {
        var url = host.Site.Url(path).AbsoluteUri;
        var report = new ContentReported(id, Guid.NewGuid(), 1, url, url, "testsite", "tech-for-peace", "IQ", null, ReportedAt);
        CaseCommand[] commands = removed
            ? [new RecordReport(report, ReportedAt), new ConfirmRemoval(id, "platform", ReportedAt.AddDays(1), ReportedAt.AddDays(1))]
            : [new RecordReport(report, ReportedAt)];
        foreach (var command in commands)
        {
            await using var session = host.Store.Begin(EventContext.ForSystem("test"));
            await CaseCommands.HandleAsync(session, command, null, CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
        }
    }

    private async Task<IEvent?> EventAsync<TEvent>(Guid id)
    {
        var events = await host.Store.ReadStreamAsync(TakedownCase.StreamId(id), CancellationToken.None);
        return events.SingleOrDefault(e => e.Data is TEvent);
    }

    private async Task<string?> StatusAsync(Guid id)
    {
        await using var session = host.Store.Query();
        return (await session.LoadAsync<CaseSummary>(TakedownCase.StreamId(id)))?.Status.ToString().ToLowerInvariant();
    }

    private async Task<List<(string Source, string CanonicalUrl)>> OutboxAsync(Guid id)
    {
        await using var command = host.Store.DataSource.CreateCommand(
            $"SELECT body FROM {host.Store.Schema}.outbox WHERE message_type = 'takedown-confirmed' AND body->>'contentId' = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id.ToString() });
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var body = JsonDocument.Parse(reader.GetString(0));
            rows.Add((body.RootElement.GetProperty("source").GetString()!, body.RootElement.GetProperty("canonicalUrl").GetString()!));
        }
        return rows;
    }
}
