// Package management serves Orca's management endpoints on their own
// address (default localhost:9600, as Camunda's management port): health,
// liveness and readiness at /actuator/health[/liveness|/readiness], and
// Prometheus metrics at /actuator/prometheus.
//
// Metrics are gathered at the seams, not inside the engine: the engine's
// commit observer (engine.Observer), an HTTP middleware, an MCP middleware,
// a job handler wrapper for the in-process workers, an LLM client wrapper,
// and a collector that reads counts from the store at scrape time. Each
// Metrics has its own registry: nothing is registered globally.
package management
