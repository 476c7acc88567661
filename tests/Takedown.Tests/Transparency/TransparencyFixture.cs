extern alias reporting;

using System.Net.Http.Json;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using reporting::Takedown.Reporting.Cases;
using Takedown.EventStore;
using Takedown.Testing;

namespace Takedown.Tests.Transparency;

/// <summary>
/// The Reporting host on a fresh database, with eight cases written through the case decider (the same commands
/// the HTTP endpoints and consumers run), so the transparency facts come from real events via the projection daemon.
/// The expected figures are worked out by hand in <see cref="TransparencyReportTests"/>.
/// </summary>
public sealed class TransparencyFixture : IAsyncLifetime
{
    public const string AdminKey = "transparency-bootstrap-admin-key";

    public static readonly Guid A = Id(0xA), B = Id(0xB), C = Id(0xC), D = Id(0xD), E = Id(0xE), F = Id(0xF), G = Id(0x10), H = Id(0x11);

    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private WebApplicationFactory<reporting::Program> _factory = null!;

    public HttpClient Reporting { get; private set; } = null!;
    public string Analyst { get; private set; } = null!;
    public string NgoBReporter { get; private set; } = null!;

    private static Guid Id(int n) => Guid.Parse($"7a000000-0000-4000-8000-{n:D12}");

