import { conformance } from "@cello/eventsourcing/testing"
import { MemoryStore } from "./index.js"

conformance("memory", MemoryStore.layer)
