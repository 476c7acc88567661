using System.CommandLine;
using System.Data;
using System.Text;
using Npgsql;
using Takedown.EventStore;

namespace Takedown.Cli;

public sealed class AuditCommand : Command
{
    public AuditCommand(CliHost host)
        : base("audit", "Check the event stores' tamper-evident hash chains (reads PostgreSQL directly; no API key)")
    {
        Subcommands.Add(new AuditVerifyCommand(host));
    }
}

public sealed class AuditVerifyCommand : Command
{
    public const string PostgresVariable = "TAKEDOWN_POSTGRES";
    public const string DefaultPostgres = "Host=localhost;Port=5432;Database=takedown;Username=takedown;Password=takedown";

    private readonly CliHost host;

    private readonly Option<string?> schema = new("--schema")
    {
        Description = "Verify this schema only, e.g. reporting [default: every schema with an mt_events table]",
        HelpName = "name",
    };

    private readonly Option<string?> postgres = new("--postgres")
    {
        Description = $"Npgsql connection string [env: {PostgresVariable}, default: {DefaultPostgres}]",
        HelpName = "connection-string",
    };

    public AuditVerifyCommand(CliHost host)
        : base("verify", "Recompute every stream's hash chain; print each broken stream and a summary per schema")
    {
        this.host = host;
        Options.Add(schema);
        Options.Add(postgres);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var only = parseResult.GetValue(schema)?.Trim();
        if (only is not null)
        {
            try
            {
                EventStoreOptions.CheckSchemaName(only);
            }
            catch (ArgumentException)
            {
                throw new UsageException($"--schema '{Printable(only)}' is not a plain lower-case PostgreSQL identifier.");
            }
        }
        var connection = ConnectionString(parseResult);
        var server = $"{connection.Host}:{connection.Port}/{connection.Database}";

        await using var dataSource = NpgsqlDataSource.Create(connection);
        try
        {
            var schemas = await EventStoreSchemasAsync(dataSource, cancellationToken);
            if (only is not null && !schemas.Contains(only))
            {
                throw new UsageException($"schema '{only}' has no mt_events table in {server}.");
            }
            if (schemas.Count == 0)
            {
                throw new UsageException($"no schema in {server} has an mt_events table; check --postgres or {PostgresVariable}.");
            }

            var anyBroken = false;
            foreach (var name in only is null ? schemas : [only])
            {
                long streams = 0, events = 0, broken = 0;
                await foreach (var result in AuditChain.VerifySchemaAsync(dataSource, name, cancellationToken))
                {
                    streams++;
                    events += result.EventsChecked;
                    if (!result.Intact)
                    {
                        broken++;
                        host.Out.WriteLine($"BROKEN {name} {Printable(result.StreamId)} at version {result.FirstBrokenVersion}: {result.Problem}");
                    }
                }
                host.Out.WriteLine($"{name}: {streams} streams, {events} events, {broken} broken");
                anyBroken |= broken > 0;
            }
            return anyBroken ? ExitCodes.ChainBroken : ExitCodes.Ok;
        }
        catch (PostgresException e)
        {
            throw new ServiceUnavailableException($"PostgreSQL at {server} refused the audit: {e.SqlState}: {e.MessageText}");
        }
        catch (NpgsqlException e)
        {
            throw new ServiceUnavailableException(
                $"cannot reach PostgreSQL at {server}: {e.Message} The connection string comes from --postgres or {PostgresVariable}.");
        }
    }

    private NpgsqlConnectionStringBuilder ConnectionString(ParseResult parseResult)
    {
        var value = NonBlank(parseResult.GetValue(postgres)) ?? NonBlank(host.Environment(PostgresVariable)) ?? DefaultPostgres;
        try
        {
            return new NpgsqlConnectionStringBuilder(value);
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword; the value itself may hold a password, so it is not echoed.
            throw new UsageException($"--postgres or {PostgresVariable} is not a valid connection string: {e.Message}");
        }
    }

    /// <summary>Schemas with Marten's event table whose name the event store would accept.</summary>
    private static async Task<List<string>> EventStoreSchemasAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'mt_events' AND table_type = 'BASE TABLE' ORDER BY table_schema");
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.Default, cancellationToken);
        var schemas = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            if (IsSchemaName(name))
            {
                schemas.Add(name);
            }
        }
        return schemas;
    }

    private static bool IsSchemaName(string name)
    {
        try
        {
            EventStoreOptions.CheckSchemaName(name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // Stream ids are data: a control character in one must not forge or split an output line.
    private static string Printable(string value)
    {
        if (!value.Any(char.IsControl))
        {
            return value;
        }
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }
        return escaped.ToString();
    }

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
