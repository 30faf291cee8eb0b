#!/usr/bin/env node
/**
 * `cello-mysql migrate [--url URL] [--database NAME]`: applies pending migrations and says which.
 * `cello-mysql saga list [--status S]` and `cello-mysql saga retry <id>`: see `cliSaga.ts`.
 * The URL defaults to CELLO_DATABASE_URL. Exit code 0 on success, 1 on failure, 2 on bad usage.
 */
import { parseArgs } from "node:util"
import { Effect, Option, Redacted } from "effect"
import * as Migrations from "./Migrations.js"
import * as MysqlDatabase from "./MysqlDatabase.js"
import * as MysqlStoreConfig from "./MysqlStoreConfig.js"

const usage = [
  "usage: cello-mysql migrate [--url mysql://…] [--database NAME]",
  "       cello-mysql saga list [--status compensation_failed] [--url …] [--database …]",
  "       cello-mysql saga retry <saga-id> [--url …] [--database …]"
].join("\n")

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const parsed = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    options: {
      url: { type: "string" },
      database: { type: "string" },
      status: { type: "string" },
      help: { type: "boolean" }
    }
  })
  const [command, ...words] = parsed.positionals
  const status = typeof parsed.values.status === "string" ? parsed.values.status : undefined
  // Loaded only for `saga`: an app without `@cello/saga` installed can still migrate.
  const saga = command === "saga" ? await import("./cliSaga.js") : undefined
  const sagaCommand = saga === undefined ? Option.none() : saga.parse(words, status)
  if (parsed.values.help === true || (command !== "migrate" && Option.isNone(sagaCommand))) {
    console.error(usage)
    return 2
  }
  const url = typeof parsed.values.url === "string" ? parsed.values.url : process.env.CELLO_DATABASE_URL
  if (url === undefined || !MysqlStoreConfig.isMysqlUrl(url)) {
    console.error(`no mysql:// or mariadb:// URL: pass --url or set CELLO_DATABASE_URL\n${usage}`)
    return 2
  }
  const database = typeof parsed.values.database === "string" ? parsed.values.database : undefined
  const config = MysqlStoreConfig.make({ url: Redacted.make(url), poolSize: 1, database })
  const migrate = Effect.gen(function* () {
    const db = yield* MysqlDatabase.MysqlDatabase
    const applied = yield* Migrations.run.pipe(Effect.mapError(db.unavailable("migrate")))
    return applied.length === 0
      ? `${db.target} database "${config.database}": up to date`
      : `${db.target} database "${config.database}": applied ${applied.join(", ")}`
  })
  const program = saga !== undefined && Option.isSome(sagaCommand) ? saga.run(sagaCommand.value) : migrate
  const outcome = await Effect.runPromise(
    program.pipe(Effect.provide(MysqlDatabase.layer(config)), Effect.scoped, Effect.result)
  )
  if (outcome._tag === "Success") {
    console.log(outcome.success)
    return 0
  }
  console.error(`cello-mysql: ${outcome.failure.message}`)
  return 1
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
