import { conformance } from "@cello/eventsourcing/testing"
import { storeLayer } from "./testDatabase.js"

conformance("mysql", storeLayer("conformance"))
