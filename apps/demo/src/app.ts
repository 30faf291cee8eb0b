/**
 * The demo assembled from Layers: a store (memory, PostgreSQL or PGlite), its read side (`readSide.ts`),
 * the command and query buses with both examples' handlers, the saga orchestrator, and the routes
 * (every one an adapter route, so `/openapi.json` describes them all) for `HttpRouter`.
 */
import { CommandBus, CqrsConfig, QueryBus } from "@cello/cqrs"
import { EventSourcingConfig } from "@cello/eventsourcing"
import { HttpAdapter } from "@cello/http-adapter"
import { SagaConfig, SagaOrchestrator, SagaStore } from "@cello/saga"
import { Config, Duration, Effect, Layer } from "effect"
import * as BankCommands from "./bank/commands.js"
import * as BankQueries from "./bank/queries.js"
import * as BankRoutes from "./bank/routes.js"
import * as Transfer from "./bank/transferSaga.js"
import * as Discovery from "./discovery.js"
import { instance } from "./instance.js"
import * as ReadSide from "./readSide.js"
import * as ShopCommands from "./shop/commands.js"
import * as Inventory from "./shop/inventory.js"
import * as Placement from "./shop/placeOrderSaga.js"
import * as ShopQueries from "./shop/queries.js"
import * as ShopRoutes from "./shop/routes.js"
import * as Store from "./store.js"

// The buses' settings from the environment: CELLO_COMMAND_TIMEOUT, CELLO_QUERY_TIMEOUT, CELLO_MAX_RETRIES.
const Buses = Layer.mergeAll(CommandBus.layer(), QueryBus.layer()).pipe(
  Layer.provide(CqrsConfig.layerConfig())
)

// A compensation that fails for a passing reason is retried soon: requests wait for the saga.
const SagaSettings = SagaConfig.layerConfig(
  Config.all({
    retryDelay: Config.Duration("CELLO_SAGA_RETRY_DELAY").pipe(Config.withDefault(Duration.millis(100))),
    leaseDuration: Config.Duration("CELLO_SAGA_LEASE_DURATION").pipe(
      Config.withDefault(SagaConfig.defaults.leaseDuration)
    )
  })
)

// The instance's name owns its sagas: a restarted instance resumes its own at once, and every
// instance looks for sagas whose owner died (their lease expired) every `CELLO_SAGA_RECOVER_EVERY`,
// and takes `compensation_failed` sagas up again then: a refund that failed for good is retried
// until it succeeds.
const Orchestrator = Layer.unwrap(
  Effect.gen(function* () {
    const owner = yield* instance
    const recoverEvery = yield* Config.Duration("CELLO_SAGA_RECOVER_EVERY").pipe(
      Config.withDefault(Duration.seconds(10))
    )
    return SagaOrchestrator.layer({
      sagas: [Transfer.TransferSaga, Placement.PlaceOrderSaga],
      owner,
      recoverEvery,
      retryFailedCompensations: true
    })
  })
)

const Handlers = Layer.mergeAll(
  BankCommands.handlers,
  Transfer.handlers,
  BankQueries.handlers,
  ShopCommands.handlers,
  Placement.handlers,
  ShopQueries.handlers
)

/**
 * Start-up work once every handler is registered: the read models' indexes, the seed's stock (in the
 * read models before the first request), then sagas a crash left running.
 */
const Startup = Layer.effectDiscard(
  Effect.gen(function* () {
    yield* ReadSide.indexes
    yield* ReadSide.settled(Inventory.seed)
    const report = yield* SagaOrchestrator.recover
    if (report.recovered.length > 0) yield* Effect.logInfo(`resumed ${report.recovered.length} saga(s)`)
  })
)

/**
 * The domain without its routes: buses, handlers, sagas and read side over a store (the bench calls
 * its buses from a bare `node:http` handler, `bench/domainDirect.ts`).
 */
export const Domain = Startup.pipe(
  Layer.provideMerge(Handlers),
  Layer.provideMerge(Orchestrator),
  Layer.provideMerge(Buses),
  Layer.provide(SagaSettings),
  // CELLO_MAX_CONCURRENCY_RETRIES, CELLO_RETRY_TIMEOUT, CELLO_SNAPSHOT_INTERVAL, ...: how long a command
  // retries a write conflict on one aggregate, and when snapshots are taken.
  Layer.provide(EventSourcingConfig.layerConfig()),
  Layer.provideMerge(ReadSide.projectionsLayer)
)

const AdapterRoutes = HttpAdapter.make<CommandBus.CommandBus | QueryBus.QueryBus | SagaStore.SagaStore>({
  title: "Cello demo: bank and orders",
  version: "0.1.0",
  home: Discovery.about,
  routes: [...BankRoutes.adapterRoutes, ...ShopRoutes.adapterRoutes],
  healthChecks: [HttpAdapter.healthCheck("saga-store", SagaStore.list({ limit: 1 }))]
})

/** Every route, over the domain, over a store layer (`Store.layer` picks one from the environment). */
export const makeApp = <E>(store: Layer.Layer<Store.Ports | Store.StoreKind, E>) =>
  Layer.mergeAll(AdapterRoutes, ReadSide.middleware).pipe(Layer.provide(Domain), Layer.provideMerge(store))

export const App = makeApp(Store.layer)
