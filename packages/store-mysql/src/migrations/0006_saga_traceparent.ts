/**
 * The W3C trace context of the span that started a saga, so recovery links its span to that trace.
 * Nullable: sagas started without a recording tracer, or before this migration, have none.
 */
export const name = "saga_traceparent"

export const up = (q: (name: string) => string): ReadonlyArray<string> => [
  `ALTER TABLE ${q("sagas")} ADD COLUMN traceparent VARCHAR(55) NULL`
]
