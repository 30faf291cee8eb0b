/**
 * PostgreSQL goes away and comes back: the outage suite of `@cello/eventsourcing/testing`, through
 * a TCP proxy the test controls. PostgreSQL here trusts local users, so the URL carries a password
 * of the test's own that errors must never show.
 */
import { unavailableSuite } from "@cello/eventsourcing/testing"
import { startTcpProxy } from "@cello/tooling/net"
import { storeLayer, url } from "./testDatabase.js"

unavailableSuite("PostgreSQL", {
  scheme: "postgres",
  layer: (proxied) => storeLayer("unavailable", { url: proxied, poolSize: 3, connectTimeout: "2 seconds" }),
  server: new URL(url),
  defaultPort: 5432,
  password: "s3cret-pw",
  startProxy: startTcpProxy
})
