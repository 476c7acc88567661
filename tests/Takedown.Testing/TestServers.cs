using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;

namespace Takedown.Testing;

/// <summary>
/// The real PostgreSQL and RabbitMQ the suite runs against (started by the README's test command).
/// Override with TAKEDOWN_TEST_POSTGRES (an admin connection string) and TAKEDOWN_TEST_RABBITMQ_API.
/// </summary>
public static class TestServers
{
    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("TAKEDOWN_TEST_POSTGRES") ?? "Host=localhost;Port=5432;Username=takedown;Password=takedown;Database=postgres";

    public static Uri RabbitApi => new(Environment.GetEnvironmentVariable("TAKEDOWN_TEST_RABBITMQ_API") ?? "http://localhost:15672/");

    public const string RabbitUser = "guest";
    public const string RabbitPassword = "guest";

    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
}

/// <summary>A database of its own for one test class: created fresh, dropped afterwards.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = TestServers.UniqueName("takedown_test");
        await using (var admin = NpgsqlDataSource.Create(TestServers.PostgresAdmin))
        await using (var create = admin.CreateCommand($"CREATE DATABASE {name}"))
            await create.ExecuteNonQueryAsync();
        var connection = new NpgsqlConnectionStringBuilder(TestServers.PostgresAdmin) { Database = name }.ConnectionString;
        return new TestDatabase(name, connection);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(TestServers.PostgresAdmin);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                // An autovacuum worker (a superuser process) is in the database, and FORCE may not terminate it for a
                // non-superuser; it finishes in moments.
                await Task.Delay(250);
            }
        }
    }
}

/// <summary>A RabbitMQ virtual host of its own for one test class, so exchanges and queues never cross tests.</summary>
public sealed class TestVirtualHost : IAsyncDisposable
{
    private static readonly HttpClient Api = CreateApiClient();

    private TestVirtualHost(string name) => Name = name;

    public string Name { get; }

    public static async Task<TestVirtualHost> CreateAsync()
    {
        var name = TestServers.UniqueName("takedown_test");
        (await Api.PutAsync($"api/vhosts/{name}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        var vhost = new TestVirtualHost(name);
        await vhost.GrantAccessAsync();
        return vhost;
    }

    /// <summary>Gives the test user full rights in this virtual host again.</summary>
    public async Task GrantAccessAsync() =>
        (await Api.PutAsync($"api/permissions/{Name}/{TestServers.RabbitUser}", JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();

    /// <summary>Takes the test user's rights away: its connections to this virtual host are refused, as a broker misconfigured or not yet set up would.</summary>
    public async Task RevokeAccessAsync() =>
        (await Api.DeleteAsync($"api/permissions/{Name}/{TestServers.RabbitUser}")).EnsureSuccessStatusCode();

    /// <summary>Every queue in this virtual host, as the management API describes it (name, durable, arguments…).</summary>
    public async Task<IReadOnlyList<System.Text.Json.JsonElement>> QueuesAsync() =>
        await Api.GetFromJsonAsync<System.Text.Json.JsonElement[]>($"api/queues/{Name}") ?? [];

    /// <summary>Reads up to <paramref name="count"/> messages from a queue and puts them back (payload, properties, headers).</summary>
    public Task<IReadOnlyList<System.Text.Json.JsonElement>> PeekAsync(string queue, int count = 10) => GetAsync(queue, count, "ack_requeue_true");

    /// <summary>Takes up to <paramref name="count"/> messages off a queue: they are removed, as a subscriber consuming them would.</summary>
    public Task<IReadOnlyList<System.Text.Json.JsonElement>> TakeAsync(string queue, int count = 100) => GetAsync(queue, count, "ack_requeue_false");

    private async Task<IReadOnlyList<System.Text.Json.JsonElement>> GetAsync(string queue, int count, string ackmode)
    {
        using var response = await Api.PostAsync($"api/queues/{Uri.EscapeDataString(Name)}/{queue}/get",
            JsonContent.Create(new { count, ackmode, encoding = "auto", truncate = 1_000_000 }));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement[]>() ?? [];
    }

    public async Task<long> MessagesInQueueAsync(string queue)
    {
        using var response = await Api.GetAsync($"api/queues/{Name}/{queue}");
        if (!response.IsSuccessStatusCode)
            return 0;
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.TryGetProperty("messages", out var messages) ? messages.GetInt64() : 0;
    }

    /// <summary>Puts a raw body on a queue, bypassing MassTransit, as a broken or hostile publisher would.</summary>
    public async Task PublishRawAsync(string queue, string body)
    {
        var message = new { properties = new { content_type = "application/vnd.masstransit+json", message_id = Guid.NewGuid().ToString() }, routing_key = queue, payload = body, payload_encoding = "string" };
        using var response = await Api.PostAsync($"api/exchanges/{Name}/amq.default/publish", JsonContent.Create(message));
        response.EnsureSuccessStatusCode();
        var routed = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        if (!routed.GetProperty("routed").GetBoolean())
            throw new InvalidOperationException($"Queue {queue} does not exist in {Name}.");
    }

    /// <summary>
    /// A durable queue bound to a message type's fanout exchange, declared as MassTransit declares it, so that messages
    /// published before any consumer exists are kept and can be counted.
    /// </summary>
    public async Task BindQueueAsync(string queue, string exchange)
    {
        var vhost = Uri.EscapeDataString(Name);
        var escapedExchange = Uri.EscapeDataString(exchange);
        (await Api.PutAsync($"api/exchanges/{vhost}/{escapedExchange}", JsonContent.Create(new { type = "fanout", durable = true, auto_delete = false }))).EnsureSuccessStatusCode();
        (await Api.PutAsync($"api/queues/{vhost}/{queue}", JsonContent.Create(new { durable = true }))).EnsureSuccessStatusCode();
        (await Api.PostAsync($"api/bindings/{vhost}/e/{escapedExchange}/q/{queue}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync() => await Api.DeleteAsync($"api/vhosts/{Name}");

    private static HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = TestServers.RabbitApi };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestServers.RabbitUser}:{TestServers.RabbitPassword}")));
        return client;
    }
}
