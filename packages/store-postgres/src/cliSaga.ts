/**
 * The saga commands of `cello-pg` (`saga list`, `saga retry <id>`: `SagaCli` of `@cello/saga`) on
 * this store's sagas. Loaded only for `saga`, so an app without `@cello/saga` installed can still
 * migrate.
 */
import { SagaCli, SagaStore } from "@cello/saga"
import { Effect } from "effect"
import { PgDatabase } from "./PgDatabase.js"
import * as PgSagaStore from "./PgSagaStore.js"

export const parse = SagaCli.parse

export const run = (command: SagaCli.Command) =>
  Effect.gen(function* () {
    const database = yield* PgDatabase
    return yield* SagaCli.run(command, database.target)
  }).pipe(Effect.provideServiceEffect(SagaStore.SagaStore, PgSagaStore.make))
