/**
 * `GET /` for JSON clients: what the demo serves (both seeds' discovery pages in one). The adapter
 * answers it (`home`), and a browser gets a page of links instead.
 */

export const about = {
  service: "cello-demo",
  framework: "Cello for TypeScript",
  examples: {
    bank: {
      service: "Event Sourcing Bank",
      commands: "/api/commands",
      queries: "/api/queries",
      endpoints: {
        "POST /api/commands/accounts": "Open an account",
        "POST /api/commands/accounts/{id}/deposit": "Deposit money",
        "POST /api/commands/accounts/{id}/withdraw": "Withdraw money",
        "POST /api/commands/accounts/{id}/close": "Close an account (balance must be zero)",
        "POST /api/commands/transfers": "Transfer money (saga with compensation)",
        "GET /api/queries/accounts": "List accounts (read model)",
        "GET /api/queries/accounts/{id}": "An account (read model)",
        "GET /api/queries/accounts/{id}/history": "An account's events",
        "GET /api/queries/transactions?limit=&account_id=": "Recent transactions",
        "GET /api/queries/sagas": "Transfer sagas",
        "GET /api/queries/sagas/{id}": "A transfer saga"
      }
    },
    orders: {
      features: {
        event_sourcing: "Store all state changes as immutable events",
        cqrs: "Separate command (write) and query (read) models",
        saga: "Distributed transaction coordination with compensation"
      },
      endpoints: {
        "POST /orders": "Create a new order (via CQRS CommandBus)",
        "GET /orders": "List all orders (via CQRS QueryBus)",
        "GET /orders/{id}": "Get order by ID (via CQRS QueryBus)",
        "POST /orders/{id}/ship": "Ship an order (via CQRS CommandBus)",
        "POST /orders/{id}/cancel": "Cancel an order (via CQRS CommandBus)",
        "GET /orders/{id}/events": "Get event history for an order",
        "POST /saga/place-order": "Place order via Saga orchestration",
        "GET /saga/status": "View saga execution history",
        "GET /events/stats": "Event sourcing statistics",
        "GET /cqrs/stats": "CQRS bus statistics",
        "GET /inventory": "Current inventory levels"
      }
    }
  },
  health: "/health",
  metrics: "/metrics",
  openapi: "/openapi.json",
  docs: "/docs"
} as const
