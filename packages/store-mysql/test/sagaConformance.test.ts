import { sagaStoreSuite } from "@cello/saga/testing"
import { storeLayer } from "./testDatabase.js"

sagaStoreSuite("mysql", storeLayer("saga_conformance"))
