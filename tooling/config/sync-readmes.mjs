// After formatting: copy each example file into the README code block that follows its link
// ("[`examples/x.ts`](examples/x.ts) ... ```ts"), so READMEs show the examples exactly as the tests run them.
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("../..", import.meta.url).pathname
const readmes = [
  "README.md",
  ...["packages", "apps"].flatMap((d) => readdirSync(join(root, d)).map((p) => join(d, p, "README.md")))
]
for (const readme of readmes) {
  let text
  try {
    text = readFileSync(join(root, readme), "utf8")
  } catch {
    continue
  }
  const base = join(root, readme, "..")
  const next = text.replace(
    /\[`([^`]+\.ts)`\]\(([^)]+\.ts)\)([\s\S]*?)```ts\n[\s\S]*?```/g,
    (whole, _label, file, between) => {
      try {
        const code = readFileSync(join(base, file), "utf8").trim()
        return `[\`${_label}\`](${file})${between}\`\`\`ts\n${code}\n\`\`\``
      } catch {
        return whole
      }
    }
  )
  if (next !== text) {
    writeFileSync(join(root, readme), next)
    console.log(`synced ${readme}`)
  }
}
