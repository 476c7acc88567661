using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Takedown.EventStore;

public sealed partial class EventStoreOptions
{
    /// <summary>The PostgreSQL schema this service owns (one per service).</summary>
    public string Schema
    {
        get;
        set => field = CheckSchemaName(value);
    } = "public";

    /// <summary>Schema names go into SQL text, so only plain lower-case identifiers are accepted.</summary>
    public static string CheckSchemaName(string schema) => SchemaName().IsMatch(schema)
        ? schema
        : throw new ArgumentException($"'{schema}' is not a plain lower-case PostgreSQL identifier.", nameof(schema));

    public EventTypes Events { get; } = new();

    /// <summary>Stable names for the integration messages this service stages in its outbox.</summary>
    public MessageTypes Messages { get; } = new();

    /// <summary>The service's own tables (inline read models), numbered separately from the store's; "{schema}" is replaced.</summary>
    public List<string> ReadModelMigrations { get; } = [];

    /// <summary>How often the outbox relay looks for unsent messages when nothing signalled it.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How long one publish may wait for the broker's confirm before the relay backs off and retries.</summary>
    public TimeSpan OutboxPublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Async projections run by the daemon, and inline ones applied in the appending transaction.</summary>
    public Projections.ProjectionRegistry Projections { get; } = new();

    // Enums are stored by name: stored events and read models stay readable in SQL and survive reordering.
    public JsonSerializerOptions Json { get; set; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
