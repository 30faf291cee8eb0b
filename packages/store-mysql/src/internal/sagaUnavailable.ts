import { StoreUnavailable } from "@cello/saga"
import { unavailableAs } from "./unavailableAs.js"

/** For the `SagaStore` port of `@cello/saga`. */
export const sagaUnavailable = unavailableAs(StoreUnavailable)
