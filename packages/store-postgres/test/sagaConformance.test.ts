import { sagaStoreSuite } from "@cello/saga/testing"
import { mode, storeLayer } from "./testDatabase.js"

sagaStoreSuite(`postgres (${mode})`, storeLayer("saga_conformance"))
