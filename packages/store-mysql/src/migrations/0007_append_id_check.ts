/**
 * `cello_append` also looks for the batch's event ids, and answers `stored` (writing nothing, the
 * counter put back) when one is stored already: the store then reads those rows and answers a re-sent
 * append with its original result, or refuses a reused id. Until now the store sent that look-up as
 * its own statement before the CALL: one round trip per append that the CALL now saves. The look-up
 * comes after the counter's UPDATE, under its lock: inside a routine MariaDB reads it with shared
 * record locks, which taken before the counter's lock could wait on (and deadlock with) an appender
 * holding it. Otherwise as 0004.
 */
export const name = "append_id_check"

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
    IF EXISTS (SELECT 1 FROM ${q("events")} WHERE event_id IN (
      SELECT j.event_id FROM JSON_TABLE(p_batch, '$[*]' COLUMNS (event_id CHAR(36) CHARACTER SET ascii PATH '$.i')) AS j
    )) THEN
      UPDATE ${q("positions")} SET last = last - p_count WHERE id = 1;
      SELECT 0 AS first_position, 0 AS version, '' AS now, 'stored' AS outcome;
    ELSE
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
    END IF;
  END`
]
