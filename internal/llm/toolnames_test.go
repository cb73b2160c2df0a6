package llm

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestValidToolName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"get_weather", true},
		{"MCP_Fs___read-file", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"has space", false},
		{"dotted.name", false},
		{"MCP_Fs___read/file", false},
		{"ünïcode", false},
	}
	for _, tt := range tests {
		if got := ValidToolName(tt.name); got != tt.want {
			t.Errorf("ValidToolName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestVendorToolName(t *testing.T) {
	long := "MCP_A_Very_Long_Filesystem_Gateway_Element_Id___read_multiple_files_at_once"
	tests := []struct {
		name       string
		wantPrefix string
	}{
		{long, long[:53] + "_"},
		{"MCP_Fs___read.file", "MCP_Fs___read_file_"},
		{"ünï", "_n__"},
		{"", "_"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		v := VendorToolName(tt.name)
		if !ValidToolName(v) {
			t.Errorf("VendorToolName(%q) = %q is not valid", tt.name, v)
		}
		if !strings.HasPrefix(v, tt.wantPrefix) || len(v) != len(tt.wantPrefix)+toolNameHashLength {
			t.Errorf("VendorToolName(%q) = %q, want %q + %d hex digits", tt.name, v, tt.wantPrefix, toolNameHashLength)
		}
		if v != VendorToolName(tt.name) {
			t.Errorf("VendorToolName(%q) is not deterministic", tt.name)
		}
		if other, ok := seen[v]; ok {
			t.Errorf("%q and %q share %q", other, tt.name, v)
		}
		seen[v] = tt.name
	}
	if VendorToolName("ok_name") != "ok_name" {
		t.Error("valid names must pass unchanged")
	}
	// Names that differ only after the cut still differ.
	a, b := VendorToolName(long+"_one"), VendorToolName(long+"_two")
	if a == b {
		t.Errorf("both map to %q", a)
	}
}

func TestToolNamesRoundTripAndCollision(t *testing.T) {
	long := strings.Repeat("x", 70)
	m, err := newToolNames(&Request{Tools: []Tool{{Name: "a.b"}, {Name: long}, {Name: "plain"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.b", long, "plain"} {
		if got := m.original(m.vendor(n)); got != n {
			t.Errorf("round trip of %q gave %q", n, got)
		}
	}
	if m.original("invented_by_model") != "invented_by_model" {
		t.Error("unknown vendor names must come back unchanged")
	}
	// A valid tool literally named like another tool's vendor name.
	_, err = newToolNames(&Request{Tools: []Tool{{Name: "a.b"}, {Name: VendorToolName("a.b")}}})
	if err == nil {
		t.Error("want a collision error")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"3"}}, 3 * time.Second},
		{"fractional seconds", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{"date", http.Header{"Retry-After": {now.Add(10 * time.Second).Format(http.TimeFormat)}}, 10 * time.Second},
		{"past date", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"ms wins", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"3"}}, 250 * time.Millisecond},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("%s: retryAfter = %v, want %v", tt.name, got, tt.want)
		}
	}
}
