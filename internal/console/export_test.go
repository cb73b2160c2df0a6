package console

import "time"

// SetClock makes the single sign-on judge token expiry by now.
func SetClock(h *Handler, now func() time.Time) {
	if h.sso != nil {
		h.sso.now = now
	}
}
