package httpconnector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ErrForbiddenAddress is the cause of a request to a host that resolves to a
// link-local address: the cloud metadata service (169.254.169.254,
// fd00:ec2::254) and its neighbours are never reached.
var ErrForbiddenAddress = errors.New("requests to link-local addresses (such as the cloud metadata service at 169.254.169.254) are refused")

// awsMetadataV6 is the IPv6 address of the AWS instance metadata service,
// which is not link-local.
var awsMetadataV6 = netip.MustParseAddr("fd00:ec2::254")

// forbidden reports whether a request may not go to ip.
func forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip == awsMetadataV6
}

// resolver is what the guard needs of DNS.
type resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// guardedDialer resolves a host itself, refuses it if any of its addresses
// is forbidden, and connects to a checked address, so that a DNS answer
// cannot change between the check and the connection.
type guardedDialer struct {
	dialer   net.Dialer
	resolver resolver
}

func (g *guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ips, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
	}
	for _, ip := range ips {
		if forbidden(ip) {
			return nil, fmt.Errorf("%s (%s resolves to %s): %w", host, host, ip, ErrForbiddenAddress)
		}
	}
	var last error
	for _, ip := range ips {
		c, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	if last == nil {
		last = fmt.Errorf("%s has no address", host)
	}
	return nil, last
}

// hostAllowed reports whether host (and port) match the allow list: an
// entry is a host name or address ("api.example.com", "10.0.0.7"), a
// wildcard for subdomains ("*.example.com"), either with ":port" to allow
// one port only. An empty list allows every host.
func hostAllowed(allowed []string, host, port string) bool {
	if len(allowed) == 0 {
		return true
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		ah, ap := a, ""
		if h, p, err := net.SplitHostPort(a); err == nil {
			ah, ap = h, p
		}
		ah = strings.Trim(ah, "[]")
		if ap != "" && ap != port {
			continue
		}
		if ah == host || strings.HasPrefix(ah, "*.") && strings.HasSuffix(host, ah[1:]) {
			return true
		}
	}
	return false
}
