package mcpgw

import "testing"

// A request state comes back only as it was issued.
func TestStateSigner(t *testing.T) {
	s, other := newStateSigner(), newStateSigner()
	sealed := s.seal("round2:Ada")
	if v, ok := s.open(sealed); !ok || v != "round2:Ada" {
		t.Fatalf("open(%q) = %q, %v", sealed, v, ok)
	}
	for _, bad := range []string{sealed + "-TAMPERED", "round2:Eve" + sealed[len("round2:Ada"):], other.seal("round2:Ada"), "round2:Ada", ""} {
		if v, ok := s.open(bad); ok {
			t.Errorf("open(%q) accepted %q", bad, v)
		}
	}
}
