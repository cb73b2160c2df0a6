package mcpgw

import (
	"maps"
	"slices"
	"testing"
)

// A Lazy mounts the paths its gateway serves, no more and no fewer: each
// of them is served by the built gateway's own handler of that path.
func TestLazyPathsAreTheGatewayRoutes(t *testing.T) {
	for _, opts := range []Options{
		{},
		{Processes: true},
		{OAuth: &OAuthResource{AuthorizationServers: []string{"https://issuer.example"}}},
		{Processes: true, OAuth: &OAuthResource{AuthorizationServers: []string{"https://issuer.example"}}},
	} {
		g, err := New(nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		routes := slices.Sorted(maps.Keys(g.routes(nil)))
		if lazy := slices.Sorted(slices.Values(registeredPaths(opts))); !slices.Equal(lazy, routes) {
			t.Errorf("processes %v, OAuth %v: Lazy mounts %v, the gateway serves %v", opts.Processes, opts.OAuth != nil, lazy, routes)
		}
	}
}
