import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, type Layer, Option } from "effect"
import { SnapshotStore } from "../SnapshotStore.js"
import { freshStream } from "./fixtures.js"

/** The SnapshotStore conformance suite. */
export const snapshotStoreSuite = <E>(name: string, storeLayer: Layer.Layer<SnapshotStore, E>): void =>
  layer(storeLayer, { excludeTestServices: true })(`${name}: SnapshotStore conformance`, (it) => {
    it.effect("saves, loads, keeps the newest, deletes", () =>
      Effect.gen(function* () {
        const store = yield* SnapshotStore
        const streamId = freshStream("snap")
        assert.isTrue(Option.isNone(yield* store.load(streamId)))
        const state = { balance: 120, owner: "Zoë", history: [1, 2, 3], closed: false }
        yield* store.save({ streamId, streamVersion: 100, stateVersion: 2, state })
        const loaded = yield* store.load(streamId)
        assert.isTrue(Option.isSome(loaded))
        if (Option.isNone(loaded)) return
        assert.strictEqual(loaded.value.streamId, streamId)
        assert.strictEqual(loaded.value.streamVersion, 100)
        assert.strictEqual(loaded.value.stateVersion, 2)
        assert.deepStrictEqual(loaded.value.state, state)
        assert.isTrue(DateTime.isDateTime(loaded.value.takenAt))
        // An older snapshot never replaces a newer one; a newer one does.
        yield* store.save({ streamId, streamVersion: 50, stateVersion: 2, state: { balance: 1 } })
        assert.strictEqual(
          Option.map(yield* store.load(streamId), (s) => s.streamVersion).pipe(Option.getOrUndefined),
          100
        )
        yield* store.save({ streamId, streamVersion: 200, stateVersion: 3, state: { balance: 2 } })
        const newer = Option.getOrUndefined(yield* store.load(streamId))
        assert.deepStrictEqual(
          [newer?.streamVersion, newer?.stateVersion, newer?.state],
          [200, 3, { balance: 2 }]
        )
        yield* store.delete(streamId)
        assert.isTrue(Option.isNone(yield* store.load(streamId)))
      })
    )
  })
