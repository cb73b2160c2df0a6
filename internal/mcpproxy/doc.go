// Package mcpproxy bridges a local MCP client that speaks stdio to a remote
// MCP server that speaks HTTP, doing the authentication the client cannot do
// itself (OAuth 2.0 client credentials or HTTP Basic).
//
// The proxy is transparent: it forwards every JSON-RPC message the client
// writes on stdin to the remote, byte for byte, and writes every message the
// remote sends (responses, notifications, progress, server-to-client requests)
// to stdout, one message per line, with the ids untouched. It parses only the
// envelope of each message (id and method) to route responses, to set the
// Streamable HTTP headers and to re-establish a remote session that expired.
//
// Transports to the remote are Streamable HTTP (2025-03-26 and later: JSON or
// SSE response bodies, 202 for notifications, Mcp-Session-Id, the GET stream
// for server-initiated messages, 2026-07-28 stateless requests) and the legacy
// HTTP+SSE transport of 2024-11-05. In auto mode the proxy starts with
// Streamable HTTP and falls back to SSE when the first POST is answered with
// 400, 404 or 405 (the specification's backwards-compatibility rule).
//
// When the remote cannot answer a request, the client gets a JSON-RPC error
// response carrying the request's id, with one of these codes:
//
//	-32000  the remote is unreachable, failed (5xx) or ended the response without answering
//	-32001  the remote did not answer within the request timeout
//	-32010  authentication failed: no token could be obtained, the remote rejected
//	        the credentials (401 after renewing the token once) or denied access (403)
//	-32011  the remote answered with another HTTP error (400, 404, 415, ...)
//
// (-32000 and -32001 mean "connection closed" and "request timeout" to the
// TypeScript SDK too; -32003 to -32005 are avoided because go-sdk clients
// read them as their connection closing.)
//
// The error's data carries the remote endpoint and, where there was one, the
// HTTP status. Notifications that cannot be delivered are logged. The proxy
// keeps running after such errors and tries again with the next message.
package mcpproxy
