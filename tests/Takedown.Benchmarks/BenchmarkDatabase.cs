using Npgsql;

namespace Takedown.Benchmarks;

/// <summary>A throwaway database for one benchmark run: created fresh, dropped at the end (also after Ctrl+C).</summary>
public sealed class BenchmarkDatabase : IAsyncDisposable
{
    private readonly List<NpgsqlDataSource> _dataSources = [];

    private BenchmarkDatabase(string name) => Name = name;

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("TAKEDOWN_TEST_POSTGRES") ?? "Host=localhost;Port=5432;Username=takedown;Password=takedown;Database=postgres";

    public string Name { get; }

    public static async Task<BenchmarkDatabase> CreateAsync(string prefix, CancellationToken ct)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await using var admin = NpgsqlDataSource.Create(AdminConnectionString);
        await using var create = admin.CreateCommand($"CREATE DATABASE {name}");
        await create.ExecuteNonQueryAsync(ct);
        return new BenchmarkDatabase(name);
    }

    /// <param name="synchronousCommit">False sets synchronous_commit=off for every session: commits stop waiting for the WAL flush.</param>
    public NpgsqlDataSource CreateDataSource(int maxPoolSize, bool synchronousCommit = true)
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Database = Name,
            MaxPoolSize = maxPoolSize,
            MaxAutoPrepare = 64, // as the services' data sources (Takedown.ServiceDefaults); baseline and store alike
            Options = synchronousCommit ? null : "-c synchronous_commit=off",
        };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _dataSources.Add(dataSource);
        return dataSource;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
            await dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(AdminConnectionString);
        // Not WITH (FORCE) first: after a bulk load, autovacuum is often working in the database, and FORCE refuses
        // to terminate a process of another role, where a plain DROP cancels autovacuum itself.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name}{(attempt > 10 ? " WITH (FORCE)" : "")}");
                await drop.ExecuteNonQueryAsync();
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse && attempt <= 10)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
        Console.WriteLine($"Dropped database {Name}.");
    }
}
