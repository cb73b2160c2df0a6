// Command issuer is a tiny OAuth 2.0 / OpenID provider on loopback for the
// end-to-end tests (internal/oidctest): discovery, JWKS, the
// client-credentials grant for one confidential client, and the
// authorization code flow with PKCE and a login form for a public client
// (the web console) and its users. It prints its URL on stdout and serves
// until it is stopped. Not for anything but tests.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/orcabpm/orca/internal/oidctest"
)

func main() {
	clientID := flag.String("client-id", "orca-e2e", "the confidential client (client credentials)")
	secret := flag.String("client-secret", "s3cret", "its secret")
	consoleID := flag.String("console-client-id", "orca-console", "the public client that logs people in (authorization code with PKCE)")
	users := flag.String("users", "alice:alice-secret", "users of the login form: name:password,...")
	audience := flag.String("audience", "orca", "the audience of the users' access tokens")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := oidctest.Options{Clients: []oidctest.Client{{ID: *clientID, Secret: *secret}, {ID: *consoleID}},
		Users: map[string]string{}, Audience: *audience, RefreshTokens: true}
	for _, u := range strings.Split(*users, ",") {
		name, pass, ok := strings.Cut(u, ":")
		if !ok {
			log.Error("-users: expected name:password", "got", u)
			os.Exit(2)
		}
		opts.Users[name] = pass
	}
	is, err := oidctest.Start(opts)
	if err != nil {
		log.Error("issuer failed", "err", err)
		os.Exit(1)
	}
	fmt.Println(is.URL)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	_ = is.Close()
}
