/** The demo's app served in this process on a free port, over a chosen store, for real HTTP. */
import { HttpAdapter } from "@cello/http-adapter"
import { MemoryStore } from "@cello/store-memory"
import { Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { makeApp } from "../../src/app.js"
import { StoreKind } from "../../src/storeKind.js"

export const memory = Layer.merge(MemoryStore.layer, Layer.succeed(StoreKind, "memory"))

export type Store<E> = Layer.Layer<Layer.Success<typeof memory>, E>

/** Runs `test` with the base URL of the demo served over `store`; everything is released after. */
export const withDemo = <A, E>(
  store: Store<E>,
  test: (base: string) => Effect.Effect<A, unknown, Layer.Success<typeof memory>>
) =>
  Effect.runPromise(
    Effect.flatMap(HttpServer.HttpServer, (server) => test(HttpServer.formatAddress(server.address))).pipe(
      Effect.provide(HttpAdapter.serve(makeApp(store), { host: "127.0.0.1", port: 0, listenLog: false })),
      Effect.scoped
    )
  )
