package console

import "time"

// SetClock makes the single sign-on judge token expiry by now.
func SetClock(h *Handler, now func() time.Time) {
	if h.sso != nil {
		h.sso.now = now
	}
}

// SetWriteTimeout changes how long a stream may take to write an event.
func SetWriteTimeout(h *Hub, d time.Duration) { h.writeTimeout = d }

// Pending adds a change to a detached stream and answers what it would
// send.
func Pending(changes ...Change) (string, string) {
	s := &stream{keys: map[int64]struct{}{}, notify: make(chan struct{}, 1)}
	for _, c := range changes {
		s.add(c)
	}
	ev, data := s.take()
	return ev, string(data)
}
