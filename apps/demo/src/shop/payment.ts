/** Payments (the seed's mock gateway), event-sourced so a refund is a fact next to the charge. */
import { Aggregate } from "@cello/eventsourcing"
import { Schema } from "effect"
import { PaymentProcessed, PaymentRefunded, paymentEvents } from "./events.js"

const PaymentState = Schema.Struct({
  status: Schema.Literals(["none", "completed", "refunded"]),
  /** In cents. */
  amount: Schema.Int
})
type PaymentState = typeof PaymentState.Type

export const Payment = Aggregate.make<PaymentState>()({
  name: "Payment",
  initialState: { status: "none", amount: 0 },
  events: paymentEvents,
  evolve: {
    PaymentProcessed: (_, e) => ({ status: "completed", amount: e.amount }),
    PaymentRefunded: (s) => ({ ...s, status: "refunded" })
  }
})

// Both decisions are idempotent: a retried step (same payment id) charges or refunds once.
export const charge = (userId: string, amount: number) => (state: PaymentState) =>
  state.status === "none" ? [new PaymentProcessed({ user_id: userId, amount })] : []

export const refund = (state: PaymentState) => (state.status === "completed" ? [new PaymentRefunded({})] : [])
