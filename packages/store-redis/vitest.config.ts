import { fileURLToPath } from "node:url"
import { packageTest } from "@cello/tooling/vitest"
import { mergeConfig } from "vitest/config"

// Tests use the other stores from source; a package dependency would make one store depend on another.
export default mergeConfig(packageTest(), {
  resolve: {
    alias: {
      "@cello/store-memory": fileURLToPath(new URL("../store-memory/src/index.ts", import.meta.url)),
      "@cello/store-postgres": fileURLToPath(new URL("../store-postgres/src/index.ts", import.meta.url))
    }
  }
})
