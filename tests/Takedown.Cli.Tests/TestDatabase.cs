using Npgsql;

namespace Takedown.Cli.Tests;

/// <summary>
/// A PostgreSQL database of its own for one test class: created fresh, dropped afterwards. The same helper as
/// Takedown.Tests' TestServers, copied so the CLI tests do not depend on that project.
/// Override the server with TAKEDOWN_TEST_POSTGRES (an admin connection string).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("TAKEDOWN_TEST_POSTGRES") ?? "Host=localhost;Port=5432;Username=takedown;Password=takedown;Database=postgres";

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = $"takedown_cli_test_{Guid.NewGuid():N}"[..31];
        await using (var admin = NpgsqlDataSource.Create(PostgresAdmin))
        await using (var create = admin.CreateCommand($"CREATE DATABASE {name}"))
            await create.ExecuteNonQueryAsync();
        var connection = new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
        return new TestDatabase(name, connection);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(PostgresAdmin);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}
