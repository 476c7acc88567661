extern alias classification;

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Takedown.Testing;
using static Takedown.Tests.Http.EndpointAuthorizationTests;

namespace Takedown.Tests.Http;

/// <summary>
/// Readiness follows what a service can still do: the host reaches PostgreSQL and RabbitMQ each through a
/// <see cref="TcpGate"/>, and closing a gate is the server going away. Without PostgreSQL nothing works (503); without
/// RabbitMQ Ingest still stores reports in its outbox (200, Degraded) while a consuming service is out (503). Liveness does not depend on either, so an orchestrator waits instead of restarting.
/// </summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private TestDatabase _db = null!;
    private TestVirtualHost _vhost = null!;
    private TcpGate _postgres = null!;
    private TcpGate _rabbit = null!;
    private IngestOnKestrel _ingest = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _vhost = await TestVirtualHost.CreateAsync();
        var direct = new NpgsqlConnectionStringBuilder(_db.ConnectionString);
        _postgres = new TcpGate(direct.Host!, direct.Port);
        _rabbit = new TcpGate("localhost", 5672);
        var gated = new NpgsqlConnectionStringBuilder(_db.ConnectionString) { Host = "127.0.0.1", Port = _postgres.Port, Timeout = 3, Pooling = true };
        _ingest = IngestOnKestrel.Start(gated.ConnectionString, _vhost.Name, host => host
            .UseSetting("RabbitMq:Host", "127.0.0.1")
            .UseSetting("RabbitMq:Port", _rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await _ingest.WaitUntilReadyAsync();
    }

    [Fact]
    public async Task Ready_is_a_json_200_while_both_servers_answer()
    {
        using var response = await _ingest.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Healthy", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Without_PostgreSQL_ready_is_503_naming_the_check_and_live_stays_200()
    {
        await _postgres.CloseAsync();

        var problem = await NotReadyAsync();
        Assert.Equal("Unhealthy", problem.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _ingest.Client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Without_RabbitMQ_Ingest_stays_ready_says_the_broker_is_degraded_and_still_accepts_reports()
    {
        await _rabbit.CloseAsync();

        var ready = await DegradedAsync(_ingest);
        var degraded = ready.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString());
        Assert.Equal("Degraded", degraded["rabbitmq"]);
        Assert.DoesNotContain("postgres", degraded.Keys);
        Assert.All(degraded.Values, status => Assert.Equal("Degraded", status));
        using var report = await _ingest.Client.SendAsync(ReportRequest());
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode); // held in the outbox until the broker is back
        Assert.Equal(HttpStatusCode.OK, (await _ingest.Client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Without_RabbitMQ_a_consuming_service_is_503_naming_the_broker_check()
    {
        await using var classification = new WebApplicationFactory<classification::Program>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Testing");
            host.UseSetting("ConnectionStrings:Postgres", _db.ConnectionString);
            host.UseSetting("RabbitMq:VirtualHost", _vhost.Name);
            host.UseSetting("RabbitMq:Host", "127.0.0.1");
            host.UseSetting("RabbitMq:Port", _rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        using var client = classification.CreateClient();
        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode, s => s == HttpStatusCode.OK, what: "readiness");

        await _rabbit.CloseAsync();

        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode,
            s => s == HttpStatusCode.ServiceUnavailable, what: "readiness to fail");
        using var response = await client.GetAsync("/health/ready");
        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Unhealthy", problem.GetProperty("checks").GetProperty("rabbitmq").GetProperty("status").GetString());
        Assert.False(problem.GetProperty("checks").TryGetProperty("postgres", out _));
    }

    [Fact]
    public async Task Ready_again_once_PostgreSQL_and_RabbitMQ_come_back()
    {
        await _postgres.CloseAsync();
        await _rabbit.CloseAsync();
        var problem = await NotReadyAsync();
        var failing = problem.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToList();
        Assert.Contains("postgres", failing);
        Assert.Contains("rabbitmq", failing);

        _postgres.Open();
        _rabbit.Open();

        // The broker connections recover on their own schedule (RabbitMQ.Client retries every 5 s), hence the wait.
        await Eventually.UntilAsync(async () => (await _ingest.Client.GetAsync("/health/ready")).StatusCode,
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "readiness to come back");
    }

    [Fact]
    public async Task A_report_while_PostgreSQL_is_away_is_503_with_Retry_After_not_500()
    {
        await _postgres.CloseAsync();

        using var response = await _ingest.Client.SendAsync(ReportRequest());

        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The database is unavailable.", problem.GetProperty("title").GetString());
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Reports_on_connections_the_server_terminated_are_accepted_or_503_never_500()
    {
        using (var warm = await _ingest.Client.SendAsync(ReportRequest()))
            Assert.Equal(HttpStatusCode.Accepted, warm.StatusCode);
        // What a PostgreSQL restart does to pooled connections: each is ended with 57P01 (admin shutdown).
        await using (var admin = NpgsqlDataSource.Create(TestServers.PostgresAdmin))
        await using (var terminate = admin.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @db AND pid <> pg_backend_pid()"))
        {
            terminate.Parameters.AddWithValue("db", _db.Name);
            Assert.True((long)(await terminate.ExecuteScalarAsync())! > 0, "no connection of the host was terminated");
        }

        // Marten retries a transient failure on a fresh connection; what it cannot absorb must be a 503 to retry, never a 500.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await _ingest.Client.SendAsync(ReportRequest());
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            }
        }
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"got {s}"));
        Assert.Equal(HttpStatusCode.Accepted, statuses[^1]);
    }

    private static HttpRequestMessage ReportRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/reports")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { url = $"https://x.com/someone/status/{Random.Shared.NextInt64(1, long.MaxValue)}", reporterReference = "TFP-1", text = "text" }),
        };
        request.Headers.Add("X-Api-Key", IngestOnKestrel.AdminKey);
        return request;
    }

    [Fact]
    public async Task A_virtual_host_the_broker_does_not_have_is_named_from_the_start()
    {
        await using var misconfigured = IngestOnKestrel.Start(_db.ConnectionString, "takedown_no_such_vhost");

        var ready = await DegradedAsync(misconfigured);
        Assert.Equal("Degraded", ready.GetProperty("checks").GetProperty("rabbitmq").GetProperty("status").GetString());
        Assert.StartsWith("RabbitMQ ", ready.GetProperty("checks").GetProperty("rabbitmq").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(ready.GetProperty("checks").TryGetProperty("postgres", out _));
    }

    private static async Task<JsonElement> DegradedAsync(IngestOnKestrel host)
    {
        await Eventually.UntilAsync(async () => await ReadyStatusAsync(host.Client), s => s == "Degraded", what: "readiness to say Degraded");
        using var response = await host.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<string?> ReadyStatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        return response.StatusCode == HttpStatusCode.OK
            ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString()
            : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> NotReadyAsync(IngestOnKestrel? host = null)
    {
        var client = (host ?? _ingest).Client;
        await Eventually.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode,
            s => s == HttpStatusCode.ServiceUnavailable, what: "readiness to fail");
        using var response = await client.GetAsync("/health/ready");
        var problem = await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("The service is not ready.", problem.GetProperty("title").GetString());
        return problem;
    }

    public async Task DisposeAsync()
    {
        await _ingest.DisposeAsync();
        await _rabbit.DisposeAsync();
        await _postgres.DisposeAsync();
        await _vhost.DisposeAsync();
        await _db.DisposeAsync();
    }
}
