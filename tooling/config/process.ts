// A package's TypeScript file run as a process of its own, for tests that kill processes for real
// (SIGKILL mid-work) or run a package's command line as an operator would.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Bundles `entry` (relative to `packageDir`) and the workspace packages it imports, from their
 * sources, into one ESM file with the package's esbuild: each of many processes then starts in a
 * fraction of tsx's start-up time.
 */
export const bundle = (packageDir: string, entry: string): string => {
  const outfile = join(mkdtempSync(join(tmpdir(), "cello-bundle-")), "main.mjs")
  execFileSync(
    join(packageDir, "node_modules/.bin/esbuild"),
    [
      entry,
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--conditions=@cello/source",
      "--log-level=warning",
      `--outfile=${outfile}`,
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
    ],
    { cwd: packageDir }
  )
  return outfile
}

export interface NodeProcess {
  /** What it printed so far, stdout and stderr together. */
  readonly output: () => string
  /** Resolves when it has exited. */
  readonly exited: Promise<unknown>
  /** SIGKILL (no clean-up of any kind); resolves when it is gone. */
  readonly kill: () => Promise<void>
}

/** Starts `node file` in `cwd` with `env` added to this process's environment. */
export const startNode = (file: string, cwd: string, env: Record<string, string>): NodeProcess => {
  const child: ChildProcess = spawn(process.execPath, [file], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const collect = (chunk: Buffer) => {
    output += String(chunk)
  }
  child.stdout?.on("data", collect)
  child.stderr?.on("data", collect)
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, "exit")
  return {
    output: () => output,
    exited,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGKILL")
      await exited
    }
  }
}

/** Runs a package's TypeScript file with tsx (sources of workspace packages) to its end. */
export const runTs = (
  packageDir: string,
  file: string,
  args: ReadonlyArray<string>
): Promise<{ readonly code: number; readonly out: string }> =>
  new Promise((resolve) => {
    execFile(
      join(packageDir, "node_modules/.bin/tsx"),
      ["--conditions=@cello/source", file, ...args],
      { cwd: packageDir },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === "number" ? error.code : 1,
          out: stdout + stderr
        })
    )
  })
