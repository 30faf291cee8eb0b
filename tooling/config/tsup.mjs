// One build for every package: ESM + CJS + .d.ts from the entries a package names.
import { defineConfig } from "tsup"

/**
 * `splitting` puts modules that several entries share in one chunk (ESM and CJS), so a store's
 * per-port entries and its root entry hand out the same Layer and service values.
 * `noExternal` bundles the named dependencies' modules into the package (only those it imports).
 * @param {{ entry: Record<string, string>, splitting?: boolean, noExternal?: Array<string | RegExp> }} options
 */
export const packageBuild = (options) =>
  defineConfig({
    entry: options.entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node22",
    platform: "node",
    splitting: options.splitting ?? false,
    treeshake: true,
    outDir: "dist",
    ...(options.noExternal ? { noExternal: options.noExternal } : {})
  })
