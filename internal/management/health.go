package management

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/engine"
)

// Status is a health status in Spring Boot's terms.
type Status string

// Statuses. UP answers 200, the others 503.
const (
	StatusUp           Status = "UP"
	StatusDown         Status = "DOWN"
	StatusOutOfService Status = "OUT_OF_SERVICE"
)

// Health follows the server through start-up (not ready until the state
// is loaded) and its storage's health afterwards.
type Health struct {
	mu      sync.Mutex
	started time.Time
	storage func() engine.StorageStatus // set once the state is loaded
	stopped bool
}

// NewHealth is the health of a server that is starting.
func NewHealth() *Health { return &Health{started: time.Now()} }

// Ready says that the state is loaded; storage reports the store's health
// from now on.
func (h *Health) Ready(storage func() engine.StorageStatus) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.storage = storage
}

// Stopping says that the server is shutting down: not ready any more.
func (h *Health) Stopping() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
}

// component is one part of a health answer.
type component struct {
	Status  Status         `json:"status"`
	Details map[string]any `json:"details,omitempty"`
}

type report struct {
	Status     Status               `json:"status"`
	Components map[string]component `json:"components,omitempty"`
}

// liveness is DOWN only when the engine gave up on its storage: then only
// a restart helps. A storage that fails and is being retried keeps it live.
func (h *Health) liveness() component {
	h.mu.Lock()
	storage := h.storage
	h.mu.Unlock()
	if storage != nil {
		if st := storage(); !st.Healthy && st.Since.IsZero() && st.Err != nil {
			return component{Status: StatusDown, Details: map[string]any{"error": st.Err.Error()}}
		}
	}
	return component{Status: StatusUp}
}

func (h *Health) storageComponent() component {
	h.mu.Lock()
	storage, started := h.storage, h.started
	h.mu.Unlock()
	if storage == nil {
		return component{Status: StatusOutOfService, Details: map[string]any{"state": "loading", "since": started.UTC().Format(time.RFC3339Nano)}}
	}
	st := storage()
	if st.Healthy {
		return component{Status: StatusUp}
	}
	d := map[string]any{"error": st.Err.Error()}
	if !st.Since.IsZero() {
		d["failingSince"] = st.Since.UTC().Format(time.RFC3339Nano)
		d["retries"] = st.Retries
		return component{Status: StatusOutOfService, Details: d}
	}
	return component{Status: StatusDown, Details: d}
}

// readiness is UP once the state is loaded, while the storage commits, and
// until shutdown.
func (h *Health) readiness() component {
	h.mu.Lock()
	stopped := h.stopped
	h.mu.Unlock()
	if stopped {
		return component{Status: StatusOutOfService, Details: map[string]any{"state": "stopping"}}
	}
	s := h.storageComponent()
	if s.Status == StatusUp {
		return component{Status: StatusUp}
	}
	return component{Status: StatusOutOfService, Details: s.Details}
}

func (h *Health) overall() report {
	live, ready, storage := h.liveness(), h.readiness(), h.storageComponent()
	status := StatusUp
	switch {
	case live.Status != StatusUp || storage.Status == StatusDown:
		status = StatusDown
	case ready.Status != StatusUp:
		status = StatusOutOfService
	}
	return report{Status: status, Components: map[string]component{
		"livenessState":  {Status: live.Status},
		"readinessState": {Status: ready.Status},
		"storage":        storage,
	}}
}

func writeHealth(w http.ResponseWriter, r report) {
	w.Header().Set("Content-Type", "application/vnd.spring-boot.actuator.v3+json")
	w.Header().Set("Cache-Control", "no-store")
	if r.Status != StatusUp {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(r)
}

func (h *Health) serveHealth(w http.ResponseWriter, _ *http.Request) { writeHealth(w, h.overall()) }

func (h *Health) serveLiveness(w http.ResponseWriter, _ *http.Request) {
	c := h.liveness()
	writeHealth(w, report{Status: c.Status})
}

func (h *Health) serveReadiness(w http.ResponseWriter, _ *http.Request) {
	c := h.readiness()
	writeHealth(w, report{Status: c.Status, Components: map[string]component{"readinessState": c}})
}
