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

    /// <summary>The longest the relay's poll stretches to while it finds nothing (commits in this process wake it at once).</summary>
    public TimeSpan OutboxIdlePollMax { get; set; } = TimeSpan.FromSeconds(8);

    public int OutboxBatchSize { get; set; } = 100;

    /// <summary>How long one publish may wait for the broker's confirm before the relay backs off and retries.</summary>
    public TimeSpan OutboxPublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a sent outbox row is kept (for tracing what left the service) before pruning.</summary>
    public TimeSpan OutboxRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an inbox row is kept before pruning. A copy of a message that arrives after its row is gone is handled
    /// again, so this must outlast any redelivery: a relay republishing after a crash (its lease, minutes), a copy
    /// waiting behind a backlog, a redrive from an "_error" queue. At least a day; 14 by default.
    /// </summary>
    public TimeSpan InboxRetention
    {
        get;
        set => field = value >= MinimumInboxRetention
            ? value
            : throw new ArgumentOutOfRangeException(nameof(InboxRetention), value, $"The inbox must keep rows at least {MinimumInboxRetention.TotalDays:0} day: copies can arrive that late.");
    } = TimeSpan.FromDays(14);

    public static readonly TimeSpan MinimumInboxRetention = TimeSpan.FromDays(1);

    /// <summary>How often sent outbox and old inbox rows are pruned; the first pass waits one interval.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows deleted per statement, so a pass never holds many locks at once.</summary>
    public int PruneBatchSize { get; set; } = 1000;

    // Enums by name, camelCase: what Marten stores for events and documents, and what the outbox stores for messages.
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
