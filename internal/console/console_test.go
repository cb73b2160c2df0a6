package console_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/console"
)

func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestConsoleServesShellAndAssets(t *testing.T) {
	for _, base := range []string{"/", "/console/"} {
		t.Run(base, func(t *testing.T) {
			mux := http.NewServeMux()
			h := console.New(console.Options{Base: base, Version: "9.9.9"})
			mux.Handle(base, h)
			srv := httptest.NewServer(mux)
			defer srv.Close()

			res, body := get(t, srv.URL+base, nil)
			if res.StatusCode != 200 || !strings.Contains(string(body), `<base href="`+base+`">`) ||
				!strings.Contains(string(body), `data-auth="none"`) || !strings.Contains(string(body), `assets/app.js`) {
				t.Fatalf("shell: %d %s", res.StatusCode, body)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("no CSP: %q", csp)
			}

			// The vendored viewer is served compressed to clients that take it,
			// plain to the others, and its licence notice is served too.
			plainRes, plain := get(t, srv.URL+base+"assets/vendor/form-viewer.umd.js", nil)
			gzRes, gz := get(t, srv.URL+base+"assets/vendor/form-viewer.umd.js", map[string]string{"Accept-Encoding": "gzip"})
			if plainRes.StatusCode != 200 || gzRes.Header.Get("Content-Encoding") != "gzip" || len(gz)*3 > len(plain) {
				t.Fatalf("form viewer: plain %d bytes, gzip %d bytes (%q)", len(plain), len(gz), gzRes.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				t.Fatal(err)
			}
			unz, _ := io.ReadAll(zr)
			if !bytes.Equal(unz, plain) {
				t.Fatal("the compressed asset differs from the plain one")
			}
			if ct := plainRes.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
				t.Errorf("content type %q", ct)
			}
			cached, _ := get(t, srv.URL+base+"assets/vendor/form-viewer.umd.js", map[string]string{"If-None-Match": plainRes.Header.Get("ETag")})
			if cached.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: %d", cached.StatusCode)
			}
			for _, name := range []string{"LICENSE.bpmn-js", "LICENSE.form-js"} {
				if res, b := get(t, srv.URL+base+"assets/vendor/"+name, nil); res.StatusCode != 200 || !bytes.Contains(b, []byte("Camunda Services GmbH")) {
					t.Errorf("%s: %d", name, res.StatusCode)
				}
			}
			// The date pickers of form-js's date and time fields (flatpickr) are
			// styled: the shell links their vendored styles.
			if !strings.Contains(string(body), `href="assets/vendor/flatpickr-light.css"`) {
				t.Error("the shell does not link the date pickers' styles")
			}
			if res, b := get(t, srv.URL+base+"assets/vendor/flatpickr-light.css", nil); res.StatusCode != 200 ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !bytes.Contains(b, []byte(".flatpickr-calendar.open")) {
				t.Errorf("flatpickr styles: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if res, b := get(t, srv.URL+base+"assets/vendor/LICENSE.flatpickr", nil); res.StatusCode != 200 || !bytes.Contains(b, []byte("Gregory Petrosyan")) {
				t.Errorf("flatpickr licence: %d", res.StatusCode)
			}
			for _, p := range []string{"assets/nope.js", "assets/index.html", "console.go", "elsewhere"} {
				if res, _ := get(t, srv.URL+base+p, nil); res.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", p, res.StatusCode)
				}
			}
		})
	}
}

func TestConsoleLoginChecksCredentialsWithoutChallenge(t *testing.T) {
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic, Users: []auth.User{{Username: "demo", Password: "s3cret"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console.New(console.Options{Auth: a.Wrap, AuthMethod: a.Method()}))
	defer srv.Close()
	login := func(user, pass string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := login("demo", "s3cret"); res.StatusCode != http.StatusNoContent {
		t.Fatalf("right password: %d", res.StatusCode)
	}
	for _, c := range [][2]string{{"demo", "wrong"}, {"nobody", "s3cret"}, {"", ""}} {
		res := login(c[0], c[1])
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("%v: %d, challenge %q (the browser must not show its own dialog)", c, res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
	}
	if _, body := get(t, srv.URL+"/", nil); !strings.Contains(string(body), `data-auth="basic"`) {
		t.Error("the shell does not tell the page to log in")
	}
}

// The console is one handler, mounted where its Base says.
func ExampleNew() {
	mux := http.NewServeMux()
	mux.Handle("/console/", console.New(console.Options{Base: "/console/"}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/console/")
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"))
	// Output: 200 text/html; charset=utf-8
}
