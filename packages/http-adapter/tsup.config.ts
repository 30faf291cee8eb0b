import { packageBuild } from "@cello/tooling/tsup"

// `NodeHttpServer` of @effect/platform-node (MIT) is bundled, with only the modules it imports:
// that package requires the `redis` client as a peer, which npm would install into every app.
// Its shared half, @effect/platform-node-shared, stays an ordinary dependency.
export default packageBuild({
  entry: { index: "src/index.ts", fastify: "src/Fastify.ts" },
  noExternal: [/^@effect\/platform-node(\/|$)/]
})
