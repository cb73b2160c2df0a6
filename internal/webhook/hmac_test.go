package webhook_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/webhook"
)

func mac(mk func() hash.Hash, secret, data string) []byte {
	m := hmac.New(mk, []byte(secret))
	m.Write([]byte(data))
	return m.Sum(nil)
}

// TestWebhookHMACScopes: each HMAC scope combination and algorithm of
// Camunda's webhook connector over real HTTP. The signed strings are
// written out here as Camunda builds them (URL without the query, then
// "?" and the form-encoded parameters; or the URL then the body's sorted
// key-value pairs), so a change in how Orca builds them fails the test.
func TestWebhookHMACScopes(t *testing.T) {
	hexOf := func(mk func() hash.Hash, data string) string { return hex.EncodeToString(mac(mk, "shh", data)) }
	type req struct {
		method, query, ctype, body string
		sig                        func(url string) string // the signature header's value; nil: none
	}
	cases := []struct {
		name          string
		scopes, algo  string
		good          []req
		bad           []req
		badStatus     int // of the bad requests (default 401)
		wantInstances int // started by the good requests (default len(good))
	}{
		{name: "body sha_1", scopes: `=["BODY"]`, algo: "sha_1",
			good: []req{{method: "POST", body: `{"a":1}`, sig: func(string) string { return hexOf(sha1.New, `{"a":1}`) }}},
			bad:  []req{{method: "POST", body: `{"a":2}`, sig: func(string) string { return hexOf(sha1.New, `{"a":1}`) }}}},
		{name: "body sha_512 in base64", scopes: `=["BODY"]`, algo: "sha_512",
			good: []req{{method: "POST", body: `{"a":1}`, sig: func(string) string { return base64.StdEncoding.EncodeToString(mac(sha512.New, "shh", `{"a":1}`)) }}},
			bad: []req{
				{method: "POST", body: `{"a":1}`, sig: func(string) string { return hexOf(sha256.New, `{"a":1}`) }}, // another algorithm
				{method: "POST", body: `{"a":1}`}, // no signature
			}},
		{name: "url and parameters", scopes: `=["URL","PARAMETERS"]`, algo: "sha_256",
			good: []req{
				// The query's own order, each part form-encoded as Java's URLEncoder does.
				{method: "GET", query: "id=7&note=a%20b*~", sig: func(u string) string { return "sha256=" + hexOf(sha256.New, u+"?id=7&note=a+b*%7E") }},
				// A Java HashMap's order ("z" before "id"), as Camunda's runtime iterates them.
				{method: "GET", query: "id=7&z=2", sig: func(u string) string { return hexOf(sha256.New, u+"?z=2&id=7") }},
				// No query: the URL and "?".
				{method: "POST", body: `{"x":1}`, sig: func(u string) string { return hexOf(sha256.New, u+"?") }},
			},
			bad: []req{
				// The signature of one query replayed with another.
				{method: "GET", query: "id=8", sig: func(u string) string { return hexOf(sha256.New, u+"?id=7") }},
				// The signature of another webhook's URL.
				{method: "GET", query: "id=7", sig: func(u string) string { return hexOf(sha256.New, u+"x?id=7") }},
				{method: "GET", query: "id=7"},
			}},
		{name: "url, parameters and body on GET sign the parameters", scopes: `=["url","parameters","body"]`, algo: "sha_256",
			good: []req{{method: "GET", query: "k=v", sig: func(u string) string { return hexOf(sha256.New, u+"?k=v") }}},
			bad:  []req{{method: "GET", query: "k=v", sig: func(u string) string { return hexOf(sha256.New, u) }}}},
		{name: "url, parameters and body on POST sign the body", scopes: `=["URL","PARAMETERS","BODY"]`, algo: "sha_256",
			good: []req{{method: "POST", query: "k=v", body: `{"b":"2","a":"1"}`, sig: func(u string) string { return hexOf(sha256.New, u+"a1b2") }}},
			bad:  []req{{method: "POST", query: "k=v", body: `{"b":"2","a":"1"}`, sig: func(u string) string { return hexOf(sha256.New, u+"?k=v") }}}},
		{name: "url and body", scopes: `=["URL","BODY"]`, algo: "sha_512",
			good: []req{
				// A JSON object of strings: keys sorted, each followed by its value.
				{method: "POST", body: `{"b":"2","a":"1"}`, sig: func(u string) string { return hexOf(sha512.New, u+"a1b2") }},
				// A form: decoded, then the same.
				{method: "POST", ctype: "application/x-www-form-urlencoded", body: "To=%2B123&Body=hi%20there&Empty=", sig: func(u string) string { return hexOf(sha512.New, u+"Bodyhi thereEmptyTo+123") }},
				// Another JSON value: written compactly.
				{method: "POST", body: `[1, "x"]`, sig: func(u string) string { return hexOf(sha512.New, u+`[1,"x"]`) }},
			},
			bad: []req{
				{method: "POST", body: `{"b":"2","a":"1"}`, sig: func(u string) string { return hexOf(sha512.New, `{"b":"2","a":"1"}`) }},
				{method: "POST", body: `{"b":"3","a":"1"}`, sig: func(u string) string { return hexOf(sha512.New, u+"a1b2") }},
			}},
		{name: "url and body of an object with a number", scopes: `=["URL","BODY"]`, algo: "sha_256",
			bad:       []req{{method: "POST", body: `{"a":"1","n":2}`, sig: func(u string) string { return hexOf(sha256.New, u+"a1n2") }}},
			badStatus: 400},
		{name: "url alone is not a combination Camunda supports", scopes: `=["URL"]`, algo: "sha_256",
			bad:       []req{{method: "POST", body: `{}`, sig: func(u string) string { return hexOf(sha256.New, u) }}},
			badStatus: 500},
		{name: "timestamp is not supported", scopes: `=["TIMESTAMP","BODY"]`, algo: "sha_256",
			bad:       []req{{method: "POST", body: `{}`, sig: func(string) string { return hexOf(sha256.New, `{}`) }}},
			badStatus: 500},
	}
	r := newRig(t, webhook.Options{}, nil)
	for i, c := range cases {
		id := fmt.Sprintf("signed%d", i)
		r.deploy(startModel(id, with(map[string]string{"inbound.context": id, "inbound.method": "any",
			"inbound.shouldValidateHmac": "enabled", "inbound.hmacSecret": "shh", "inbound.hmacHeader": "X-Signature",
			"inbound.hmacAlgorithm": c.algo, "inbound.hmacScopes": c.scopes})))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("signed%d", i)
			path := "/inbound/" + id
			send := func(q req) answer {
				var h []string
				if q.ctype != "" {
					h = append(h, "Content-Type", q.ctype)
				}
				if q.sig != nil {
					h = append(h, "X-Signature", q.sig(r.url+path))
				}
				p := path
				if q.query != "" {
					p += "?" + q.query
				}
				return r.send(q.method, p, q.body, h...)
			}
			want := c.badStatus
			if want == 0 {
				want = 401
			}
			for j, q := range c.bad {
				if a := send(q); a.status != want {
					t.Fatalf("bad request %d: %d %s, want %d", j, a.status, a.body, want)
				}
			}
			if n := len(r.instances(id)); n != 0 {
				t.Fatalf("refused requests started %d instances", n)
			}
			for j, q := range c.good {
				if a := send(q); a.status != 200 {
					t.Fatalf("good request %d: %d %s", j, a.status, a.body)
				}
			}
			if n := len(r.instances(id)); n != len(c.good) {
				t.Fatalf("%d instances, want %d", n, len(c.good))
			}
		})
	}
	// A replay: the signature carries no time or nonce (as in Camunda
	// without the timestamp scope), so the same signed request is taken
	// again and starts another instance; the message id is what
	// deduplicates (TestWebhookCorrelatesAndResists).
	t.Run("replay", func(t *testing.T) {
		u := r.url + "/inbound/signed2"
		sig := hex.EncodeToString(mac(sha256.New, "shh", u+"?id=7&z=2"))
		before := len(r.instances("signed2"))
		for k := 0; k < 2; k++ {
			if a := r.send("GET", "/inbound/signed2?id=7&z=2", "", "X-Signature", sig); a.status != 200 {
				t.Fatalf("replay %d: %d %s", k, a.status, a.body)
			}
		}
		if n := len(r.instances("signed2")); n != before+2 {
			t.Fatalf("%d instances after two sends of one signed request, want %d", n, before+2)
		}
		if a := r.send("GET", "/inbound/signed2?id=7&z=3", "", "X-Signature", sig); a.status != 401 || !strings.Contains(a.body, "HMAC") {
			t.Fatalf("the signature on other parameters: %d %s", a.status, a.body)
		}
	})
}
