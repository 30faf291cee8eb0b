import { conformance as cqrsConformance } from "@cello/cqrs/testing"
import { conformance } from "@cello/eventsourcing/testing"
import { MemoryStore } from "./index.js"

conformance("memory", MemoryStore.layer)
cqrsConformance("memory", MemoryStore.layer)
