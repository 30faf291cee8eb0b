import { StoreUnavailable } from "@cello/eventsourcing"
import { unavailableAs } from "./unavailableAs.js"

/** For the ports of `@cello/eventsourcing`. */
export const eventsourcingUnavailable = unavailableAs(StoreUnavailable)
