import { StoreUnavailable } from "@cello/cqrs"
import { unavailableAs } from "./unavailableAs.js"

/** For the ports of `@cello/cqrs`. */
export const cqrsUnavailable = unavailableAs(StoreUnavailable)
