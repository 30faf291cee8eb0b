/**
 * A saga's correlation id: the request (or command) that started it, so an operator goes from a saga
 * to everything that request caused. Nullable: sagas stored before have none.
 */
export const name = "saga_correlation"

export const up = (q: (name: string) => string): ReadonlyArray<string> => [
  `ALTER TABLE ${q("sagas")} ADD COLUMN correlation_id VARCHAR(255) NULL`
]
