/**
 * The bank's HTTP routes, as in seed 001: `/api/commands/...` and `/api/queries/...`. Opening an
 * account and every query go through `HttpAdapter.command/query`; the commands whose rejections the
 * seed answers with 400 (the adapter's declared failures are 409), and the transfer (200 or 409 with
 * the saga as body), are the demo's own routes.
 */
import { HttpAdapter } from "@cello/http-adapter"
import * as Routes from "../http/routes.js"
import { CloseAccount, Deposit, OpenAccount, Withdraw } from "./commands.js"
import { AccountHistory, GetAccount, GetSaga, ListAccounts, ListSagas, ListTransactions } from "./queries.js"
import { Transfer } from "./transferSaga.js"

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** The body's members with the path's account id over them. */
const withAccount = ({
  params,
  body
}: {
  readonly params: Readonly<Record<string, string>>
  readonly body: unknown
}) =>
  isObject(body) ? { ...body, account_id: params.id } : body === undefined ? { account_id: params.id } : body

const badRequest = () => 400

export const adapterRoutes = [
  HttpAdapter.command(OpenAccount, {
    path: "/api/commands/accounts",
    status: 201,
    location: (r) => `/api/queries/accounts/${r.account_id}`,
    summary: "Open an account"
  }),
  HttpAdapter.query(ListAccounts, { path: "/api/queries/accounts", payload: () => ({}) }),
  HttpAdapter.query(GetAccount, {
    path: "/api/queries/accounts/:id",
    payload: ({ params }) => ({ account_id: params.id })
  }),
  HttpAdapter.query(AccountHistory, {
    path: "/api/queries/accounts/:id/history",
    payload: ({ params }) => ({ account_id: params.id })
  }),
  HttpAdapter.query(ListTransactions, { path: "/api/queries/transactions" }),
  HttpAdapter.query(ListSagas, { path: "/api/queries/sagas", payload: () => ({}) }),
  HttpAdapter.query(GetSaga, {
    path: "/api/queries/sagas/:id",
    payload: ({ params }) => ({ saga_id: params.id })
  })
] as const

export const demoRoutes = [
  Routes.command(Deposit, {
    path: "/api/commands/accounts/:id/deposit",
    input: withAccount,
    failureStatus: badRequest,
    respond: (body) => Routes.json(body)
  }),
  Routes.command(Withdraw, {
    path: "/api/commands/accounts/:id/withdraw",
    input: withAccount,
    failureStatus: badRequest,
    respond: (body) => Routes.json(body)
  }),
  Routes.command(CloseAccount, {
    path: "/api/commands/accounts/:id/close",
    input: ({ params }) => ({ account_id: params.id }),
    failureStatus: badRequest,
    respond: (body) => Routes.json(body)
  }),
  Routes.command(Transfer, {
    path: "/api/commands/transfers",
    input: ({ body }) => body,
    failureStatus: () => 409,
    // The seed answers the saga itself: 200 when it completed, 409 when it was undone.
    respond: (saga) => Routes.json(saga, saga.status === "completed" ? 200 : 409)
  })
] as const
