// Package mcpgw is Orca's MCP gateway: the orchestration cluster (a
// cluster.API) served through the Model Context Protocol.
//
// It offers the tools of Camunda 8.9's MCP gateway with Camunda's names,
// argument shapes, descriptions, results and errors (camunda_tools.json
// holds their definitions, as Camunda's tools-schema snapshot has them),
// Orca's own tools (orca_tools.json), MCP resources for the BPMN XML of
// process definitions, and prompts for common work. Transports: stateless
// Streamable HTTP answering with JSON (SSE only for calls that stream
// notifications) at /mcp and /mcp/cluster, and the legacy HTTP+SSE
// transport at /mcp/sse; all behind the same authentication as /v2, with
// RFC 9728 protected resource metadata when OIDC is on.
//
// With Options.Processes it also serves Camunda 8.10's Processes MCP
// server at /mcp/processes: deployed processes whose message start event
// is marked as a tool, next to three of Camunda's tools (processes.go).
package mcpgw
