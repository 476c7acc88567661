using System.CommandLine;
using System.Data;
using System.Text;
using Npgsql;
using Takedown.EventStore;
using Takedown.EventStore.Evidence;

namespace Takedown.Cli;

public sealed class AuditCommand : Command
{
    public AuditCommand(CliOptions options, CliHost host)
        : base("audit", "Check the event stores' tamper-evident hash chains (reads PostgreSQL directly; no API key), evidence bundles and exported stream heads")
    {
        Subcommands.Add(new AuditVerifyCommand(host));
        Subcommands.Add(new AuditHeadsCommand(options, host));
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

    private readonly Option<FileInfo?> bundle = new("--bundle")
    {
        Description = "Check an evidence bundle (takedown case export) offline, with no database: chain, files, signature",
        HelpName = "file.zip",
    };

    private readonly Option<FileInfo?> heads = new("--heads")
    {
        Description = "Compare the database's chains with an earlier signed export of stream heads (takedown audit heads, or the scheduled export)",
        HelpName = "file.json",
    };

    private readonly Option<FileInfo?> publicKey = new("--public-key")
    {
        Description = "With --bundle or --heads: the signer's public key (PEM) the signature must be made with; without it any key the file carries is taken",
        HelpName = "key.pem",
    };

    public AuditVerifyCommand(CliHost host)
        : base("verify", "Recompute every stream's hash chain; print each broken stream and a summary per schema. "
            + "--bundle checks an evidence bundle offline; --heads compares with exported stream heads")
    {
        this.host = host;
        Options.Add(schema);
        Options.Add(postgres);
        Options.Add(bundle);
        Options.Add(heads);
        Options.Add(publicKey);
        SetAction((parseResult, cancellationToken) => host.RunAsync(() => ExecuteAsync(parseResult, cancellationToken)));
    }

    private async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var bundleFile = parseResult.GetValue(bundle);
        var headsFile = parseResult.GetValue(heads);
        var pinned = parseResult.GetValue(publicKey) is { } keyFile ? ReadPublicKey(keyFile) : null;
        if (bundleFile is not null)
        {
            if (headsFile is not null || parseResult.GetValue(schema) is not null || parseResult.GetValue(postgres) is not null)
            {
                throw new UsageException("--bundle is checked offline, on its own: it takes no --heads, --schema or --postgres.");
            }
            return VerifyBundle(bundleFile, pinned);
        }
        if (headsFile is not null)
        {
            if (parseResult.GetValue(schema) is not null)
            {
                throw new UsageException("--heads compares the schema the export names; it takes no --schema.");
            }
            return await VerifyHeadsAsync(parseResult, headsFile, pinned, cancellationToken);
        }
        if (pinned is not null)
        {
            throw new UsageException("--public-key pins the signer of --bundle or --heads; give one of them.");
        }

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
                anyBroken |= await VerifySchemaAsync(dataSource, name, cancellationToken);
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

    /// <returns>Whether any stream of the schema is broken.</returns>
    private async Task<bool> VerifySchemaAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken)
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
        return broken > 0;
    }

    /// <summary>Offline: one MISMATCH line per problem, the first first; INTACT and exit 0 when everything holds.</summary>
    private int VerifyBundle(FileInfo file, EvidencePublicKey? pinned)
    {
        BundleVerification result;
        try
        {
            using var stream = file.OpenRead();
            result = EvidenceBundleVerifier.Verify(stream, pinned);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read --bundle {file.FullName}: {e.Message}");
        }

        foreach (var problem in result.Problems)
        {
            host.Out.WriteLine($"MISMATCH {Printable(problem.Subject)}: {Printable(problem.Problem)}");
        }
        foreach (var note in result.Notes)
        {
            host.Out.WriteLine($"NOTE {note}");
        }
        if (!result.Intact)
        {
            host.Out.WriteLine($"{file.Name}: does not verify; first mismatch: {Printable(result.Problems[0].Subject)}");
            return ExitCodes.ChainBroken;
        }
        var signer = pinned is null
            ? $"signed by key {result.KeyId} (the key the bundle carries; pin it with --public-key)"
            : $"signed by the pinned key {result.KeyId}";
        host.Out.WriteLine($"INTACT {result.StreamId}: {result.EventsChecked} events, chain head {result.ChainHead}, every file as listed, manifest {signer}");
        return ExitCodes.Ok;
    }

    private async Task<int> VerifyHeadsAsync(ParseResult parseResult, FileInfo file, EvidencePublicKey? pinned, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read --heads {file.FullName}: {e.Message}");
        }
        StreamHeads exported;
        try
        {
            exported = StreamHeadsExport.Open(bytes, pinned);
        }
        catch (StreamHeadsRejectedException e)
        {
            host.Out.WriteLine($"REJECTED {file.Name}: {e.Message}");
            return ExitCodes.ChainBroken;
        }

        var connection = ConnectionString(parseResult);
        var server = $"{connection.Host}:{connection.Port}/{connection.Database}";
        await using var dataSource = NpgsqlDataSource.Create(connection);
        try
        {
            var mismatches = await StreamHeadsExport.CompareAsync(dataSource, exported, cancellationToken);
            foreach (var mismatch in mismatches)
            {
                host.Out.WriteLine($"REWRITTEN {exported.Schema} {Printable(mismatch.StreamId)} at version {mismatch.Version}: {mismatch.Problem}");
            }
            var broken = await VerifySchemaAsync(dataSource, exported.Schema, cancellationToken);
            host.Out.WriteLine($"{exported.Schema}: {exported.Streams.Count} heads exported at {exported.GeneratedAt:O} compared, {mismatches.Count} no longer match");
            return broken || mismatches.Count > 0 ? ExitCodes.ChainBroken : ExitCodes.Ok;
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

    private static EvidencePublicKey ReadPublicKey(FileInfo file)
    {
        try
        {
            return EvidencePublicKey.Parse(File.ReadAllText(file.FullName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new UsageException($"--public-key {file.FullName}: {e.Message}");
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
