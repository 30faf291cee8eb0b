/** What the demo serves today; `/` returns it. */
export const about = {
  service: "cello-demo",
  status: "placeholder",
  note: "the bank and order examples arrive with @cello/http-adapter; the event-sourcing core is ready",
  packages: [
    "@cello/eventsourcing",
    "@cello/store-memory",
    "@cello/cqrs",
    "@cello/saga",
    "@cello/store-postgres",
    "@cello/http-adapter"
  ],
  routes: { "GET /": "this description", "GET /health": "liveness" }
} as const
