/**
 * The development pages as routes for `HttpAdapter.make`: whether they are on, and their handlers
 * over the stores the app provides. They are off unless asked for (`devPages: true` or
 * `CELLO_DEV_PAGES=true`) and always off with `NODE_ENV=production`: they show every stored payload.
 */
import { Config, Effect } from "effect"
import * as EventRoutes from "./eventRoutes.js"
import type { DevRoute, Stores } from "./routeSupport.js"
import * as SagaRoutes from "./sagaRoutes.js"

export type { DevRoute, Stores } from "./routeSupport.js"

export const config = Config.all({
  nodeEnv: Config.String("NODE_ENV").pipe(Config.withDefault("")),
  flag: Config.Boolean("CELLO_DEV_PAGES").pipe(Config.withDefault(false))
})

/** `NODE_ENV` names production in any case and spacing: `production`, `Production`, ` PRODUCTION`. */
export const isProduction = (nodeEnv: string): boolean => nodeEnv.trim().toLowerCase() === "production"

/**
 * On only when asked for: `option === true` (or, without the option, `CELLO_DEV_PAGES=true`), and
 * never in production. A malformed `CELLO_DEV_PAGES` keeps them off, with a warning rather than a
 * failed start.
 */
export const enabled = (option: boolean | undefined): Effect.Effect<boolean> =>
  config.pipe(
    Effect.map(({ nodeEnv, flag }) => !isProduction(nodeEnv) && (option ?? flag) === true),
    Effect.catch((error) =>
      Effect.as(Effect.logWarning(`development pages stay off: ${error.message}`), false)
    )
  )

export const routes = (stores: Stores): ReadonlyArray<DevRoute> => [
  ...EventRoutes.routes(stores),
  ...SagaRoutes.routes(stores)
]