    private static DateTimeOffset At(int month, int day, int hour, int minute = 0) => new(2025, month, day, hour, minute, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        _factory = new WebApplicationFactory<reporting::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", _db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", _vhost.Name);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
        });
        Reporting = _factory.CreateClient();
        await Eventually.UntilAsync(async () => (await Reporting.GetAsync("/health/ready")).StatusCode, s => s == System.Net.HttpStatusCode.OK, what: "readiness");
        Analyst = await IssueKeyAsync("takedown-analysts", "analyst");
        NgoBReporter = await IssueKeyAsync("ngo-b", "reporter");
        await SeedAsync();
    }

    private async Task<string> IssueKeyAsync(string organisation, string role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/admin/api-keys")
        {
            Content = JsonContent.Create(new { name = $"{organisation}-{role}", organisation, roles = new[] { role } }),
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        using var response = await Reporting.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IssuedKey>())!.Key;
    }

    private async Task SeedAsync()
    {
        // A: youtube, terrorist propaganda under NetzDG's 24 h; two reports (views 1,200 then 5,000), the first saying it was seen online
        // on 1 March; removed 2 h after the notice (its first answer).
        await Run(Report(A, "youtube", "ngo-a", At(3, 3, 8), 1200, "DE", observedAt: At(3, 1, 20)), Report(A, "youtube", "ngo-b", At(3, 3, 9), 5000, "DE"),
            Classify(A, "terrorist-propaganda", "P1", "de-netzdg-manifestly-unlawful", TimeSpan.FromHours(24)),
            new SendNotice(A, "trusted-flagger-portal", "YT-1", At(3, 3, 10), At(3, 3, 10)),
            new ConfirmRemoval(A, "platform", At(3, 3, 12), At(3, 3, 12)));
        // B: youtube, hate speech, NetzDG 7 days; refused ("does not violate") 24 h after the notice, notified again through a personal
        // contact (an escalation outside the platform's channel), removed 192 h after the first notice: deadline missed.
        await Run(Report(B, "youtube", "ngo-a", At(3, 5, 10), 300, "DE"),
            Classify(B, "hate-speech", "P2", "de-netzdg-unlawful", TimeSpan.FromDays(7)),
            new SendNotice(B, "trusted-flagger-portal", "YT-2", At(3, 5, 12), At(3, 5, 12)),
            new RejectRemoval(B, "Does not violate our community guidelines", At(3, 6, 12), At(3, 6, 12)),
            new SendNotice(B, "personal-contact", "signal-2b", At(3, 7, 12), At(3, 7, 12)),
            new ConfirmRemoval(B, "platform", At(3, 13, 12), At(3, 13, 12)));
        // C: youtube, hate speech, platform's 7 days; acknowledged after 1 h, refused and still up after its deadline.
        await Run(Report(C, "youtube", "ngo-b", At(3, 10, 9), null, null),
            Classify(C, "hate-speech", "P2", "platform-default", TimeSpan.FromDays(7)),
            new SendNotice(C, "email", "msg-c", At(3, 10, 10), At(3, 10, 10)),
            new AcknowledgeNotice(C, "YT-C", At(3, 10, 11), At(3, 10, 11)),
            new RejectRemoval(C, "Satire", At(3, 11, 10), At(3, 11, 10)));
        // D: telegram, a re-upload of terrorist propaganda under a TCO removal order (1 h) issued by the BKA; removed 30 min after the order.
        await Run(Report(D, "telegram", "ngo-a", At(3, 10, 12), 40, "DE"),
            Classify(D, "terrorist-propaganda", "P0", "de-netzdg-manifestly-unlawful", TimeSpan.FromHours(24)),
            new RecordFingerprints(D, ["text-sha256:ab12", "media-sha256:cd34"], At(3, 10, 12, 1), At(3, 10, 12, 1)),
            new LinkReupload(D, G, "media-sha256", At(3, 10, 12, 2), At(3, 10, 12, 2)),
            new SendNotice(D, "removal-order", "TCO-2025-7", At(3, 10, 13), At(3, 10, 13), IssuedBy: "Bundeskriminalamt (BKA)"),
            new ConfirmRemoval(D, "platform", At(3, 10, 13, 30), At(3, 10, 13, 30)));
        // E: telegram, a threat to life (1 h clock, never started); gone before any notice, found by the liveness check.
        await Run(Report(E, "telegram", "ngo-a", At(3, 20, 8), null, null),
            Classify(E, "incitement-threat-to-life", "P0", "p0-imminent-threat", TimeSpan.FromHours(1)),
            new ConfirmRemoval(E, "liveness-check", At(3, 20, 8, 45), At(3, 20, 8, 45)));
        // F: telegram, classified abusive, overridden to hate speech (which a later automatic pass does not undo); notified,
        // never answered, still open: silent past 24 h by the end of March (not yet 7 days).
        await Run(Report(F, "telegram", "ngo-b", At(3, 25, 15), 10, null),
            Classify(F, "abusive", "P3", "platform-default", TimeSpan.FromDays(7)),
            new RecordOverride(new ClassificationOverridden(F, "hate-speech", "P2", "Slur against a protected group", "analyst-1", At(3, 25, 16),
                "platform-default", TimeSpan.FromDays(7), "platform-default", TimeSpan.FromDays(7)), At(3, 25, 16)),
            Classify(F, "abusive", "P3", "platform-default", TimeSpan.FromDays(7), confidence: 0.7),
            new SendNotice(F, "trusted-flagger-portal", "TG-6", At(3, 26, 9), At(3, 26, 9)));
        // G: reported in February (outside the report), removed on 2 March by an analyst's check: in March's DSA export only.
        await Run(Report(G, "youtube", "ngo-a", At(2, 27, 9), null, null),
            new ConfirmRemoval(G, "analyst", At(3, 2, 9), At(3, 2, 9)));
        // H: reported in April, outside everything.
        await Run(Report(H, "youtube", "ngo-a", At(4, 2, 9), 99, null));
        await _factory.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
    }

    private static RecordReport Report(
        Guid id, string platform, string organisation, DateTimeOffset at, long? views, string? jurisdiction, DateTimeOffset? observedAt = null) =>
        new(new ContentReported(id, Guid.NewGuid(), 1, $"https://{platform}.example/{id:N}", $"https://{platform}.example/{id:N}", platform,
            organisation, jurisdiction, views, at, ObservedAt: observedAt), at);

    // A removal order (D's) runs on EU 2021/784's hour from its issue, whatever the notice regime allows.
    private static RecordClassification Classify(Guid id, string category, string severity, string regime, TimeSpan allowed, double confidence = 0.9) =>
        new(new ContentClassified(id, category, severity, confidence, ["fixture"], "fixture-model", DateTimeOffset.UnixEpoch, regime, allowed,
            "eu-2021-784-removal-order", TimeSpan.FromHours(1)), DateTimeOffset.UnixEpoch);

    private async Task Run(params CaseCommand[] commands)
    {
        var store = _factory.Services.GetRequiredService<Takedown.EventStore.EventStore>();
        foreach (var command in commands)
        {
            await using var session = store.Begin(EventContext.ForSystem("transparency-fixture"));
            await CaseCommands.HandleAsync(session, command, null, CancellationToken.None);
            await session.CommitAsync(CancellationToken.None);
        }
    }

    public static HttpRequestMessage Get(string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        return request;
    }

    public async Task DisposeAsync()
    {
        Reporting.Dispose();
        await _factory.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    private sealed record IssuedKey(string Key);
}

[CollectionDefinition(Name)]
public sealed class TransparencyCollection : ICollectionFixture<TransparencyFixture>
{
    public const string Name = "transparency report";
}
