using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Takedown.Testing;
using Takedown.Tests.EndToEnd;
using Takedown.Tests.Reports;

namespace Takedown.Tests.Deployment;

/// <summary>
/// Nothing leaves a deployment that its operator did not configure: while the four services start, take a report through
/// the pipeline and stop, every name they resolve and every socket they open is the configured PostgreSQL and RabbitMQ
/// (here on loopback). Vendor usage telemetry (MassTransit's) would resolve and connect to its own host.
/// Runs alone, so that no other test's connections are counted.
/// </summary>
[Collection(MeasuredAlone.Name)]
public sealed class OutboundConnectionTests
{
    [Fact]
    public async Task The_services_connect_to_nothing_but_the_configured_servers()
    {
        using var listener = new ConnectionListener();
        var pipeline = new PipelineFixture();
        await pipeline.InitializeAsync();
        try
        {
            var reporter = await pipeline.IssueKeyAsync("tech-for-peace", "reporter");
            var analyst = await pipeline.IssueKeyAsync("takedown-analysts", "analyst");
            using var accepted = await pipeline.Ingest.SendAsync(PipelineFixture.Request(HttpMethod.Post, "/api/v1/reports", reporter,
                new { url = $"https://t.me/outbound_check/{Guid.NewGuid():N}", platform = "telegram", text = "عميل السفارة", reporterReference = "outbound-1" }));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var contentId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("contentId").GetGuid();
            await Eventually.UntilAsync(async () =>
            {
                using var response = await pipeline.Reporting.SendAsync(PipelineFixture.Request(HttpMethod.Get, $"/api/v1/cases/{contentId}", analyst));
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
            }, c => c.ValueKind == JsonValueKind.Object && c.GetProperty("category").ValueKind == JsonValueKind.String, what: "the classified case");

            // MassTransit would post its usage report minutes after start or at shutdown, beyond what a test watches:
            // each host's own setting says it never will.
            Assert.All(pipeline.Hosts, host => Assert.False(
                host.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled, $"{host.Service} would report its usage to MassTransit's vendor"));
        }
        finally
        {
            await pipeline.DisposeAsync();
        }

        Assert.NotEmpty(listener.Connections);      // the listener sees the database and broker connections
        Assert.All(listener.Names, name => Assert.True(name is "localhost" || IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip),
            $"a service resolved {name}; resolved: {string.Join(", ", listener.Names.Distinct())}"));
        Assert.All(listener.Connections, address => Assert.True(address.StartsWith("Unix", StringComparison.Ordinal) || IsLoopback(address),
            $"a service connected to {address}"));
    }

    // SocketAddress as text: "InterNetwork:16:{port hi,port lo,a,b,c,d,…}" or "InterNetworkV6:28:{port hi,port lo,flow ×4,address ×16,…}".
    private static bool IsLoopback(string socketAddress)
    {
        var open = socketAddress.IndexOf('{');
        var bytes = socketAddress[(open + 1)..socketAddress.IndexOf('}')].Split(',').Select(byte.Parse).ToArray();
        var address = socketAddress.StartsWith("InterNetworkV6", StringComparison.Ordinal)
            ? new IPAddress(bytes[6..22])
            : new IPAddress(bytes[2..6]);
        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    /// <summary>Names resolved (System.Net.NameResolution) and sockets connected (System.Net.Sockets) in this process.</summary>
    private sealed class ConnectionListener : EventListener
    {
        private readonly ConcurrentQueue<string> _names = new();
        private readonly ConcurrentQueue<string> _connections = new();

        public IReadOnlyList<string> Names => [.. _names];

        public IReadOnlyList<string> Connections => [.. _connections];

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name is "System.Net.NameResolution" or "System.Net.Sockets")
                EnableEvents(source, EventLevel.Informational);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.Payload is not { Count: > 0 } payload || payload[0] is not string value)
                return;
            if (e.EventSource.Name == "System.Net.NameResolution" && e.EventName == "ResolutionStart")
                _names.Enqueue(value);
            else if (e.EventSource.Name == "System.Net.Sockets" && e.EventName == "ConnectStart")
                _connections.Enqueue(value);
        }
    }
}
