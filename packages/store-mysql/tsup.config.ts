import { packageBuild } from "@cello/tooling/tsup"

// One entry per pattern package's ports, so a user imports (and installs) only what they use.
export default packageBuild({
  entry: {
    index: "src/index.ts",
    eventsourcing: "src/eventsourcing.ts",
    cqrs: "src/cqrs.ts",
    saga: "src/saga.ts",
    cli: "src/cli.ts"
  },
  splitting: true
})
