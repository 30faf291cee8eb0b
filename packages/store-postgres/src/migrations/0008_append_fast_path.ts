/**
 * The same `append_events` as migration 0005, answering the same rows for the same calls, with a
 * shorter path for the usual append: an exact expected version in a transaction that has no id yet
 * (an append on its own, or the first statement of one with inline projections). Every statement of a
 * VOLATILE plpgsql function takes a snapshot of its own, and 0005 ran twelve of them per append; this
 * path runs four (both advisory locks in one), and reads the stream's version inside the INSERT (in its
 * check that it is the expected one) instead of in a SELECT before it.
 *
 * Why the short path needs none of 0005's other checks:
 * - Order: a transaction without an id gets one at this INSERT, after the stream's lock, so it is
 *   newer than every transaction whose events on this stream it can see.
 * - Writes before the first append (CE001): without an id it has written nothing.
 * - A re-sent append: 0005 looks its first event id up only when the expected version does not match,
 *   and on this path it matches. When it does not, nothing is inserted and the function goes on as
 *   0005 did, with the locks already held.
 * Any other append (another expected version, or a transaction that has an id already) takes 0005's
 * steps in 0005's order.
 */
import { type Kysely, sql } from "kysely"
import type { Database } from "../Schema.js"
import { registrationClass } from "./0005_append_order.js"

export const name = "append_fast_path"

export const up = (db: Kysely<Database>, schema: string) => {
  const events = sql.id(schema, "events")
  const key = sql`hashtext(${sql.lit(schema)}) & 2147483647`
  return [
    sql`CREATE OR REPLACE FUNCTION ${sql.id(schema, "append_events")}(p_stream text, p_expected bigint, p_events jsonb)
      RETURNS TABLE (pos bigint, xid text, version bigint, at timestamptz, current_version bigint, outcome text)
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_current bigint;
        v_last_tx xid8;
        v_first uuid;
        v_dup_stream text;
        v_dup_version bigint;
        v_xid xid8;
      BEGIN
        IF p_expected >= 0 AND pg_current_xact_id_if_assigned() IS NULL THEN
          -- Registration, then the stream's lock, in one statement: with no id yet there is nothing to
          -- check between them.
          PERFORM pg_advisory_xact_lock_shared(${sql.lit(registrationClass)}, ${key}),
            pg_advisory_xact_lock(hashtextextended('cello:' || p_stream, 0));
          -- A statement after the locks: its snapshot sees what the stream's last writer committed.
          RETURN QUERY
            INSERT INTO ${events} AS e (event_id, type, schema_version, data, metadata, stream_id, stream_version)
            SELECT (x.value ->> 'event_id')::uuid, x.value ->> 'type', (x.value ->> 'schema_version')::int,
              x.value -> 'data', x.value -> 'metadata', p_stream, p_expected + x.n
            FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(value, n)
            WHERE p_expected = (SELECT coalesce(max(l.stream_version), 0) FROM ${events} AS l WHERE l.stream_id = p_stream)
            ORDER BY x.n
            RETURNING e.position, e.transaction_id::text, e.stream_version, e.created_at, p_expected, 'appended'::text;
          IF FOUND THEN
            RETURN;
          END IF;
        ELSE
          -- 0005's steps, in its order.
          v_xid := pg_current_xact_id_if_assigned();
          PERFORM pg_advisory_xact_lock_shared(${sql.lit(registrationClass)}, ${key});
          IF v_xid IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM ${events} AS e WHERE e.transaction_id = v_xid)
            AND EXISTS (SELECT 1 FROM ${events} AS e WHERE e.transaction_id > v_xid) THEN
            RAISE EXCEPTION 'this transaction wrote before its first append, and newer transactions have appended since'
              USING ERRCODE = 'CE001';
          END IF;
          PERFORM pg_advisory_xact_lock(hashtextextended('cello:' || p_stream, 0));
        END IF;
        -- From here on, 0005's path (the locks are held).
        SELECT e.stream_version, e.transaction_id INTO v_current, v_last_tx
          FROM ${events} AS e WHERE e.stream_id = p_stream ORDER BY e.stream_version DESC LIMIT 1;
        v_current := coalesce(v_current, 0);
        v_first := (p_events -> 0 ->> 'event_id')::uuid;
        IF p_expected < 0 OR p_expected <> v_current THEN
          SELECT e.stream_id, e.stream_version INTO v_dup_stream, v_dup_version
            FROM ${events} AS e WHERE e.event_id = v_first;
        END IF;
        IF v_dup_stream IS NOT NULL THEN
          IF v_dup_stream = p_stream AND NOT EXISTS (
              SELECT 1 FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(value, n)
              LEFT JOIN ${events} AS e ON e.stream_id = p_stream AND e.stream_version = v_dup_version + x.n - 1
              WHERE e.event_id IS DISTINCT FROM (x.value ->> 'event_id')::uuid) THEN
            RETURN QUERY SELECT e.position, e.transaction_id::text, e.stream_version, e.created_at, v_current, 'duplicate'::text
              FROM ${events} AS e
              WHERE e.stream_id = p_stream AND e.stream_version >= v_dup_version
                AND e.stream_version < v_dup_version + jsonb_array_length(p_events)
              ORDER BY e.stream_version;
            RETURN;
          END IF;
          RAISE EXCEPTION 'event id % is already stored', v_first USING ERRCODE = 'CE003', DETAIL = v_first::text;
        END IF;
        IF NOT (p_expected = -1 OR (p_expected = -2 AND v_current > 0) OR p_expected = v_current) THEN
          RETURN QUERY SELECT NULL::bigint, NULL::text, NULL::bigint, NULL::timestamptz, v_current, 'conflict'::text;
          RETURN;
        END IF;
        IF v_last_tx IS NOT NULL AND v_last_tx > pg_current_xact_id() THEN
          RETURN QUERY SELECT NULL::bigint, NULL::text, NULL::bigint, NULL::timestamptz, v_current, 'order'::text;
          RETURN;
        END IF;
        RETURN QUERY
          INSERT INTO ${events} AS e (event_id, type, schema_version, data, metadata, stream_id, stream_version)
          SELECT (x.value ->> 'event_id')::uuid, x.value ->> 'type', (x.value ->> 'schema_version')::int,
            x.value -> 'data', x.value -> 'metadata', p_stream, v_current + x.n
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(value, n)
          ORDER BY x.n
          RETURNING e.position, e.transaction_id::text, e.stream_version, e.created_at, v_current, 'appended'::text;
      END
      $fn$`.compile(db)
  ]
}
