import { Schema } from "effect"

/** The saga store could not be reached or failed; names the store and where it lives, never a password. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.store} unavailable during ${this.operation}: ${this.detail}`
  }
}

/**
 * A write to a saga was refused: its version moved on, or another owner holds its lease. The writer
 * lost the saga (another instance took it over) and must stop running it.
 */
export class SagaConflict extends Schema.TaggedError<SagaConflict>()("SagaConflict", {
  sagaId: Schema.String,
  expectedVersion: Schema.Int,
  owner: Schema.String
}) {
  override get message(): string {
    return `saga "${this.sagaId}": version ${this.expectedVersion} held by "${this.owner}" is no longer current (another owner took it over)`
  }
}

/** A saga with this id is already stored. */
export class SagaAlreadyExists extends Schema.TaggedError<SagaAlreadyExists>()("SagaAlreadyExists", {
  sagaId: Schema.String
}) {
  override get message(): string {
    return `saga "${this.sagaId}" already exists`
  }
}

/** No saga with this id is stored. */
export class SagaNotFound extends Schema.TaggedError<SagaNotFound>()("SagaNotFound", {
  sagaId: Schema.String
}) {
  override get message(): string {
    return `saga "${this.sagaId}" not found`
  }
}

/** The saga context could not be encoded to JSON or decoded from the stored JSON. */
export class SagaContextError extends Schema.TaggedError<SagaContextError>()("SagaContextError", {
  saga: Schema.String,
  sagaId: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `context of saga "${this.saga}" (${this.sagaId}) cannot be stored or restored: ${this.detail}`
  }
}

/** A step attempt ran past its timeout. */
export class StepTimedOut extends Schema.TaggedError<StepTimedOut>()("StepTimedOut", {
  step: Schema.String,
  timeout: Schema.String
}) {
  override get message(): string {
    return `step "${this.step}" timed out after ${this.timeout}`
  }
}

/** The saga ran past its overall timeout; it compensates what it completed. */
export class SagaTimedOut extends Schema.TaggedError<SagaTimedOut>()("SagaTimedOut", {
  saga: Schema.String,
  timeout: Schema.String
}) {
  override get message(): string {
    return `saga "${this.saga}" timed out after ${this.timeout}`
  }
}

/** A step's circuit breaker is open: the primary action was not tried. */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", {
  step: Schema.String
}) {
  override get message(): string {
    return `circuit breaker of step "${this.step}" is open`
  }
}

/** A setting out of range: names the setting and the value. */
export class InvalidSagaConfig extends Schema.TaggedError<InvalidSagaConfig>()("InvalidSagaConfig", {
  setting: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `invalid saga setting ${this.setting}: ${this.detail}`
  }
}

/** Only a saga in `compensation_failed` can have its compensation retried; this one is not. */
export class CompensationNotRetryable extends Schema.TaggedError<CompensationNotRetryable>()(
  "CompensationNotRetryable",
  {
    sagaId: Schema.String,
    status: Schema.String
  }
) {
  override get message(): string {
    return `saga "${this.sagaId}" is ${this.status}, not compensation_failed: there is no compensation to retry`
  }
}

/** The saga's definition is not registered with this orchestrator, so its steps cannot run. */
export class SagaDefinitionUnknown extends Schema.TaggedError<SagaDefinitionUnknown>()(
  "SagaDefinitionUnknown",
  {
    sagaId: Schema.String,
    name: Schema.String
  }
) {
  override get message(): string {
    return `saga "${this.sagaId}" is a "${this.name}", which this orchestrator does not know (register it)`
  }
}
