using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Takedown.EventStore;

/// <summary>What the project adds to a service's Marten store: its schema, the outbox's message names and pace.</summary>
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

    /// <summary>Stable names for the integration messages this service stages in its outbox.</summary>
    public MessageTypes Messages { get; } = new();

    /// <summary>How often the outbox relay looks for unsent messages when nothing signalled it.</summary>
    public TimeSpan OutboxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How long one publish may wait for the broker's confirm before the relay backs off and retries.</summary>
    public TimeSpan OutboxPublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    // Enums by name, camelCase: what Marten stores for events and documents, and what the outbox stores for messages.
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
