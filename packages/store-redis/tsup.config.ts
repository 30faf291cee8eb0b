import { packageBuild } from "@cello/tooling/tsup"

export default packageBuild({ entry: { index: "src/index.ts" } })
