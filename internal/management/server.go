package management

import (
	"net/http"
)

// DefaultAddr is the management address, Camunda's management port.
const DefaultAddr = "localhost:9600"

// Paths of the management endpoints.
const (
	PathHealth     = "/actuator/health"
	PathLiveness   = "/actuator/health/liveness"
	PathReadiness  = "/actuator/health/readiness"
	PathPrometheus = "/actuator/prometheus"
)

// Handler serves the health endpoints and the metrics.
func Handler(h *Health, m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathHealth, h.serveHealth)
	mux.HandleFunc("GET "+PathLiveness, h.serveLiveness)
	mux.HandleFunc("GET "+PathReadiness, h.serveReadiness)
	mux.Handle("GET "+PathPrometheus, m.Handler())
	return mux
}
