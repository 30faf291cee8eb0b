import { fileURLToPath } from "node:url"
import { packageTest } from "@cello/tooling/vitest"
import { mergeConfig } from "vitest/config"

// Tests and examples use the memory store from source; a package dependency on a store is not allowed.
export default mergeConfig(packageTest(), {
  resolve: {
    alias: { "@cello/store-memory": fileURLToPath(new URL("../store-memory/src/index.ts", import.meta.url)) }
  }
})
