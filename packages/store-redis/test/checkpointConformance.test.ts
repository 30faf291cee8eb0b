import { checkpointStoreSuite } from "@cello/eventsourcing/testing"
import { Layer } from "effect"
import { RedisCheckpointStore } from "../src/index.js"
import { clientLayer } from "./testRedis.js"

checkpointStoreSuite("redis", RedisCheckpointStore.layer.pipe(Layer.provide(clientLayer("checkpoints"))))
