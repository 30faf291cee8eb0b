/**
 * The bank's HTTP routes, as in seed 001: `/api/commands/...` and `/api/queries/...`, every one an
 * adapter route (so `/openapi.json` describes it). The seed answers a refused deposit, withdrawal or
 * closing with 400, and a transfer with the saga itself: 200 when it completed, 409 when undone.
 */
import { HttpAdapter } from "@cello/http-adapter"
import { CloseAccount, Deposit, OpenAccount, Withdraw } from "./commands.js"
import { AccountHistory, GetAccount, GetSaga, ListAccounts, ListSagas, ListTransactions } from "./queries.js"
import { Transfer } from "./transferSaga.js"

const refusedWith400 = { AccountRejected: { status: 400 } } as const

export const adapterRoutes = [
  HttpAdapter.command(OpenAccount, {
    path: "/api/commands/accounts",
    status: 201,
    location: (r) => `/api/queries/accounts/${r.account_id}`,
    summary: "Open an account"
  }),
  HttpAdapter.command(Deposit, {
    path: "/api/commands/accounts/:id/deposit",
    params: { id: "account_id" },
    failures: refusedWith400,
    summary: "Deposit money"
  }),
  HttpAdapter.command(Withdraw, {
    path: "/api/commands/accounts/:id/withdraw",
    params: { id: "account_id" },
    failures: refusedWith400,
    summary: "Withdraw money"
  }),
  HttpAdapter.command(CloseAccount, {
    path: "/api/commands/accounts/:id/close",
    params: { id: "account_id" },
    failures: refusedWith400,
    summary: "Close an account (its balance must be zero)"
  }),
  HttpAdapter.command(Transfer, {
    path: "/api/commands/transfers",
    results: [
      {
        when: (saga) => saga.status !== "completed",
        status: 409,
        description: "The transfer was refused and undone: the body is the saga, compensated"
      }
    ],
    summary: "Transfer money (a saga with compensation)"
  }),
  HttpAdapter.query(ListAccounts, { path: "/api/queries/accounts", payload: () => ({}) }),
  HttpAdapter.query(GetAccount, { path: "/api/queries/accounts/:id", params: { id: "account_id" } }),
  HttpAdapter.query(AccountHistory, {
    path: "/api/queries/accounts/:id/history",
    params: { id: "account_id" }
  }),
  HttpAdapter.query(ListTransactions, { path: "/api/queries/transactions" }),
  HttpAdapter.query(ListSagas, { path: "/api/queries/sagas", payload: () => ({}) }),
  HttpAdapter.query(GetSaga, { path: "/api/queries/sagas/:id", params: { id: "saga_id" } })
] as const
