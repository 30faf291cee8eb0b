import { conformance } from "@cello/cqrs/testing"
import { storeLayer } from "./testDatabase.js"

conformance("postgres", storeLayer("cqrs"))
