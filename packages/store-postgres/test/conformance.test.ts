import { conformance } from "@cello/eventsourcing/testing"
import { storeLayer } from "./testDatabase.js"

conformance("postgres", storeLayer("conformance"))
