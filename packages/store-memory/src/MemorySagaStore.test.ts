import { sagaStoreSuite } from "@cello/saga/testing"
import { MemorySagaStore } from "./index.js"

sagaStoreSuite("memory", MemorySagaStore.layer)
