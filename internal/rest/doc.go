// Package rest serves Camunda 8.9's Orchestration Cluster REST API v2 under
// /v2 over a cluster.API: request decoding (strict: unknown fields, wrong
// types and oversized bodies are rejected), routing, and RFC 9457 problem
// details for errors.
package rest
