/** Which store the demo runs on, for `/events/stats` (the seed's `store_type`) and the start-up line. */
import { Context } from "effect"

export type Kind = "memory" | "postgres" | "pglite" | "mysql"

export class StoreKind extends Context.Service<StoreKind, Kind>()("@cello/demo/StoreKind") {}
