package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Change is what changed in one commit of the engine, as far as the
// console's pages care: the process instances touched, and whether user
// tasks or deployments changed.
type Change struct {
	ProcessInstanceKeys []int64
	UserTasks           bool
	Deployments         bool
}

// Limits of the live updates.
const (
	maxStreams     = 1000 // open event streams
	maxPendingKeys = 512  // instance keys kept for a stream before it is told to reload everything
	heartbeat      = 25 * time.Second
	writeTimeout   = 10 * time.Second
)

// Hub fans the engine's changes out to the console's event streams
// (Server-Sent Events at {base}events). Publish never blocks: each stream
// keeps at most a bounded summary of what changed since it last wrote (the
// instance keys, up to a limit, then a "reload everything"), and a stream
// whose client reads too slowly is closed at its write deadline. A slow or
// vanished client costs the engine nothing.
type Hub struct {
	writeTimeout time.Duration

	mu     sync.Mutex
	subs   map[*stream]struct{}
	closed chan struct{}
}

// NewHub makes a hub; give it to Options.Changes and Publish to it.
func NewHub() *Hub {
	return &Hub{subs: map[*stream]struct{}{}, writeTimeout: writeTimeout, closed: make(chan struct{})}
}

// Close ends every stream and refuses new ones (for a server's shutdown,
// which waits for requests to finish: http.Server.RegisterOnShutdown).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.closed:
	default:
		close(h.closed)
	}
}

type stream struct {
	mu      sync.Mutex
	keys    map[int64]struct{}
	tasks   bool
	deploys bool
	resync  bool
	dirty   bool
	notify  chan struct{} // capacity 1
}

// Publish tells every open stream about a change.
func (h *Hub) Publish(c Change) {
	if len(c.ProcessInstanceKeys) == 0 && !c.UserTasks && !c.Deployments {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.add(c)
	}
}

// Streams is the number of open event streams.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (s *stream) add(c Change) {
	s.mu.Lock()
	if !s.resync {
		for _, k := range c.ProcessInstanceKeys {
			s.keys[k] = struct{}{}
		}
		if len(s.keys) > maxPendingKeys {
			s.resync = true
			clear(s.keys)
		}
	}
	s.tasks = s.tasks || c.UserTasks
	s.deploys = s.deploys || c.Deployments
	s.dirty = true
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// take returns the event to send, if any, and resets the summary.
func (s *stream) take() (string, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return "", nil
	}
	defer func() {
		clear(s.keys)
		s.tasks, s.deploys, s.resync, s.dirty = false, false, false, false
	}()
	if s.resync {
		return "resync", []byte("{}")
	}
	keys := make([]int64, 0, len(s.keys))
	for k := range s.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := struct {
		ProcessInstanceKeys []string `json:"processInstanceKeys"`
		UserTasks           bool     `json:"userTasks"`
		Deployments         bool     `json:"deployments"`
	}{make([]string, len(keys)), s.tasks, s.deploys}
	for i, k := range keys {
		out.ProcessInstanceKeys[i] = strconv.FormatInt(k, 10)
	}
	b, _ := json.Marshal(out)
	return "change", b
}

func (h *Hub) subscribe() (*stream, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.closed:
		return nil, false
	default:
	}
	if len(h.subs) >= maxStreams {
		return nil, false
	}
	s := &stream{keys: map[int64]struct{}{}, notify: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	return s, true
}

func (h *Hub) unsubscribe(s *stream) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// events serves the event stream. alive, if set, is asked before each
// write whether the stream's session still holds.
func (h *Hub) events(alive func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.subscribe()
		if !ok {
			w.Header().Set("Retry-After", "30")
			problem(w, r, http.StatusServiceUnavailable, "Too many live update streams are open.")
			return
		}
		defer h.unsubscribe(s)
		rc := http.NewResponseController(w)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Accel-Buffering", "no")
		write := func(b []byte) bool {
			_ = rc.SetWriteDeadline(time.Now().Add(h.writeTimeout))
			if _, err := w.Write(b); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if !write([]byte("retry: 3000\nevent: ready\ndata: {}\n\n")) {
			return
		}
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			var msg []byte
			select {
			case <-r.Context().Done():
				return
			case <-h.closed:
				return
			case <-tick.C:
				msg = []byte(": ping\n\n")
			case <-s.notify:
				ev, data := s.take()
				if ev == "" {
					continue
				}
				msg = append(append([]byte("event: "+ev+"\ndata: "), data...), '\n', '\n')
			}
			if alive != nil && !alive(r) {
				_ = write([]byte("event: expired\ndata: {}\n\n"))
				return
			}
			if !write(msg) {
				return
			}
		}
	})
}
