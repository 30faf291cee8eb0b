/**
 * Appends through one function instead of a `streams` row (whose update halved the append rate). The
 * function takes the stream's advisory lock, then reads the stream's last version in a statement of
 * its own (in READ COMMITTED a volatile function's statement sees what the writer before it
 * committed), checks the expected version and inserts. The transaction id PostgreSQL assigns at that
 * insert still follows the order in which writers got the stream, so readers ordering by
 * (transaction id, position) see each stream's events in version order. A stream exists while it
 * has events; the events' primary key (stream_id, stream_version) answers its version.
 *
 * `p_expected`: a version (0 for a new stream), -1 for any, -2 for "the stream exists". `p_events`:
 * a JSON array of {event_id, type, schema_version, data, metadata}. On a conflict it returns one row
 * whose `pos` is null, with the stream's current version.
 */
import { type Kysely, sql } from "kysely"
import type { Database } from "../Schema.js"

export const name = "append_function"

export const up = (db: Kysely<Database>, schema: string) => {
  const events = sql.id(schema, "events")
  return [
    sql`CREATE FUNCTION ${sql.id(schema, "append_events")}(p_stream text, p_expected bigint, p_events jsonb)
      RETURNS TABLE (pos bigint, xid text, version bigint, at timestamptz, current_version bigint)
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_current bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('cello:' || p_stream, 0));
        SELECT coalesce(max(e.stream_version), 0) INTO v_current FROM ${events} AS e WHERE e.stream_id = p_stream;
        IF p_expected = -1 OR (p_expected = -2 AND v_current > 0) OR p_expected = v_current THEN
          RETURN QUERY
            INSERT INTO ${events} AS e (event_id, type, schema_version, data, metadata, stream_id, stream_version)
            SELECT (x.value ->> 'event_id')::uuid, x.value ->> 'type', (x.value ->> 'schema_version')::int,
              x.value -> 'data', x.value -> 'metadata', p_stream, v_current + x.n
            FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(value, n)
            ORDER BY x.n
            RETURNING e.position, e.transaction_id::text, e.stream_version, e.created_at, v_current;
        ELSE
          RETURN QUERY SELECT NULL::bigint, NULL::text, NULL::bigint, NULL::timestamptz, v_current;
        END IF;
      END
      $fn$`.compile(db),
    sql`DROP TABLE ${sql.id(schema, "streams")}`.compile(db)
  ]
}
