/**
 * This process's name among the demo's instances (`CELLO_INSTANCE`, default `cello-demo`): the owner
 * of its saga and projection leases. A restarted instance with the same name resumes its own sagas at
 * once; instances sharing one database need names of their own.
 */
import { Config } from "effect"

export const instance: Config.Config<string> = Config.String("CELLO_INSTANCE").pipe(
  Config.withDefault("cello-demo")
)
