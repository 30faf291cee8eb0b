/**
 * Scenario 5: a 4-step saga whose steps do nothing, 8 concurrent starters, run to completion by
 * `SagaOrchestrator.execute`. Raw: the minimum durable bookkeeping with `pg` (insert the saga row,
 * one row per step, update the saga to completed: 6 statements, each its own commit). Cello writes
 * state and log together, "step N completed + step N+1 started" in one statement: 5 statements
 * (round trips, commits) per saga. The memory store runs the same saga for scale (not a target).
 */
import { randomUUID } from "node:crypto"
import { Saga, SagaOrchestrator, SagaStore } from "@cello/saga"
import { PgSagaStore, PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
// Bench-only: the memory store for scale, from source (stores never import each other in code).
import { MemorySagaStore } from "../../store-memory/src/index.js"
import {
  admin,
  checkpoint,
  compare,
  dropSchema,
  effectRunner,
  formatRate,
  freshSchema,
  perSecond,
  poolSize,
  promiseRunner,
  qualified,
  quietLogs,
  rawPool,
  type ScenarioResult,
  type Timing,
  url
} from "./harness.js"

const starters = 8
const timing: Timing = { warmupMs: 1_000, durationMs: 6_000, rounds: 4, concurrency: starters }

const Order = Schema.Struct({ orderId: Schema.String, steps: Schema.Number })
const noop = (name: string): Saga.Step<typeof Order.Type> => ({
  name,
  action: (ctx) => Effect.succeed({ ...ctx, steps: ctx.steps + 1 })
})
const NoopSaga = Saga.make({
  name: "bench",
  context: Order,
  steps: [noop("reserve"), noop("charge"), noop("ship"), noop("confirm")]
})

const createRawTables = async (schema: string) => {
  await admin(`CREATE SCHEMA "${schema}"`)
  await admin(`CREATE TABLE ${qualified(schema, "sagas")} (
    id text PRIMARY KEY, name text NOT NULL, status text NOT NULL, context jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`)
  await admin(`CREATE TABLE ${qualified(schema, "saga_steps")} (
    saga_id text NOT NULL, step text NOT NULL, status text NOT NULL, at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (saga_id, step))`)
}

/** Counts the store's operations: each is one statement, one round trip and one commit on PostgreSQL. */
const counting = (calls: { n: number }) =>
  Layer.effect(
    SagaStore.SagaStore,
    Effect.map(PgSagaStore.make, (store): SagaStore.SagaStoreShape => {
      const count = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.tap(effect, () => Effect.sync(() => calls.n++))
      return {
        ...store,
        create: (saga, log, lease) => count(store.create(saga, log, lease)),
        update: (id, input) => count(store.update(id, input)),
        renewLease: (id, owner, lease) => count(store.renewLease(id, owner, lease))
      }
    })
  )

export const run = async (): Promise<ScenarioResult> => {
  const rawSchema = freshSchema("saga_raw")
  const celloSchema = freshSchema("saga_cello")
  await createRawTables(rawSchema)
  const pool = rawPool()
  const calls = { n: 0 }
  const pg = ManagedRuntime.make(
    SagaOrchestrator.layer().pipe(
      Layer.provideMerge(counting(calls)),
      Layer.provideMerge(PgStore.layer({ url, schema: celloSchema, poolSize })),
      Layer.provideMerge(quietLogs)
    )
  )
  const memory = ManagedRuntime.make(SagaOrchestrator.layer().pipe(Layer.provideMerge(MemorySagaStore.layer)))
  const execute = SagaOrchestrator.execute(NoopSaga, { orderId: "o", steps: 0 }).pipe(
    Effect.flatMap((r) => (r.status === "completed" ? Effect.succeed(1) : Effect.die(new Error(r.status))))
  )
  try {
    await pg.context()
    const raw = promiseRunner(async () => {
      const id = randomUUID()
      await pool.query(
        `INSERT INTO ${qualified(rawSchema, "sagas")} (id, name, status, context) VALUES ($1, 'bench', 'running', $2)`,
        [id, JSON.stringify({ orderId: "o", steps: 0 })]
      )
      for (const step of ["reserve", "charge", "ship", "confirm"])
        await pool.query(
          `INSERT INTO ${qualified(rawSchema, "saga_steps")} (saga_id, step, status) VALUES ($1, $2, 'completed')`,
          [id, step]
        )
      await pool.query(
        `UPDATE ${qualified(rawSchema, "sagas")} SET status = 'completed', updated_at = now() WHERE id = $1`,
        [id]
      )
      return 1
    })
    const cello = effectRunner(pg, () => execute)
    const result = await compare(timing, raw, cello, checkpoint)
    // Round trips per saga, measured over a fresh sequential batch.
    calls.n = 0
    await pg.runPromise(Effect.repeat(execute, { times: 99 }))
    const perSaga = calls.n / 100
    const mem = await effectRunner(memory, () => execute)(2_000, starters)
    return {
      rows: [
        {
          scenario: "5. 4-step no-op saga, 8 starters",
          unit: "sagas/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw),
          target: 0.8
        }
      ],
      notes: [
        `Saga scenario: Cello on PostgreSQL spends ${perSaga.toFixed(2)} statements (= round trips = commits) per saga, ` +
          `${(perSaga / 4).toFixed(2)} per step; the raw bookkeeping spends 6 (1.50 per step). ` +
          `The same saga on the memory store: ${formatRate(perSecond(mem))} sagas/s (8 starters).`
      ]
    }
  } finally {
    await pool.end()
    await pg.dispose()
    await memory.dispose()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
