using Marten;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Functions;
using Weasel.Postgresql.Triggers;

namespace Takedown.EventStore;

/// <summary>
/// The tamper-evident chain: a BEFORE INSERT trigger on Marten's <c>mt_events</c> writes into each event's headers
/// <c>hash</c> = hex(sha256(previous hash ‖ stream ‖ 0x00 ‖ int8 version ‖ type ‖ 0x00 ‖ data as jsonb text ‖ 0x00 ‖
/// int8 µs since epoch of the timestamp)), the previous hash being that of version − 1 in the same stream. Computed in
/// the database, so no writer can skip it; registered with Marten as extended schema objects, so Marten's schema
/// management keeps the function and trigger (it drops unknown columns on <c>mt_events</c>, never these).
/// <see cref="AuditChain"/> recomputes it from the rows.
/// </summary>
public static class EventChain
{
    public const string HeaderName = "hash";
    private const string TriggerName = "td_event_chain";
    private const string FunctionName = "td_event_chain_link";

    /// <summary>
    /// Registers the function and trigger as a feature of their own: Marten applies such features after its event
    /// tables (extended schema objects come before them, when <c>mt_events</c> does not exist yet).
    /// </summary>
    public static void Register(StoreOptions options, string schema) =>
        options.Storage.Add(new Feature(schema, options.Advanced.Migrator));

    private sealed class Feature(string schema, Migrator migrator) : FeatureSchemaBase("TakedownEventChain", migrator)
    {
        protected override IEnumerable<ISchemaObject> schemaObjects() => SchemaObjects(schema);
    }

    private static IEnumerable<ISchemaObject> SchemaObjects(string schema)
    {
        // Written as pg_get_functiondef renders it: Weasel compares the two, and a difference would make every start-up
        // drop the function (CASCADE takes the trigger with it) and create it again.
        yield return new Function(new PostgresqlObjectName(schema, FunctionName, SchemaUtils.IdentifierUsage.General),
            $$"""
            CREATE OR REPLACE FUNCTION {{schema}}.{{FunctionName}}()
             RETURNS trigger
             LANGUAGE plpgsql
            AS $function$
            DECLARE
                previous bytea;
            BEGIN
                IF NEW.version > 1 THEN
                    SELECT decode(headers->>'{{HeaderName}}', 'hex') INTO previous
                    FROM {{schema}}.mt_events WHERE stream_id = NEW.stream_id AND version = NEW.version - 1;
                    IF previous IS NULL THEN
                        RAISE EXCEPTION 'event % of stream % has no chained predecessor', NEW.version, NEW.stream_id;
                    END IF;
                END IF;
                -- Marten writes JSON null when an event has no headers.
                NEW.headers := (CASE WHEN jsonb_typeof(NEW.headers) = 'object' THEN NEW.headers ELSE '{}'::jsonb END)
                    || jsonb_build_object('{{HeaderName}}', encode(sha256(
                        coalesce(previous, ''::bytea)
                        || convert_to(NEW.stream_id, 'UTF8') || '\x00'::bytea
                        || int8send(NEW.version)
                        || convert_to(NEW.type, 'UTF8') || '\x00'::bytea
                        || convert_to(NEW.data::text, 'UTF8') || '\x00'::bytea
                        || int8send((extract(epoch FROM NEW.timestamp) * 1000000)::bigint)), 'hex'));
                RETURN NEW;
            END
            $function$;
            """);
        yield return new Trigger(
            new PostgresqlObjectName(schema, TriggerName, SchemaUtils.IdentifierUsage.General),
            new PostgresqlObjectName(schema, "mt_events", SchemaUtils.IdentifierUsage.General),
            $"{schema}.{FunctionName}()")
        {
            Timing = TriggerTiming.Before,
            Events = TriggerEvents.Insert,
            ForEachRow = true,
        };
    }

    /// <summary>Whether the chain's trigger is installed and enabled on the schema's <c>mt_events</c>.</summary>
    public static async Task<bool> IsInstalledAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT EXISTS (SELECT 1 FROM pg_trigger t
                JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = 'mt_events' AND t.tgname = $2 AND t.tgenabled <> 'D')
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = TriggerName });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}

public sealed class EventChainMissingException(string schema)
    : Exception($"The event chain trigger is not installed on {schema}.mt_events: refusing to append events that no one could verify.");
