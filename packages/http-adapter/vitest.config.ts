import { fileURLToPath } from "node:url"
import { packageTest } from "@cello/tooling/vitest"
import { mergeConfig } from "vitest/config"

// Tests and examples use the memory store from source; a package dependency on a store is not allowed.
export default mergeConfig(packageTest(), {
  resolve: {
    // The subpath first: an alias also matches the paths under it.
    alias: {
      "@cello/store-memory/saga": fileURLToPath(new URL("../store-memory/src/saga.ts", import.meta.url)),
      "@cello/store-memory": fileURLToPath(new URL("../store-memory/src/index.ts", import.meta.url))
    }
  }
})
