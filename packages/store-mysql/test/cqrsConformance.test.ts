import { conformance } from "@cello/cqrs/testing"
import { storeLayer } from "./testDatabase.js"

conformance("mysql", storeLayer("cqrs"))
