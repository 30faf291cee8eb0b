import {
  CommandTimeout,
  HandlerFailed,
  HandlerNotFound,
  NoHandlerAccepted,
  QueryTimeout,
  ValidationError
} from "@cello/cqrs"
import { ConcurrencyError, StoreUnavailable, StreamNotFound } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  BodyTooLarge,
  CrossOriginRefused,
  ErrorMapping,
  MalformedIfMatch,
  MalformedJson,
  MalformedPath,
  PreconditionFailed,
  Problem,
  RouteNotFound,
  UnsupportedMediaType
} from "../src/index.js"

class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", { reason: Schema.String }) {}
class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {
  orderId: Schema.String
}) {}
const declared = Schema.is(Schema.Union([OrderRejected, OrderNotFound]))

const failed = (errorTag: string) =>
  new HandlerFailed({ name: "PlaceOrder", errorTag, detail: "postgres://secret@db" })
const conflict = new ConcurrencyError({ streamId: "Order-1", expected: 1, actual: 2 })

const table: ReadonlyArray<readonly [string, unknown, boolean, number, string]> = [
  ["declared failure", new OrderRejected({ reason: "no" }), false, 409, "order-rejected"],
  ["declared …NotFound", new OrderNotFound({ orderId: "o" }), false, 404, "order-not-found"],
  [
    "validation",
    new ValidationError({ name: "X", issues: [{ path: "a", message: "bad" }] }),
    false,
    422,
    "validation-error"
  ],
  ["malformed JSON", new MalformedJson({ detail: "x" }), false, 400, "malformed-json"],
  ["body too large", new BodyTooLarge({ limit: 10 }), false, 413, "body-too-large"],
  ["not JSON", new UnsupportedMediaType({ contentType: "text/plain" }), false, 415, "unsupported-media-type"],
  [
    "a write from another origin",
    new CrossOriginRefused({ origin: "https://x" }),
    false,
    403,
    "cross-origin-refused"
  ],
  ["bad If-Match", new PreconditionFailed({ ifMatch: "W/x" }), false, 412, "precondition-failed"],
  ["malformed If-Match", new MalformedIfMatch({ ifMatch: "abc" }), false, 400, "malformed-if-match"],
  ["malformed path", new MalformedPath({ path: "/orders/%" }), false, 400, "malformed-path"],
  ["unknown route", new RouteNotFound({ method: "GET", path: "/x" }), false, 404, "route-not-found"],
  ["ConcurrencyError", conflict, false, 409, "concurrency-conflict"],
  ["ConcurrencyError with If-Match", conflict, true, 412, "precondition-failed"],
  ["ConcurrencyError through the bus", failed("ConcurrencyError"), false, 409, "concurrency-conflict"],
  [
    "StoreUnavailable",
    new StoreUnavailable({ store: "pg", operation: "append", detail: "secret" }),
    false,
    503,
    "store-unavailable"
  ],
  ["StoreUnavailable through the bus", failed("StoreUnavailable"), false, 503, "store-unavailable"],
  ["StreamNotFound", new StreamNotFound({ streamId: "s" }), false, 404, "not-found"],
  ["CommandTimeout", new CommandTimeout({ name: "X", timeoutMillis: 1 }), false, 504, "command-timeout"],
  ["QueryTimeout", new QueryTimeout({ name: "X", timeoutMillis: 1 }), false, 504, "query-timeout"],
  ["NoHandlerAccepted", new NoHandlerAccepted({ name: "X", tried: 2 }), false, 422, "no-handler-accepted"],
  [
    "HandlerNotFound (a wiring bug)",
    new HandlerNotFound({ kind: "command", name: "X" }),
    false,
    500,
    "internal-error"
  ],
  ["any other handler failure", failed("TypeError"), false, 500, "internal-error"],
  ["a thrown string", "boom", false, 500, "internal-error"]
]

describe("ErrorMapping.toProblem", () => {
  for (const [name, error, conditional, status, slug] of table) {
    it(`${name} → ${status} ${slug}`, () => {
      const problem = ErrorMapping.toProblem(error, { isDeclaredFailure: declared, conditional })
      assert.strictEqual(problem.status, status)
      assert.strictEqual(problem.slug, slug)
      // Internal messages (connection strings, store details) never reach the client.
      assert.notInclude(JSON.stringify(Problem.toJson(problem)), "secret")
    })
  }

  it("validation problems list each issue, and the JSON always carries `error`", () => {
    const problem = ErrorMapping.toProblem(
      new ValidationError({
        name: "X",
        issues: [
          { path: "a", message: "bad" },
          { path: "b.0", message: "worse" }
        ]
      }),
      { isDeclaredFailure: () => false, conditional: false }
    )
    const json = Problem.toJson(problem)
    assert.deepStrictEqual(json.errors, [
      { path: "a", message: "bad" },
      { path: "b.0", message: "worse" }
    ])
    assert.strictEqual(json.type, "urn:cello:problem:validation-error")
    assert.strictEqual(json.error, json.detail)
    assert.include(String(json.detail), "a, b.0")
  })

  it.each([
    ["directly", new StoreUnavailable({ store: "redis", operation: "get", detail: "redis://secret@cache" })],
    [
      "through the bus",
      new HandlerFailed({ name: "Q", errorTag: "StoreUnavailable", detail: "secret", store: "redis" })
    ]
  ] as const)("StoreUnavailable %s names the store, and nothing of its detail", (_, error) => {
    const json = Problem.toJson(
      ErrorMapping.toProblem(error, { isDeclaredFailure: () => false, conditional: false })
    )
    assert.strictEqual(json.status, 503)
    assert.strictEqual(json.detail, "The redis store is unavailable; try again later.")
    assert.strictEqual(json.store, "redis")
    assert.notInclude(JSON.stringify(json), "secret")
  })

  it("a declared failure's fields become extension members, never overwriting standard ones", () => {
    class Odd extends Schema.TaggedError<Odd>()("Odd", { status: Schema.String, reason: Schema.String }) {}
    const json = Problem.toJson(
      ErrorMapping.toProblem(new Odd({ status: "weird", reason: "r" }), {
        isDeclaredFailure: () => true,
        conditional: false
      })
    )
    assert.strictEqual(json.status, 409)
    assert.strictEqual(json.reason, "r")
  })

  it("a route's failure answers choose the status, type and title of a declared failure by its tag", () => {
    class Gone extends Schema.TaggedError<Gone>()("ItemNotFound", { id: Schema.String }) {}
    class Taken extends Schema.TaggedError<Taken>()("Taken", { id: Schema.String }) {}
    const answers: Record<string, ErrorMapping.FailureAnswer> = {
      Taken: { status: 422, type: "already-taken", title: "Already taken" }
    }
    const toJson = (error: unknown) =>
      Problem.toJson(
        ErrorMapping.toProblem(error, {
          isDeclaredFailure: () => true,
          conditional: false,
          failureAnswer: (tag) => answers[tag]
        })
      )
    const taken = toJson(new Taken({ id: "1" }))
    assert.deepStrictEqual(
      [taken.status, taken.type, taken.title],
      [422, "urn:cello:problem:already-taken", "Already taken"]
    )
    // Not named: the default, 404 for a `…NotFound`.
    const gone = toJson(new Gone({ id: "1" }))
    assert.deepStrictEqual(
      [gone.status, gone.type, gone.title],
      [404, "urn:cello:problem:item-not-found", "Item not found"]
    )
  })
})
