extern alias reporting;

using System.Net.Http.Json;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using reporting::Takedown.Reporting.Cases;
using Takedown.EventStore;
using Takedown.Testing;
using Store = Takedown.EventStore.EventStore;

namespace Takedown.Tests.Cases;

/// <summary>A clock the test moves by hand. Timers stay real, so background loops keep polling while "now" is frozen.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    // PostgreSQL keeps microseconds: starting on a whole second keeps stored and in-memory times equal.
    public static DateTimeOffset WholeSecond(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}

/// <summary>
/// The real Reporting host alone, on a given database and virtual host, with the test's clock. Several may run side by
/// side (replicas) or one after another (a restart) on the same database.
/// </summary>
public sealed class ReportingHost : IAsyncDisposable
{
    public const string AdminKey = "test-bootstrap-admin-key";

    private readonly WebApplicationFactory<reporting::Program> _factory;

    private ReportingHost(WebApplicationFactory<reporting::Program> factory)
    {
        _factory = factory;
        Client = factory.CreateClient();
    }

    public HttpClient Client { get; }

    public Store Store => _factory.Services.GetRequiredService<Store>();

    public IServiceProvider Services => _factory.Services;

    /// <param name="configure">Further settings of this host (evidence keys, export folders, Search:Elasticsearch:Url).</param>
    public static async Task<ReportingHost> StartAsync(TestDatabase db, TestVirtualHost vhost, TimeProvider time, Action<IWebHostBuilder>? configure = null)
    {
        var factory = new WebApplicationFactory<reporting::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", vhost.Name);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
            host.UseSetting("Reporting:SlaClock:PollInterval", "00:00:00.200");
            host.ConfigureTestServices(services => services.AddSingleton(time));
            configure?.Invoke(host);
        });
        var started = new ReportingHost(factory);
        await Eventually.UntilAsync(async () => (await started.Client.GetAsync("/health/ready")).StatusCode, s => s == System.Net.HttpStatusCode.OK, what: "readiness");
        return started;
    }

    /// <summary>Runs a command through the same read-decide-append path the consumers use, and commits.</summary>
    public async Task<Decided<TakedownCase, ICaseEvent>> HandleAsync(CaseCommand command)
    {
        await using var session = Store.Begin(EventContext.ForSystem("test-seed"));
        var decided = await CaseCommands.HandleAsync(session, command, null, CancellationToken.None);
        await session.CommitAsync(CancellationToken.None);
        return decided;
    }

    /// <summary>The case as the case list shows it, once the async projection has caught up with everything written so far.</summary>
    public async Task<CaseSummary?> SummaryAsync(Guid contentId)
    {
        await Store.Documents.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        await using var session = Store.Query();
        return await session.LoadAsync<CaseSummary>(TakedownCase.StreamId(contentId));
    }

    public async Task<string> IssueKeyAsync(string organisation, params string[] roles)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/api-keys")
        {
            Content = JsonContent.Create(new { name = $"{organisation}-{string.Join('-', roles)}-{Guid.NewGuid():N}", organisation, roles }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IssuedKey>())!.Key;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed record IssuedKey(string Key);
}

/// <summary>What the tests seed: a reported, classified case, with the regime's durations given explicitly.</summary>
public static class Seed
{
    public static ContentReported Report(Guid contentId, DateTimeOffset at, string organisation = "tech-for-peace", string platform = "telegram") =>
        new(contentId, Guid.NewGuid(), 1, $"https://t.me/c/{contentId:N}", $"https://t.me/c/{contentId:N}", platform, organisation, "DE", null, at);

    public static ContentClassified Classification(Guid contentId, DateTimeOffset at, TimeSpan allowed, string regime = "de-netzdg-manifestly-unlawful") =>
        new(contentId, "terrorist-propaganda", "P1", 0.9, ["test"], "keyword-rules/1", at, regime, allowed, "eu-2021-784-removal-order", TimeSpan.FromHours(1));

    /// <summary>Report, classification and (when given) a notice: the notice starts the clock.</summary>
    public static async Task<Guid> CaseAsync(
        ReportingHost host, DateTimeOffset now, TimeSpan allowed, DateTimeOffset? noticeSentAt, string organisation = "tech-for-peace", string platform = "telegram")
    {
        var contentId = Guid.NewGuid();
        await host.HandleAsync(new RecordReport(Report(contentId, now.AddMinutes(-30), organisation, platform), now));
        await host.HandleAsync(new RecordClassification(Classification(contentId, now.AddMinutes(-29), allowed), now));
        if (noticeSentAt is { } sentAt)
            await host.HandleAsync(new SendNotice(contentId, "email", "m-" + contentId.ToString("N")[..6], sentAt, now));
        return contentId;
    }
}
