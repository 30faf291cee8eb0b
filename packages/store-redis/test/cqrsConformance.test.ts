import { conformance } from "@cello/cqrs/testing"
import { Layer } from "effect"
import { RedisIdempotencyStore, RedisReadModelStore } from "../src/index.js"
import { clientLayer } from "./testRedis.js"

conformance(
  "redis",
  Layer.mergeAll(RedisReadModelStore.layer, RedisIdempotencyStore.layer).pipe(
    Layer.provide(clientLayer("cqrs"))
  )
)
