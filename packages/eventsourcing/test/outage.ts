/** A checkpoint store that fails with `StoreUnavailable` while `down` is set, as Redis does when it stops. */
import { CheckpointStore, StoreUnavailable } from "@cello/eventsourcing"
import { MemoryCheckpointStore } from "@cello/store-memory"
import { Clock, Context, Effect, Layer, Ref } from "effect"

export class Outage extends Context.Service<
  Outage,
  {
    readonly down: Ref.Ref<boolean>
    /** Each refused call: the operation and the `Clock` time. */
    readonly failures: Ref.Ref<ReadonlyArray<readonly [string, number]>>
  }
>()("test/Outage") {
  static readonly layer = Layer.effect(
    Outage,
    Effect.all({ down: Ref.make(false), failures: Ref.make<ReadonlyArray<readonly [string, number]>>([]) })
  )
}

export const flakyCheckpointStore: Layer.Layer<CheckpointStore.CheckpointStore, never, Outage> = Layer.effect(
  CheckpointStore.CheckpointStore,
  Effect.gen(function* () {
    const inner = yield* MemoryCheckpointStore.make
    const { down, failures } = yield* Outage
    const guard =
      (operation: string) =>
      <A>(effect: Effect.Effect<A, StoreUnavailable>): Effect.Effect<A, StoreUnavailable> =>
        Effect.flatMap(Ref.get(down), (isDown) =>
          isDown
            ? Effect.andThen(
                Effect.flatMap(Clock.currentTimeMillis, (now) =>
                  Ref.update(failures, (all) => [...all, [operation, now] as const])
                ),
                Effect.fail(new StoreUnavailable({ store: "test checkpoints", operation, detail: "down" }))
              )
            : effect
        )
    return CheckpointStore.CheckpointStore.of({
      load: (name) => guard("load")(inner.load(name)),
      save: (name, checkpoint) => guard("save")(inner.save(name, checkpoint)),
      reset: (name) => guard("reset")(inner.reset(name)),
      acquireLease: (name, owner, duration) =>
        guard("acquireLease")(inner.acquireLease(name, owner, duration)),
      releaseLease: (name, owner) => guard("releaseLease")(inner.releaseLease(name, owner)),
      atomic: inner.atomic,
      atomically: inner.atomically
    })
  })
)
