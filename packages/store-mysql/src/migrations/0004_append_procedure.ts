/**
 * `cello_append`: an append in one CALL, so the position counter's row lock (taken by its first
 * statement, held until the caller's COMMIT) covers one round trip instead of three. It bumps the
 * counter, reads the stream's version with a locking read, checks the expected version (-1 any, -2
 * stream exists, else the version) and inserts the batch (a JSON array of objects whose `data` and
 * `metadata` are JSON text, stored as sent) through JSON_TABLE. It answers one row: the first
 * position, the version before the append, the time, and `appended` or `conflict` (nothing written
 * but the counter, which the caller's rollback undoes).
 */
export const name = "append_procedure"

export const up = (q: (name: string) => string): ReadonlyArray<string> => [
  `DROP PROCEDURE IF EXISTS ${q("cello_append")}`,
  `CREATE PROCEDURE ${q("cello_append")}(
    IN p_stream VARBINARY(1024), IN p_expected BIGINT, IN p_count INT, IN p_batch LONGTEXT CHARACTER SET utf8mb4
  )
  BEGIN
    DECLARE v_last BIGINT UNSIGNED;
    DECLARE v_version BIGINT UNSIGNED;
    DECLARE v_now DATETIME(6);
    UPDATE ${q("positions")} SET last = last + p_count WHERE id = 1;
    SELECT last INTO v_last FROM ${q("positions")} WHERE id = 1;
    SELECT COALESCE(MAX(stream_version), 0) INTO v_version FROM ${q("events")}
      WHERE stream_id = p_stream LOCK IN SHARE MODE;
    SET v_now = UTC_TIMESTAMP(6);
    IF p_expected = -1 OR (p_expected = -2 AND v_version > 0) OR (p_expected >= 0 AND v_version = p_expected) THEN
      INSERT INTO ${q("events")}
        (position, event_id, stream_id, stream_version, type, schema_version, data, metadata, created_at)
      SELECT v_last - p_count + j.ord, j.event_id, p_stream, v_version + j.ord, j.type, j.schema_version,
        j.data, j.metadata, v_now
      FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (
        ord FOR ORDINALITY,
        event_id CHAR(36) PATH '$.i',
        type VARCHAR(256) CHARACTER SET utf8mb4 PATH '$.t',
        schema_version INT PATH '$.v',
        data LONGTEXT CHARACTER SET utf8mb4 PATH '$.d',
        metadata LONGTEXT CHARACTER SET utf8mb4 PATH '$.m'
      )) AS j ORDER BY j.ord;
      SELECT v_last - p_count + 1 AS first_position, v_version AS version,
        DATE_FORMAT(v_now, '%Y-%m-%d %H:%i:%s.%f') AS now, 'appended' AS outcome;
    ELSE
      SELECT 0 AS first_position, v_version AS version, '' AS now, 'conflict' AS outcome;
    END IF;
  END`
]
