// A Redis server of a test's own (the `redis-server` on PATH), for tests that stop and restart Redis
// for real without disturbing the shared one other tests use.
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort, reachable } from "./net.js"

export interface RedisServer {
  readonly url: string
  /** SIGKILL: no shutdown save; what the append-only file holds is what a restart finds. */
  readonly kill: () => Promise<void>
  /** Starts it again on the same port (and data folder, unless `empty`). */
  readonly start: (options?: { readonly empty?: boolean }) => Promise<void>
  /** Kills it and removes its data folder. */
  readonly dispose: () => Promise<void>
}

/** Starts `redis-server` on a free port with an append-only file synced on every write. */
export const startRedisServer = async (): Promise<RedisServer> => {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let dir = mkdtempSync(join(tmpdir(), "cello-redis-"))
  let child: ChildProcess | undefined
  const kill = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, "exit")
    running.kill("SIGKILL")
    await exited
  }
  const start = async (options: { readonly empty?: boolean } = {}) => {
    await kill()
    if (options.empty === true) {
      rmSync(dir, { recursive: true, force: true })
      dir = mkdtempSync(join(tmpdir(), "cello-redis-"))
    }
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""]
    child = spawn("redis-server", [...args, "--appendonly", "yes", "--appendfsync", "always"], {
      stdio: "ignore"
    })
    for (let i = 0; i < 100; i++) {
      if (await reachable(url, port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis-server did not start on port ${port}`)
  }
  await start()
  return {
    url,
    kill,
    start,
    dispose: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
