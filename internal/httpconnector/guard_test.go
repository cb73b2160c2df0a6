package httpconnector

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// fakeDNS answers names from a table and everything else from the system.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if addrs, ok := f[host]; ok {
		var out []netip.Addr
		for _, a := range addrs {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
	return net.DefaultResolver.LookupNetIP(ctx, network, host)
}

// TestDNSAnswersAreChecked: a name whose DNS answer holds a link-local
// address is refused, even beside a good address, and the connection goes
// to the address that was checked.
func TestDNSAnswersAreChecked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := New(Options{})
	c.dialer.resolver = fakeDNS{
		"metadata.internal.test": {"169.254.169.254"},
		"mixed.test":             {"127.0.0.1", "fe80::1"},
		"good.test":              {"127.0.0.1"},
	}
	call := func(host string) error {
		_, err := c.Call(context.Background(), nil, map[string]any{"url": "http://" + net.JoinHostPort(host, itoa(port)) + "/"})
		return err
	}
	for _, host := range []string{"metadata.internal.test", "mixed.test"} {
		if err := call(host); err == nil || !strings.Contains(err.Error(), "link-local") {
			t.Errorf("%s: err = %v", host, err)
		}
	}
	if err := call("good.test"); err != nil {
		t.Errorf("good.test: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestForbidden(t *testing.T) {
	for addr, want := range map[string]bool{
		"169.254.169.254": true, "169.254.0.1": true, "fe80::1": true, "::ffff:169.254.169.254": true, "fd00:ec2::254": true,
		"127.0.0.1": false, "10.0.0.1": false, "::1": false, "8.8.8.8": false, "fd00:ec2::253": false,
	} {
		if got := forbidden(netip.MustParseAddr(addr)); got != want {
			t.Errorf("forbidden(%s) = %v", addr, got)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	list := []string{"api.example.com", "*.corp.test", "10.0.0.7:8443", "[::1]:9000"}
	for _, tc := range []struct {
		host, port string
		want       bool
	}{
		{"api.example.com", "443", true}, {"API.EXAMPLE.COM", "80", true}, {"evil-api.example.com", "443", false},
		{"x.corp.test", "80", true}, {"a.b.corp.test", "80", true}, {"corp.test", "80", false}, {"xcorp.test", "80", false},
		{"10.0.0.7", "8443", true}, {"10.0.0.7", "80", false}, {"::1", "9000", true}, {"::1", "9001", false},
	} {
		if got := hostAllowed(list, tc.host, tc.port); got != tc.want {
			t.Errorf("hostAllowed(%s, %s) = %v", tc.host, tc.port, got)
		}
	}
	if !hostAllowed(nil, "anything", "1") {
		t.Error("an empty list must allow every host")
	}
}
