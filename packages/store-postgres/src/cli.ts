#!/usr/bin/env node
/**
 * `cello-pg migrate [--url URL] [--schema NAME]`: applies pending migrations and says which.
 * `cello-pg saga list [--status S]` and `cello-pg saga retry <id>`: see `cliSaga.ts`.
 * The URL defaults to CELLO_DATABASE_URL. Exit code 0 on success, 1 on failure, 2 on bad usage.
 */
import { parseArgs } from "node:util"
import { Effect, Option, Redacted } from "effect"
import * as Migrations from "./Migrations.js"
import * as PgDatabase from "./PgDatabase.js"
import * as PgStoreConfig from "./PgStoreConfig.js"

const usage = [
  "usage: cello-pg migrate [--url postgres://…] [--schema cello]",
  "       cello-pg saga list [--status compensation_failed] [--url …] [--schema …]",
  "       cello-pg saga retry <saga-id> [--url …] [--schema …]"
].join("\n")

const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const parsed = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    options: {
      url: { type: "string" },
      schema: { type: "string" },
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
  if (url === undefined) {
    console.error(`no database URL: pass --url or set CELLO_DATABASE_URL\n${usage}`)
    return 2
  }
  const schema = typeof parsed.values.schema === "string" ? parsed.values.schema : undefined
  const config = PgStoreConfig.make({ url: Redacted.make(url), poolSize: 1, ...(schema ? { schema } : {}) })
  const migrate = Effect.gen(function* () {
    const database = yield* PgDatabase.PgDatabase
    const applied = yield* Migrations.run.pipe(Effect.mapError(database.unavailable("migrate")))
    return applied.length === 0
      ? `${database.target} schema "${config.schema}": up to date`
      : `${database.target} schema "${config.schema}": applied ${applied.join(", ")}`
  })
  const program = saga !== undefined && Option.isSome(sagaCommand) ? saga.run(sagaCommand.value) : migrate
  const outcome = await Effect.runPromise(
    program.pipe(Effect.provide(PgDatabase.layer(config)), Effect.scoped, Effect.result)
  )
  if (outcome._tag === "Success") {
    console.log(outcome.success)
    return 0
  }
  console.error(`cello-pg: ${outcome.failure.message}`)
  return 1
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
