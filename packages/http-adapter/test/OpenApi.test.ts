import { Command, Query } from "@cello/cqrs"
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { HttpAdapter, OpenApi } from "../src/index.js"

class ThingNotFound extends Schema.TaggedError<ThingNotFound>()("ThingNotFound", { id: Schema.String }) {}
class ThingLocked extends Schema.TaggedError<ThingLocked>()("ThingLocked", { id: Schema.String }) {}

const Rename = Command.make("Rename", {
  payload: { thingId: Schema.String, name: Schema.String, weight: Schema.Number },
  success: Schema.Struct({ version: Schema.Int }),
  failure: Schema.Union([ThingNotFound, ThingLocked])
})
const Move = Command.make("Move", {
  payload: { thingId: Schema.String, expectedVersion: Schema.optional(Schema.Int) },
  success: Schema.Void
})
const GetThing = Query.make("GetThing", {
  payload: { thingId: Schema.String },
  success: Schema.Option(Schema.Struct({ name: Schema.String }))
})
const CountThings = Query.make("CountThings", {
  payload: { prefix: Schema.optionalKey(Schema.String) },
  success: Schema.Struct({ count: Schema.Int })
})

const doc = OpenApi.document(
  [
    HttpAdapter.command(Rename, {
      path: "/things/:id/rename",
      params: { id: "thingId" },
      failures: { ThingLocked: { status: 423 } }
    }),
    HttpAdapter.command(Move, { path: "/things/:id/move", params: { id: "thingId" } }),
    HttpAdapter.query(GetThing, { path: "/things/:id", params: { id: "thingId" } }),
    HttpAdapter.query(CountThings, { path: "/things" })
  ],
  { title: "t", version: "1" }
)

const at = (value: unknown, ...path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? Reflect.get(v, k) : undefined), value)
const statuses = (path: string, method: string) =>
  Object.keys(at(doc, "paths", path, method, "responses") ?? {})

describe("the OpenAPI document says what each route answers", () => {
  it("declared failures under their statuses; 404 and If-Match/412 only where they can happen", () => {
    const rename = statuses("/things/{id}/rename", "post")
    assert.includeMembers(rename, ["200", "404", "423", "409", "422", "400"])
    assert.notInclude(rename, "412")
    assert.include(
      String(at(doc, "paths", "/things/{id}/rename", "post", "responses", "423", "description")),
      "ThingLocked"
    )
    assert.include(statuses("/things/{id}/move", "post"), "412")
    assert.include(JSON.stringify(at(doc, "paths", "/things/{id}/move", "post", "parameters")), '"If-Match"')
    // A success with no body is a 204 without content.
    assert.isUndefined(at(doc, "paths", "/things/{id}/move", "post", "responses", "204", "content"))
    assert.include(statuses("/things/{id}", "get"), "404")
    assert.notInclude(statuses("/things", "get"), "404")
  })

  it("path members are neither body nor query members; numbers are plain numbers", () => {
    const body = at(
      doc,
      "paths",
      "/things/{id}/rename",
      "post",
      "requestBody",
      "content",
      "application/json",
      "schema"
    )
    assert.deepStrictEqual(Object.keys(at(body, "properties") ?? {}), ["name", "weight"])
    assert.deepStrictEqual(at(body, "properties", "weight"), { type: "number" })
    assert.notInclude(JSON.stringify(doc), "Infinity")
    const getParameters = JSON.stringify(at(doc, "paths", "/things/{id}", "get", "parameters"))
    assert.notInclude(getParameters, "thingId")
    assert.include(JSON.stringify(at(doc, "paths", "/things", "get", "parameters")), '"prefix"')
  })
})
