/**
 * Migrations: instances starting together migrate once (under GET_LOCK), a restart is a no-op, and
 * every table is utf8mb4 with a binary collation. `layerConfig` takes CELLO_DATABASE_URL when it is
 * a mysql:// or mariadb:// URL.
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { CompiledQuery } from "kysely"
import { Migrations, MysqlDatabase, MysqlStore, MysqlStoreConfig } from "../src/index.js"
import { dropDatabase, freshDatabase, url } from "./testDatabase.js"

const databaseLayer = (database: string) =>
  dropDatabase.pipe(Layer.provideMerge(MysqlDatabase.layer(MysqlStoreConfig.make({ url, database }))))

describe("MySQL migrations", () => {
  it.live("four instances starting at once apply each migration once; running again applies nothing", () =>
    Effect.gen(function* () {
      const db = yield* MysqlDatabase.MysqlDatabase
      const database = db.config.database
      const runs = yield* Effect.all(
        Array.from({ length: 4 }, () =>
          Migrations.run.pipe(Effect.provide(MysqlDatabase.layer(MysqlStoreConfig.make({ url, database }))))
        ),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(
        runs.flat().sort(),
        Migrations.all.map((m) => `${String(m.id).padStart(4, "0")}_${m.name}`)
      )
      assert.deepStrictEqual(yield* Migrations.run, [])
      const tables = yield* db.run<{ readonly name: string; readonly collation: string }>(
        CompiledQuery.raw(
          "SELECT TABLE_NAME AS name, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
          [database]
        )
      )
      assert.isAbove(tables.length, 3)
      for (const table of tables) assert.strictEqual(table.collation, "utf8mb4_bin", table.name)
    }).pipe(Effect.provide(databaseLayer(freshDatabase("migrate"))), Effect.scoped)
  )

  it.live("layerConfig: CELLO_DATABASE_URL with mysql:// or mariadb://; anything else is refused", () =>
    Effect.gen(function* () {
      const database = freshDatabase("config")
      const withEnv = (env: Record<string, string>) =>
        Layer.provide(MysqlStore.layerConfig(), ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
      const mariadbUrl = url.replace(/^mysql:/, "mariadb:")
      const version = yield* EventStore.EventStore.use((store) =>
        Effect.andThen(store.append("s", [{ type: "A", data: {} }]), store.streamVersion("s"))
      ).pipe(
        Effect.provide(
          dropDatabase.pipe(
            Layer.provideMerge(withEnv({ CELLO_DATABASE_URL: mariadbUrl, CELLO_DATABASE_NAME: database }))
          )
        )
      )
      assert.strictEqual(version, 1)
      const error = yield* Effect.flip(
        Layer.build(withEnv({ CELLO_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test" }))
      )
      assert.include(String(error), "mysql:// or mariadb://")
    }).pipe(Effect.scoped)
  )
})
