import { packageTest } from "@cello/tooling/vitest"

export default packageTest()
