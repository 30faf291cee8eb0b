// The installs a user makes outside the monorepo, and a small program for each. A program is
// plain JavaScript that is also valid strict TypeScript: it is run as ESM and as CJS, and
// type-checked as .mts/.cts against the installed declarations. It ends with `main`, an Effect
// whose JSON result must equal `expect`.
const pg = "process.env.CELLO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'"
const mysql = "process.env.CELLO_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'"

/** An app of one query, `GET /ping` → "pong", on the memory store (the http-adapter scenarios). */
const pingApp = `const Ping = Query.make("Ping", { payload: {}, success: Schema.String })
const app = HttpAdapter.make({
  title: "Ping",
  routes: [HttpAdapter.query(Ping, { path: "/ping", payload: () => ({}) })]
}).pipe(
  Layer.provide(QueryBus.handler(Ping, () => Effect.succeed("pong")).pipe(Layer.provideMerge(QueryBus.layer()))),
  Layer.provide(CommandBus.layer()),
  Layer.provideMerge(MemoryStore.layer)
)
`

export const scenarios = [
  {
    name: "saga + store-memory",
    install: ["@cello/saga", "@cello/store-memory", "effect"],
    imports: {
      "@cello/saga": ["Saga", "SagaOrchestrator"],
      "@cello/store-memory/saga": ["MemorySagaStore"],
      effect: ["Effect", "Layer", "Schema"]
    },
    body: `
const Hello = Saga.make({
  name: "hello",
  context: Schema.Struct({ n: Schema.Number }),
  steps: [{ name: "double", action: (c) => Effect.succeed({ n: c.n * 2 }) }]
})
const main = SagaOrchestrator.execute(Hello, { n: 21 }).pipe(
  Effect.map((r) => [r.status, r.context.n]),
  Effect.provide(SagaOrchestrator.layer({ sagas: [Hello] }).pipe(Layer.provide(MemorySagaStore.layer)))
)`,
    expect: ["completed", 42]
  },
  {
    name: "eventsourcing + store-postgres",
    install: ["@cello/eventsourcing", "@cello/store-postgres", "effect"],
    imports: {
      "@cello/eventsourcing": ["EventStore"],
      "@cello/store-postgres/eventsourcing": ["Migrations", "PgDatabase", "PgEventStore", "PgStoreConfig"],
      effect: ["Effect", "Layer"]
    },
    body: `
const schema = "install_check_" + Math.random().toString(36).slice(2, 10)
const database = PgDatabase.layer(PgStoreConfig.make({ url: ${pg}, schema }))
const main = Effect.gen(function* () {
  yield* Migrations.run
  yield* EventStore.append("account-1", [{ type: "Opened", data: { owner: "ann" } }], {
    expectedVersion: "no_stream"
  })
  const version = yield* EventStore.streamVersion("account-1")
  const db = yield* PgDatabase.PgDatabase
  yield* db.sql.unsafe("DROP SCHEMA " + schema + " CASCADE")
  return version
}).pipe(Effect.provide(PgEventStore.layer.pipe(Layer.provideMerge(database))))`,
    expect: 1
  },
  {
    name: "saga + store-postgres",
    install: ["@cello/saga", "@cello/store-postgres", "effect"],
    imports: {
      "@cello/saga": ["Saga", "SagaOrchestrator"],
      "@cello/store-postgres/saga": ["Migrations", "PgDatabase", "PgSagaStore", "PgStoreConfig"],
      effect: ["Effect", "Layer", "Schema"]
    },
    body: `
const schema = "install_check_" + Math.random().toString(36).slice(2, 10)
const migrated = Layer.effectDiscard(Migrations.run).pipe(
  Layer.provideMerge(PgDatabase.layer(PgStoreConfig.make({ url: ${pg}, schema })))
)
const Hello = Saga.make({
  name: "hello",
  context: Schema.Struct({ n: Schema.Number }),
  steps: [{ name: "double", action: (c) => Effect.succeed({ n: c.n * 2 }) }]
})
const main = Effect.gen(function* () {
  const result = yield* SagaOrchestrator.execute(Hello, { n: 21 })
  const db = yield* PgDatabase.PgDatabase
  yield* db.sql.unsafe("DROP SCHEMA " + schema + " CASCADE")
  return [result.status, result.context.n]
}).pipe(
  Effect.provide(
    SagaOrchestrator.layer({ sagas: [Hello] }).pipe(
      Layer.provideMerge(PgSagaStore.layer),
      Layer.provideMerge(migrated)
    )
  )
)`,
    expect: ["completed", 42]
  },
  {
    name: "eventsourcing + store-mysql",
    install: ["@cello/eventsourcing", "@cello/store-mysql", "effect"],
    imports: {
      "@cello/eventsourcing": ["EventStore"],
      "@cello/store-mysql/eventsourcing": [
        "Migrations",
        "MysqlDatabase",
        "MysqlEventStore",
        "MysqlStoreConfig"
      ],
      effect: ["Effect", "Layer"],
      kysely: ["CompiledQuery"]
    },
    body: `
const name = "install_check_" + Math.random().toString(36).slice(2, 10)
const database = MysqlDatabase.layer(MysqlStoreConfig.make({ url: ${mysql}, database: name }))
const main = Effect.gen(function* () {
  yield* Migrations.run
  yield* EventStore.append("account-1", [{ type: "Opened", data: { owner: "ann" } }], {
    expectedVersion: "no_stream"
  })
  const version = yield* EventStore.streamVersion("account-1")
  const db = yield* MysqlDatabase.MysqlDatabase
  yield* db.execute(CompiledQuery.raw("DROP DATABASE " + name))
  return version
}).pipe(Effect.provide(MysqlEventStore.layer.pipe(Layer.provideMerge(database))))`,
    expect: 1
  },
  {
    name: "cqrs + store-redis",
    install: ["@cello/cqrs", "@cello/store-redis", "effect"],
    imports: {
      "@cello/cqrs": ["ReadModelStore"],
      "@cello/store-redis/cqrs": ["RedisClient", "RedisReadModelStore"],
      effect: ["Effect", "Layer"]
    },
    body: `
const keyPrefix = "install-check-" + Math.random().toString(36).slice(2, 10) + ":"
const main = Effect.gen(function* () {
  const store = yield* ReadModelStore.ReadModelStore
  yield* store.put("accounts", "acc-1", { owner: "ann", balance: 120 })
  const found = yield* store.get("accounts", "acc-1")
  yield* store.clear("accounts")
  return found
}).pipe(Effect.provide(RedisReadModelStore.layer.pipe(Layer.provide(RedisClient.layer({ keyPrefix })))))`,
    expect: { _id: "Option", _tag: "Some", value: { owner: "ann", balance: 120 } }
  },
  {
    name: "everything + http-adapter",
    install: [
      "@cello/eventsourcing",
      "@cello/cqrs",
      "@cello/saga",
      "@cello/store-memory",
      "@cello/store-postgres",
      "@cello/store-redis",
      "@cello/http-adapter",
      "effect"
    ],
    forbid: ["redis"],
    imports: {
      "@cello/cqrs": ["CommandBus", "Query", "QueryBus"],
      "@cello/http-adapter": ["HttpAdapter"],
      "@cello/store-memory": ["MemoryStore"],
      "@cello/store-postgres": ["PgStore"],
      "@cello/store-redis": ["RedisStore"],
      effect: ["Effect", "Layer", "Schema"],
      "effect/http": ["HttpServer"]
    },
    body: `
${pingApp}const main = Effect.gen(function* () {
  const server = yield* HttpServer.HttpServer
  const port = "port" in server.address ? server.address.port : 0
  const response = yield* Effect.promise(() => fetch("http://127.0.0.1:" + port + "/ping"))
  const body = yield* Effect.promise(() => response.json())
  // The other stores' entries load too (their layers are not built: no servers needed).
  return [response.status, body, typeof PgStore.layer, typeof RedisStore.layer]
}).pipe(Effect.provide(HttpAdapter.serve(app, { port: 0 })))`,
    expect: [200, "pong", "function", "function"]
  },
  {
    name: "http-adapter in fastify",
    install: [
      "@cello/eventsourcing",
      "@cello/cqrs",
      "@cello/saga",
      "@cello/store-memory",
      "@cello/http-adapter",
      "effect",
      "fastify@5.12.8"
    ],
    imports: {
      "@cello/cqrs": ["CommandBus", "Query", "QueryBus"],
      "@cello/http-adapter": ["HttpAdapter"],
      "@cello/http-adapter/fastify": ["plugin"],
      "@cello/store-memory": ["MemoryStore"],
      effect: ["Effect", "Layer", "Schema"],
      fastify: ["fastify"]
    },
    body: `
${pingApp}const main = Effect.gen(function* () {
  const listener = yield* HttpAdapter.NodeListener.useSync((l) => l)
  const server = fastify()
  server.get("/own", async () => "fastify")
  yield* Effect.promise(async () => {
    await server.register(plugin(listener))
  })
  const url = yield* Effect.promise(() => server.listen({ host: "127.0.0.1", port: 0 }))
  const ping = yield* Effect.promise(() => fetch(url + "/ping").then((r) => r.json()))
  const own = yield* Effect.promise(() => fetch(url + "/own").then((r) => r.text()))
  yield* Effect.promise(() => server.close())
  return [ping, own]
}).pipe(Effect.provide(HttpAdapter.nodeListener(app)))`,
    expect: ["pong", "fastify"]
  }
]
