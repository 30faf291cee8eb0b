import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemorySagaStore } from "@cello/store-memory"
import { Context, Effect, Layer, Ref, Schema } from "effect"

// A payment service: refunds glitch now and then (a passing failure), and fail while a card is frozen.
interface Card {
  readonly balance: number
  readonly glitches: number
  readonly frozen: boolean
}
class Payments extends Context.Service<Payments, Ref.Ref<Card>>()("example/Payments") {
  static readonly layer = Layer.effect(Payments, Ref.make<Card>({ balance: 100, glitches: 0, frozen: false }))
}
// `transient: true` marks a failure that may pass by itself (as `_tag`s like "ConcurrencyError" do).
class NetworkGlitch extends Schema.TaggedError<NetworkGlitch>()("NetworkGlitch", {}) {
  readonly transient = true
}
class CardFrozen extends Schema.TaggedError<CardFrozen>()("CardFrozen", {}) {}
class OutOfStock extends Schema.TaggedError<OutOfStock>()("OutOfStock", {}) {}

const charge = (amount: number) =>
  Effect.gen(function* () {
    const card = yield* Payments
    yield* Ref.update(card, (c) => ({ ...c, balance: c.balance - amount }))
  })

const refund = (amount: number) =>
  Effect.gen(function* () {
    const card = yield* Payments
    const now = yield* Ref.get(card)
    if (now.glitches > 0) {
      yield* Ref.set(card, { ...now, glitches: now.glitches - 1 })
      return yield* new NetworkGlitch()
    }
    if (now.frozen) return yield* new CardFrozen()
    yield* Ref.set(card, { ...now, balance: now.balance + amount })
  })

export const OrderSaga = Saga.make({
  name: "order",
  context: Schema.Struct({ amount: Schema.Number }),
  steps: [
    {
      name: "charge",
      action: (o) => Effect.as(charge(o.amount), o),
      compensate: (o) => refund(o.amount),
      // The refund's own policy (the action's `retry` does not apply): passing failures are retried
      // with exponential backoff and jitter for up to an hour; a frozen card is not.
      compensationRetry: { retryDelay: "10 millis", retryFor: "1 hour" }
    },
    // Out of stock is a business answer: not retried (only transient failures are, by default).
    { name: "ship", action: () => Effect.fail(new OutOfStock()) }
  ]
})

export const program = Effect.gen(function* () {
  const card = yield* Payments
  // The refund glitches twice, is retried, and goes through.
  yield* Ref.update(card, (c) => ({ ...c, glitches: 2 }))
  const glitchy = yield* SagaOrchestrator.execute(OrderSaga, { amount: 30 })
  // A frozen card is not a passing failure: the saga stops at compensation_failed (counted, logged).
  yield* Ref.update(card, (c) => ({ ...c, frozen: true }))
  const stuck = yield* SagaOrchestrator.execute(OrderSaga, { amount: 20 })
  // Once the card is unfrozen, an operator retries the compensations that did not complete.
  yield* Ref.update(card, (c) => ({ ...c, frozen: false }))
  const retried = yield* SagaOrchestrator.retryCompensation(stuck.sagaId)
  return {
    glitchy: glitchy.status,
    stuck: [stuck.status, stuck.compensationError],
    retried: retried.status,
    balance: (yield* Ref.get(card)).balance
  }
})

export const AppLayer = SagaOrchestrator.layer({ sagas: [OrderSaga] }).pipe(
  Layer.provide(MemorySagaStore.layer),
  Layer.provideMerge(Payments.layer)
)

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program.pipe(Effect.provide(AppLayer))).then(console.log)
  // → { glitchy: 'compensated',
  //     stuck: [ 'compensation_failed', 'CardFrozen' ],
  //     retried: 'compensated',
  //     balance: 100 }
}
