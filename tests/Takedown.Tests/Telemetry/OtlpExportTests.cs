extern alias ingest;

using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Takedown.Testing;
using Takedown.Tests.EndToEnd;

namespace Takedown.Tests.Telemetry;

/// <summary>
/// With OTEL_EXPORTER_OTLP_ENDPOINT set, a real service host exports traces, metrics and logs over OTLP/HTTP protobuf,
/// each with its service.name. The export intervals are shortened by configuration, as an operator would.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private const string AdminKey = "test-bootstrap-admin-key";
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        _receiver = await OtlpReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_exports_traces_metrics_and_logs_with_its_service_name()
    {
        using var factory = new WebApplicationFactory<ingest::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", _db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", _vhost.Name);
            host.UseSetting("Auth:BootstrapAdminKey", AdminKey);
            host.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", _receiver.Endpoint);
            host.UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            host.UseSetting("OTEL_METRIC_EXPORT_INTERVAL", "250");
            host.UseSetting("OTEL_BSP_SCHEDULE_DELAY", "100");
            host.UseSetting("OTEL_BLRP_SCHEDULE_DELAY", "100");
        });
        using var client = factory.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, what: "readiness");

        using var issue = PipelineFixture.Request(HttpMethod.Post, "/api/v1/admin/api-keys", AdminKey,
            new { name = "otlp-reporter", organisation = "tech-for-peace", roles = new[] { "reporter" } });
        using var issued = await client.SendAsync(issue);
        var key = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<IssuedKey>(issued.Content))!.Key;
        using var report = PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", key,
            new { url = $"https://www.facebook.com/otlp/{Guid.NewGuid():N}", platform = "facebook", text = "exported", reporterReference = "otlp-1" });
        using (var accepted = await client.SendAsync(report))
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // Bodies are protobuf: the strings an OTLP message carries appear in it as UTF-8 bytes.
        bool Carries(string signal, params string[] texts) =>
            _receiver.Received(signal).Any(body => texts.All(text => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0));
        await Eventually.UntilAsync(() => Task.FromResult(Carries("traces", "takedown-ingest", "report accept")), found => found, what: "the report's span over OTLP");
        await Eventually.UntilAsync(() => Task.FromResult(Carries("metrics", "takedown-ingest", "takedown.reports.accepted")), found => found, what: "the Takedown meter over OTLP");
        await Eventually.UntilAsync(() => Task.FromResult(Carries("metrics", "http.server.request.duration") && Carries("metrics", "aspnetcore.routing.match_attempts")),
            found => found, what: "ASP.NET Core hosting and routing meters over OTLP");
        await Eventually.UntilAsync(() => Task.FromResult(Carries("logs", "takedown-ingest")), found => found, what: "logs over OTLP");
        Assert.True(Carries("traces", "service.name"));
    }

    private sealed record IssuedKey(string Key);
}
