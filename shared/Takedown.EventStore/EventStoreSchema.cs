namespace Takedown.EventStore;

/// <summary>The event store's tables, as numbered migrations. Append new scripts; never edit an applied one.</summary>
internal static class EventStoreSchema
{
    /// <summary>SQLSTATE raised by append_events when the stream is not at the expected version; HINT carries its version (Npgsql withholds DETAIL by default).</summary>
    public const string WrongExpectedVersion = "TD409";

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
        // One round trip per append: lock and check the stream, chain the events (the stream row keeps its last hash,
        // so no look-up of the previous event), insert them in one statement, move the stream head.
        // Expected version: -2 any, -1 no stream, n >= 1 exactly n. The hash bytes are those of event_hash.
        """
        ALTER TABLE {schema}.streams ADD COLUMN last_hash bytea;
        UPDATE {schema}.streams s SET last_hash = e.hash FROM {schema}.events e WHERE e.stream_id = s.id AND e.version = s.version;

        CREATE FUNCTION {schema}.append_events(
            p_stream text, p_type text, p_expected bigint, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb, p_at timestamptz,
            OUT new_version bigint, OUT sequences bigint[])
        LANGUAGE plpgsql AS $$
        DECLARE
            v_hash bytea;
            v_micros bytea := int8send((extract(epoch FROM p_at) * 1000000)::bigint);
            v_versions bigint[] := '{}';
            v_hashes bytea[] := '{}';
        BEGIN
            SELECT version, last_hash INTO new_version, v_hash FROM {schema}.streams WHERE id = p_stream FOR UPDATE;
            IF NOT FOUND THEN
                IF p_expected >= 1 THEN
                    RAISE EXCEPTION 'stream % does not exist', p_stream USING ERRCODE = 'TD409', HINT = '';
                END IF;
                INSERT INTO {schema}.streams (id, type, version, created, updated) VALUES (p_stream, p_type, 0, p_at, p_at)
                ON CONFLICT (id) DO NOTHING;
                IF FOUND THEN
                    new_version := 0;
                ELSE
                    -- Another writer created it between our read and insert (we waited for its commit).
                    SELECT version, last_hash INTO new_version, v_hash FROM {schema}.streams WHERE id = p_stream FOR UPDATE;
                    IF p_expected = -1 THEN
                        RAISE EXCEPTION 'stream % exists', p_stream USING ERRCODE = 'TD409', HINT = new_version::text;
                    END IF;
                END IF;
            ELSIF p_expected = -1 OR (p_expected >= 1 AND p_expected <> new_version) THEN
                RAISE EXCEPTION 'stream % is at version %', p_stream, new_version USING ERRCODE = 'TD409', HINT = new_version::text;
            END IF;

            FOR i IN 1 .. cardinality(p_ids) LOOP
                new_version := new_version + 1;
                v_hash := sha256(coalesce(v_hash, ''::bytea)
                    || convert_to(p_stream, 'UTF8') || '\x00'::bytea
                    || int8send(new_version)
                    || convert_to(p_types[i], 'UTF8') || '\x00'::bytea
                    || convert_to(p_data[i]::text, 'UTF8') || '\x00'::bytea
                    || v_micros);
                v_versions := v_versions || new_version;
                v_hashes := v_hashes || v_hash;
            END LOOP;

            WITH inserted AS (
                INSERT INTO {schema}.events (id, stream_id, version, type, data, metadata, occurred_at, hash)
                SELECT u.id, p_stream, u.version, u.type, u.data, p_metadata, p_at, u.hash
                FROM unnest(p_ids, v_versions, p_types, p_data, v_hashes) WITH ORDINALITY AS u(id, version, type, data, hash, n)
                ORDER BY u.n
                RETURNING seq, version)
            SELECT array_agg(seq ORDER BY version) INTO sequences FROM inserted;

            UPDATE {schema}.streams SET version = new_version, last_hash = v_hash, updated = p_at WHERE id = p_stream;
        END
        $$;
        """,
        // The stream head moves by compare-and-swap instead of SELECT … FOR UPDATE then UPDATE: the row lock cost a
        // WAL record and a dirtied page per append on top of the update. Read the head, check the expected version,
        // chain, then one UPDATE … WHERE version = read version (or the creating INSERT) before any event row, so a
        // refused append still takes no sequence number. A writer that loses the race re-reads: a conflict for an
        // exact or no-stream expectation, another try for "any".
        """
        CREATE OR REPLACE FUNCTION {schema}.append_events(
            p_stream text, p_type text, p_expected bigint, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb, p_at timestamptz,
            OUT new_version bigint, OUT sequences bigint[])
        LANGUAGE plpgsql AS $$
        DECLARE
            v_exists boolean;
            v_read_version bigint;
            v_read_hash bytea;
            v_hash bytea;
            v_micros bytea := int8send((extract(epoch FROM p_at) * 1000000)::bigint);
            v_versions bigint[];
            v_hashes bytea[];
            v_moved boolean;
        BEGIN
            LOOP
                SELECT version, last_hash INTO v_read_version, v_read_hash FROM {schema}.streams WHERE id = p_stream;
                v_exists := FOUND;
                IF NOT v_exists THEN
                    IF p_expected >= 1 THEN
                        RAISE EXCEPTION 'stream % does not exist', p_stream USING ERRCODE = 'TD409', HINT = '';
                    END IF;
                    v_read_version := 0;
                    v_read_hash := NULL;
                ELSIF p_expected = -1 OR (p_expected >= 1 AND p_expected <> v_read_version) THEN
                    RAISE EXCEPTION 'stream % is at version %', p_stream, v_read_version USING ERRCODE = 'TD409', HINT = v_read_version::text;
                END IF;

                new_version := v_read_version;
                v_hash := v_read_hash;
                v_versions := '{}';
                v_hashes := '{}';
                FOR i IN 1 .. cardinality(p_ids) LOOP
                    new_version := new_version + 1;
                    v_hash := sha256(coalesce(v_hash, ''::bytea)
                        || convert_to(p_stream, 'UTF8') || '\x00'::bytea
                        || int8send(new_version)
                        || convert_to(p_types[i], 'UTF8') || '\x00'::bytea
                        || convert_to(p_data[i]::text, 'UTF8') || '\x00'::bytea
                        || v_micros);
                    v_versions := v_versions || new_version;
                    v_hashes := v_hashes || v_hash;
                END LOOP;

                IF v_exists THEN
                    UPDATE {schema}.streams SET version = new_version, last_hash = v_hash, updated = p_at
                    WHERE id = p_stream AND version = v_read_version;
                ELSE
                    INSERT INTO {schema}.streams (id, type, version, created, updated, last_hash)
                    VALUES (p_stream, p_type, new_version, p_at, p_at, v_hash)
                    ON CONFLICT (id) DO NOTHING;
                END IF;
                v_moved := FOUND;
                EXIT WHEN v_moved;

                -- Another writer moved the head after our read (and committed: we waited for it).
                IF p_expected <> -2 THEN
                    SELECT version INTO v_read_version FROM {schema}.streams WHERE id = p_stream;
                    RAISE EXCEPTION 'stream % is at version %', p_stream, v_read_version USING ERRCODE = 'TD409', HINT = coalesce(v_read_version::text, '');
                END IF;
            END LOOP;

            WITH inserted AS (
                INSERT INTO {schema}.events (id, stream_id, version, type, data, metadata, occurred_at, hash)
                SELECT u.id, p_stream, u.version, u.type, u.data, p_metadata, p_at, u.hash
                FROM unnest(p_ids, v_versions, p_types, p_data, v_hashes) WITH ORDINALITY AS u(id, version, type, data, hash, n)
                ORDER BY u.n
                RETURNING seq, version)
            SELECT array_agg(seq ORDER BY version) INTO sequences FROM inserted;
        END
        $$;
        """,
        // The same append, with the sequence numbers returned only when asked for (inline projections need them): the
        // data-modifying CTE and array_agg that return them cost about 15% of a 10-event append. A new overload, so that
        // replicas still running the previous code keep calling the 8-argument function during a rolling upgrade.
        """
        CREATE FUNCTION {schema}.append_events(
            p_stream text, p_type text, p_expected bigint, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb, p_at timestamptz, p_sequences boolean,
            OUT new_version bigint, OUT sequences bigint[])
        LANGUAGE plpgsql AS $$
        DECLARE
            v_exists boolean;
            v_read_version bigint;
            v_read_hash bytea;
            v_hash bytea;
            v_micros bytea := int8send((extract(epoch FROM p_at) * 1000000)::bigint);
            v_hashes bytea[];
            v_moved boolean;
        BEGIN
            LOOP
                SELECT version, last_hash INTO v_read_version, v_read_hash FROM {schema}.streams WHERE id = p_stream;
                v_exists := FOUND;
                IF NOT v_exists THEN
                    IF p_expected >= 1 THEN
                        RAISE EXCEPTION 'stream % does not exist', p_stream USING ERRCODE = 'TD409', HINT = '';
                    END IF;
                    v_read_version := 0;
                    v_read_hash := NULL;
                ELSIF p_expected = -1 OR (p_expected >= 1 AND p_expected <> v_read_version) THEN
                    RAISE EXCEPTION 'stream % is at version %', p_stream, v_read_version USING ERRCODE = 'TD409', HINT = v_read_version::text;
                END IF;

                new_version := v_read_version;
                v_hash := v_read_hash;
                v_hashes := '{}';
                FOR i IN 1 .. cardinality(p_ids) LOOP
                    new_version := new_version + 1;
                    v_hash := sha256(coalesce(v_hash, ''::bytea)
                        || convert_to(p_stream, 'UTF8') || '\x00'::bytea
                        || int8send(new_version)
                        || convert_to(p_types[i], 'UTF8') || '\x00'::bytea
                        || convert_to(p_data[i]::text, 'UTF8') || '\x00'::bytea
                        || v_micros);
                    v_hashes := v_hashes || v_hash;
                END LOOP;

                IF v_exists THEN
                    UPDATE {schema}.streams SET version = new_version, last_hash = v_hash, updated = p_at
                    WHERE id = p_stream AND version = v_read_version;
                ELSE
                    INSERT INTO {schema}.streams (id, type, version, created, updated, last_hash)
                    VALUES (p_stream, p_type, new_version, p_at, p_at, v_hash)
                    ON CONFLICT (id) DO NOTHING;
                END IF;
                v_moved := FOUND;
                EXIT WHEN v_moved;

                -- Another writer moved the head after our read (and committed: we waited for it).
                IF p_expected <> -2 THEN
                    SELECT version INTO v_read_version FROM {schema}.streams WHERE id = p_stream;
                    RAISE EXCEPTION 'stream % is at version %', p_stream, v_read_version USING ERRCODE = 'TD409', HINT = coalesce(v_read_version::text, '');
                END IF;
            END LOOP;

            IF p_sequences THEN
                WITH inserted AS (
                    INSERT INTO {schema}.events (id, stream_id, version, type, data, metadata, occurred_at, hash)
                    SELECT u.id, p_stream, v_read_version + u.n, u.type, u.data, p_metadata, p_at, u.hash
                    FROM unnest(p_ids, p_types, p_data, v_hashes) WITH ORDINALITY AS u(id, type, data, hash, n)
                    ORDER BY u.n
                    RETURNING seq, version)
                SELECT array_agg(seq ORDER BY version) INTO sequences FROM inserted;
            ELSE
                INSERT INTO {schema}.events (id, stream_id, version, type, data, metadata, occurred_at, hash)
                SELECT u.id, p_stream, v_read_version + u.n, u.type, u.data, p_metadata, p_at, u.hash
                FROM unnest(p_ids, p_types, p_data, v_hashes) WITH ORDINALITY AS u(id, type, data, hash, n)
                ORDER BY u.n;
            END IF;
        END
        $$;
        """,
    ];
}
