// One build for every package: ESM + CJS + .d.ts from the entries a package names.
import { defineConfig } from "tsup"

/** @param {{ entry: Record<string, string> }} options */
export const packageBuild = (options) =>
  defineConfig({
    entry: options.entry,
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node22",
    platform: "node",
    splitting: false,
    treeshake: true,
    outDir: "dist"
  })
