/**
 * Every stream in version order for readers, readers held back only by this store's appenders, and
 * appends idempotent by event id.
 *
 * Readers order events by (transaction id, position) and read only below a horizon: the oldest
 * transaction that may still commit events into this store. Until now that horizon was the oldest
 * transaction running anywhere on the server, so a transaction held open in another database stalled
 * every projection. Now a transaction *registers* with each append (a shared advisory lock on a key of
 * this schema, held to its end, which readers look up in `pg_locks`), and only registered
 * transactions, plus those that ended after the reader's snapshot, hold readers back (`read_horizon`).
 *
 * A transaction normally gets its id at its first write, after the stream's lock: writers of a
 * stream then have ids in version order. Two shapes get their id earlier, and are checked:
 * - It already appended to another stream: if a newer transaction wrote this stream meanwhile, its
 *   events would sort after ours although their versions are lower. The append answers a conflict
 *   (outcome `order`) instead of misordering; the whole transaction should be retried.
 * - It wrote something else before its first append: a reader may have passed its id already. If
 *   any newer transaction has committed events, the append is refused (SQLSTATE CE001).
 *
 * A re-sent append whose first event id is already stored answers the stored events (outcome
 * `duplicate`) when every id sits in this stream at the same versions, in order; any other use of a
 * stored id is refused (CE003, the id in the detail).
 */
import { type Kysely, sql } from "kysely"
import type { Database } from "../Schema.js"

export const name = "append_order"

/** The advisory lock class of appender registrations ("CELL"); the object is a hash of the schema. */
export const registrationClass = 1128614988

export const up = (db: Kysely<Database>, schema: string) => {
  const events = sql.id(schema, "events")
  const key = sql`hashtext(${sql.lit(schema)}) & 2147483647`
  return [
    sql`DROP FUNCTION ${sql.id(schema, "append_events")}(text, bigint, jsonb)`.compile(db),
    sql`CREATE FUNCTION ${sql.id(schema, "append_events")}(p_stream text, p_expected bigint, p_events jsonb)
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
        -- Registered for the whole transaction (taken again, it is a hit in the backend's own lock table).
        v_xid := pg_current_xact_id_if_assigned();
        PERFORM pg_advisory_xact_lock_shared(${sql.lit(registrationClass)}, ${key});
        -- An id from before this append: fine if it came from an earlier append (registered then),
        -- refused if it came from another write and newer transactions have appended since.
        IF v_xid IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${events} AS e WHERE e.transaction_id = v_xid)
          AND EXISTS (SELECT 1 FROM ${events} AS e WHERE e.transaction_id > v_xid) THEN
          RAISE EXCEPTION 'this transaction wrote before its first append, and newer transactions have appended since'
            USING ERRCODE = 'CE001';
        END IF;
        PERFORM pg_advisory_xact_lock(hashtextextended('cello:' || p_stream, 0));
        SELECT e.stream_version, e.transaction_id INTO v_current, v_last_tx
          FROM ${events} AS e WHERE e.stream_id = p_stream ORDER BY e.stream_version DESC LIMIT 1;
        v_current := coalesce(v_current, 0);
        -- A re-sent append: looked up when it could be one (an exact expected version that still
        -- matches cannot be: its events would have moved the version), so most appends skip it.
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
      $fn$`.compile(db),
    // The caller's snapshot (STABLE: no snapshot of its own). The running appenders are read live,
    // first; then a transaction that is no longer running counts too (it ended after the snapshot,
    // so its events are not visible in it), whatever the appenders list said. Their ids come from
    // pg_stat_activity, which reads the same field as snapshots do (pg_locks' transactionid lock is
    // taken a moment after an id is assigned: a reader could miss it there).
    sql`CREATE FUNCTION ${sql.id(schema, "read_horizon")}() RETURNS xid8 LANGUAGE sql STABLE AS $fn$
      WITH appenders AS MATERIALIZED (
        SELECT coalesce(array_agg(s.backend_xid), '{}') AS ids
        FROM pg_locks AS a JOIN pg_stat_activity AS s ON s.pid = a.pid
        WHERE a.locktype = 'advisory' AND a.objsubid = 2
          AND a.classid = ${sql.lit(registrationClass)}::oid AND a.objid = (${key})::oid
          AND a.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
      SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
      FROM appenders CROSS JOIN LATERAL pg_snapshot_xip(pg_current_snapshot()) AS x
      WHERE x::xid = ANY (appenders.ids) OR pg_xact_status(x) <> 'in progress'
      $fn$`.compile(db)
  ]
}
