// Keeps READMEs honest: the example in a README must be, verbatim, a file that the tests run.
import { readFileSync } from "node:fs"
import { join } from "node:path"

/** Returns the README's ```ts code blocks, trimmed. */
export const readmeCodeBlocks = (packageDir: string): ReadonlyArray<string> => {
  const text = readFileSync(join(packageDir, "README.md"), "utf8")
  return Array.from(text.matchAll(/```ts\n([\s\S]*?)```/g), (m) => (m[1] ?? "").trim())
}

/** The example file's text, trimmed, for comparison with a README block. */
export const exampleSource = (file: string): string => readFileSync(file, "utf8").trim()
