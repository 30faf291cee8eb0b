import { randomUUID } from "node:crypto"

/** A collection or key no other test (or test run sharing the database) uses. */
export const freshName = (label: string): string => `conformance-${label}-${randomUUID()}`
