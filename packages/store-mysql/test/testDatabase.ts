/**
 * The database of a test file: a fresh database on the real MySQL/MariaDB server (`CELLO_MYSQL_URL`,
 * or the developer default), dropped after the tests. There is no embedded fallback: without a server
 * the tests fail, saying so.
 */
import { reachable } from "@cello/tooling/net"
import { Effect, Layer } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase, MysqlStore, type MysqlStoreConfig } from "../src/index.js"

export const url = process.env.CELLO_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test"

if (!(await reachable(url, 3306)))
  throw new Error(
    `store-mysql tests need MySQL or MariaDB at ${new URL(url).host} (set CELLO_MYSQL_URL; .ci/run starts MariaDB)`
  )

export const freshDatabase = (label: string): string =>
  `cello_test_${label}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`

/** Drops the store's database when the layer is released. */
export const dropDatabase = Layer.effectDiscard(
  Effect.gen(function* () {
    const database = yield* MysqlDatabase.MysqlDatabase
    yield* Effect.addFinalizer(() =>
      database
        .execute(CompiledQuery.raw(`DROP DATABASE IF EXISTS \`${database.config.database}\``))
        .pipe(Effect.ignore)
    )
  })
)

/** The store on a fresh database, dropped when the layer is released. */
export const storeLayer = (label: string, input: Partial<MysqlStoreConfig.Input> = {}) =>
  dropDatabase.pipe(
    Layer.provideMerge(MysqlStore.layer({ url, database: freshDatabase(label), poolSize: 10, ...input }))
  )
