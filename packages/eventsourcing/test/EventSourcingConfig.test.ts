import { EventSourcingConfig } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect } from "effect"

const fromEnv = (env: Record<string, string>) =>
  Effect.gen(function* () {
    return yield* EventSourcingConfig.EventSourcingConfig
  }).pipe(
    Effect.provide(EventSourcingConfig.layerConfig()),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
  )

describe("EventSourcingConfig", () => {
  it.effect("defaults are the seed's: snapshot every 100 events, replay enabled", () =>
    Effect.gen(function* () {
      const settings = yield* EventSourcingConfig.EventSourcingConfig
      assert.strictEqual(settings.snapshotInterval, 100)
      assert.isTrue(settings.enableReplay)
      assert.deepStrictEqual(yield* fromEnv({}), settings)
    })
  )

  it.effect("reads the environment", () =>
    Effect.gen(function* () {
      const settings = yield* fromEnv({
        CELLO_SNAPSHOT_INTERVAL: "25",
        CELLO_ENABLE_REPLAY: "false",
        CELLO_MAX_CONCURRENCY_RETRIES: "7",
        CELLO_RETRY_DELAY: "20 millis"
      })
      assert.strictEqual(settings.snapshotInterval, 25)
      assert.isFalse(settings.enableReplay)
      assert.strictEqual(settings.maxConcurrencyRetries, 7)
      assert.strictEqual(Duration.toMillis(settings.retryDelay), 20)
    })
  )

  const invalid: ReadonlyArray<readonly [Record<string, string>, RegExp]> = [
    [{ CELLO_SNAPSHOT_INTERVAL: "-1" }, /snapshotInterval/],
    [{ CELLO_SNAPSHOT_INTERVAL: "ten" }, /CELLO_SNAPSHOT_INTERVAL/],
    [{ CELLO_MAX_CONCURRENCY_RETRIES: "-2" }, /maxConcurrencyRetries/],
    [{ CELLO_ENABLE_REPLAY: "perhaps" }, /CELLO_ENABLE_REPLAY/]
  ]
  for (const [env, pattern] of invalid) {
    it.effect(`refuses ${JSON.stringify(env)} with an error naming the setting`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(fromEnv(env))
        assert.match(String(error), pattern)
      })
    )
  }
})
