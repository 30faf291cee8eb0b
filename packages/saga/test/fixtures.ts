/** A world of side effects the test sagas act on, and the sagas. */
import { MemorySagaStore } from "@cello/store-memory"
import { Effect, Layer, Schema } from "effect"
import { Saga, SagaConfig, SagaOrchestrator } from "../src/index.js"

export class Boom extends Schema.TaggedError<Boom>()("Boom", { step: Schema.String }) {
  override get message(): string {
    return `${this.step} failed`
  }
}

/** A failure that may pass by itself: it marks itself `transient`, so it is retried by default. */
export class Glitch extends Schema.TaggedError<Glitch>()("Glitch", { step: Schema.String }) {
  readonly transient = true
  override get message(): string {
    return `${this.step} glitched`
  }
}

export const Ctx = Schema.Struct({ done: Schema.Array(Schema.String), failAt: Schema.Number })
export type Ctx = typeof Ctx.Type

export interface World {
  /** `act:<step>` and `undo:<step>`, in the order they ran. */
  readonly calls: Array<string>
  readonly keys: Array<string>
  /** Steps whose action or compensation fails while listed. */
  readonly failing: Set<string>
}

export const makeWorld = (): World => ({ calls: [], keys: [], failing: new Set() })

export const names = ["s1", "s2", "s3", "s4"] as const

/** Four steps; step `failAt` (1-based; 0 = none) fails, as does anything in `world.failing`. */
export const fourSteps = (world: World, name = "four") =>
  Saga.make({
    name,
    context: Ctx,
    steps: names.map(
      (step, i): Saga.Step<Ctx> => ({
        name: step,
        action: (ctx, info) =>
          ctx.failAt === i + 1 || world.failing.has(`act:${step}`)
            ? Effect.fail(new Boom({ step }))
            : Effect.sync(() => {
                world.calls.push(`act:${step}`)
                world.keys.push(info.idempotencyKey)
                return { ...ctx, done: [...ctx.done, step] }
              }),
        compensate: (_ctx, info) =>
          world.failing.has(`undo:${step}`)
            ? Effect.fail(new Boom({ step: `undo ${step}` }))
            : Effect.sync(() => {
                world.calls.push(`undo:${step}`)
                world.keys.push(`${info.idempotencyKey}:undo`)
              })
      })
    )
  })

/** No retries and no waiting: tests that are not about retries run without moving the clock. */
export const noRetries = SagaConfig.layer({ maxRetries: 0 })

export const orchestrator = (owner = "test", config: Layer.Layer<never, unknown> = noRetries) =>
  SagaOrchestrator.layer({ owner }).pipe(Layer.provideMerge(MemorySagaStore.layer), Layer.provide(config))
