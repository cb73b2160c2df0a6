// Package cluster is the seam between Orca's front ends (the REST API v2,
// the MCP gateway, job workers) and an orchestration cluster: the API
// interface, its request and response types, which follow the JSON field
// names of Camunda 8.9's Orchestration Cluster REST API v2, and its
// implementation by the embedded engine (Embedded).
package cluster
