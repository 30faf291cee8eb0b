/**
 * The @nestjs/cqrs side: a no-op `PingCommand` handler registered the documented way (a module that
 * imports `CqrsModule.forRoot()` and provides the handler, booted with
 * `NestFactory.createApplicationContext`), dispatched with `CommandBus.execute(new PingCommand())`.
 *
 * The decorators are applied as plain function calls (`CommandHandler(PingCommand)(PingHandler)` is
 * what `@CommandHandler(PingCommand)` compiles to), so this file needs no `experimentalDecorators`.
 * None of the classes has constructor parameters, so Nest needs no `design:paramtypes` metadata.
 */
import "reflect-metadata"
import { Module } from "@nestjs/common"
import { NestFactory } from "@nestjs/core"
import { Command, CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from "@nestjs/cqrs"
import type { Variant } from "./harness.js"

class PingCommand extends Command<void> {}

class PingHandler implements ICommandHandler<PingCommand, void> {
  async execute(_command: PingCommand): Promise<void> {}
}
CommandHandler(PingCommand)(PingHandler)

class BenchModule {}
Module({ imports: [CqrsModule.forRoot()], providers: [PingHandler] })(BenchModule)

export interface Side {
  readonly variants: ReadonlyArray<Variant>
  readonly dispose: () => Promise<void>
}

export const make = async (): Promise<Side> => {
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: false })
  await app.init()
  const bus: CommandBus = app.get(CommandBus)
  const handler: PingHandler = app.get(PingHandler)
  await bus.execute(new PingCommand())

  const variants: ReadonlyArray<Variant> = [
    {
      key: "nest",
      label: "@nestjs/cqrs `CommandBus.execute`",
      batch: async (n) => {
        for (let i = 0; i < n; i++) await bus.execute(new PingCommand())
      }
    },
    {
      key: "nest-direct",
      label: "direct `await handler.execute(…)` (Nest's own baseline)",
      batch: async (n) => {
        for (let i = 0; i < n; i++) await handler.execute(new PingCommand())
      }
    }
  ]
  return { variants, dispose: () => app.close() }
}
