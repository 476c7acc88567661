namespace Takedown.EventStore;

/// <summary>The event store's tables, as numbered migrations. Append new scripts; never edit an applied one.</summary>
internal static class EventStoreSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE {schema}.streams (
            id text PRIMARY KEY,
            type text NOT NULL,
            version bigint NOT NULL,
            created timestamptz NOT NULL,
            updated timestamptz NOT NULL);

        CREATE TABLE {schema}.events (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id uuid NOT NULL UNIQUE,
            stream_id text NOT NULL REFERENCES {schema}.streams(id),
            version bigint NOT NULL,
            type text NOT NULL,
            data jsonb NOT NULL,
            metadata jsonb NOT NULL,
            occurred_at timestamptz NOT NULL,
            -- The writing transaction's id: projections read below the oldest running transaction, never by guessing at gaps.
            tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
            hash bytea NOT NULL,
            UNIQUE (stream_id, version));
        CREATE INDEX events_tx_seq ON {schema}.events (tx_id, seq);

        -- The audit chain. Documented in docs/event-store.md so that anyone with database access can recompute it:
        -- sha256(previous hash ‖ stream ‖ 0x00 ‖ int8(version) ‖ type ‖ 0x00 ‖ data::text ‖ 0x00 ‖ int8(occurred_at in µs since epoch))
        CREATE FUNCTION {schema}.event_hash(prev bytea, stream_id text, version bigint, type text, data jsonb, occurred_at timestamptz)
        RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
            SELECT sha256(
                coalesce(prev, ''::bytea)
                || convert_to(stream_id, 'UTF8') || '\x00'::bytea
                || int8send(version)
                || convert_to(type, 'UTF8') || '\x00'::bytea
                || convert_to(data::text, 'UTF8') || '\x00'::bytea
                || int8send((extract(epoch FROM occurred_at) * 1000000)::bigint))
        $$;

        CREATE TABLE {schema}.outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id uuid NOT NULL UNIQUE,
            message_type text NOT NULL,
            body jsonb NOT NULL,
            correlation_id uuid NOT NULL,
            causation_id uuid NOT NULL,
            trace_parent text,
            created_at timestamptz NOT NULL,
            sent_at timestamptz,
            attempts int NOT NULL DEFAULT 0,
            last_error text);
        CREATE INDEX outbox_unsent ON {schema}.outbox (id) WHERE sent_at IS NULL;

        CREATE TABLE {schema}.inbox (
            consumer text NOT NULL,
            message_id uuid NOT NULL,
            processed_at timestamptz NOT NULL,
            PRIMARY KEY (consumer, message_id));
        """,
        // Relays lease rows instead of holding a transaction open while the broker confirms; unreadable rows are parked.
        """
        ALTER TABLE {schema}.outbox ADD COLUMN claimed_until timestamptz, ADD COLUMN failed_at timestamptz;
        DROP INDEX {schema}.outbox_unsent;
        CREATE INDEX outbox_unsent ON {schema}.outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;
        """,
        // Async projections: a (tx_id, seq) checkpoint each, moved with a compare-and-swap in the read model's transaction.
        """
        CREATE TABLE {schema}.projection_checkpoints (
            name text PRIMARY KEY,
            tx_id xid8 NOT NULL DEFAULT '0',
            seq bigint NOT NULL DEFAULT 0,
            rebuild_requested_at timestamptz,
            rebuilt_at timestamptz,
            updated_at timestamptz NOT NULL);
        """,
        // Same bytes, but STABLE: the body calls stable functions (convert_to, extract on timestamptz), and a
        // function declared more strictly than its body is never inlined, so every event paid a full call.
        """
        ALTER FUNCTION {schema}.event_hash(bytea, text, bigint, text, jsonb, timestamptz) STABLE;
        """,
    ];
}
