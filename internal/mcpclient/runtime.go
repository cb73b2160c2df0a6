package mcpclient

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
)

// RuntimeClients reads the MCP clients of the MCP Client connector from
// configuration, in Camunda's terms (camunda.connector.agenticai.mcp.client.clients):
//
//	<id>:
//	  enabled: true
//	  type: stdio | http | sse
//	  stdio: {command, args, env}
//	  http | sse: {url, headers, timeout, authentication: {type: NONE|BASIC|BEARER|OAUTH,
//	               basic: {username, password}, bearer: {token},
//	               oauth: {oauthTokenEndpoint, clientId, clientSecret, audience, scopes}}}
//	  initializationTimeout, toolExecutionTimeout
func RuntimeClients(raw any) (map[string]Config, error) {
	out := map[string]Config{}
	if raw == nil {
		return out, nil
	}
	clients, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("MCP clients: expected a map of client ids, got %T", raw)
	}
	for id, v := range clients {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("MCP client %s: expected a map", id)
		}
		if e, ok := m["enabled"].(bool); ok && !e {
			continue
		}
		cfg, err := runtimeClient(m)
		if err != nil {
			return nil, fmt.Errorf("MCP client %s: %w", id, err)
		}
		out[id] = cfg
	}
	return out, nil
}

func runtimeClient(m map[string]any) (Config, error) {
	var cfg Config
	typ := strings.ToLower(fmt.Sprint(m["type"]))
	str := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	switch typ {
	case "stdio":
		cfg.Transport = TransportStdio
		s, _ := m["stdio"].(map[string]any)
		cfg.Stdio.Command = str(s["command"])
		if args, ok := s["args"].([]any); ok {
			for _, a := range args {
				cfg.Stdio.Args = append(cfg.Stdio.Args, str(a))
			}
		}
		if env, ok := s["env"].(map[string]any); ok {
			cfg.Stdio.Env = map[string]string{}
			for k, v := range env {
				cfg.Stdio.Env[k] = str(v)
			}
		}
	case "http", "sse":
		cfg.Transport = Transport(typ)
		h, _ := m[typ].(map[string]any)
		cfg.HTTP.URL = str(h["url"])
		if hs, ok := h["headers"].(map[string]any); ok {
			cfg.HTTP.Headers = map[string]string{}
			for k, v := range hs {
				cfg.HTTP.Headers[k] = str(v)
			}
		}
		a, _ := h["authentication"].(map[string]any)
		switch strings.ToUpper(str(a["type"])) {
		case "", "NONE":
		case "BASIC":
			b, _ := a["basic"].(map[string]any)
			cfg.HTTP.Auth = Auth{Type: AuthBasic, Username: str(b["username"]), Password: str(b["password"])}
		case "BEARER":
			b, _ := a["bearer"].(map[string]any)
			cfg.HTTP.Auth = Auth{Type: AuthBearer, Token: str(b["token"])}
		case "OAUTH":
			o, _ := a["oauth"].(map[string]any)
			var scopes []string
			if s := str(o["scopes"]); s != "" {
				scopes = splitFields(s)
			}
			cfg.HTTP.Auth = Auth{Type: AuthOAuthClientCredentials, OAuth: OAuth{TokenURL: str(o["oauthTokenEndpoint"]), ClientID: str(o["clientId"]),
				ClientSecret: str(o["clientSecret"]), Audience: str(o["audience"]), Scopes: scopes}}
		default:
			return cfg, fmt.Errorf("unknown authentication type %q", str(a["type"]))
		}
		if d, err := duration(h["timeout"]); err != nil {
			return cfg, err
		} else if d > 0 {
			cfg.CallTimeout = d
		}
	default:
		return cfg, fmt.Errorf("type must be stdio, http or sse, not %q", typ)
	}
	var err error
	if cfg.ConnectTimeout, err = duration(m["initializationTimeout"]); err != nil {
		return cfg, err
	}
	if d, err := duration(m["toolExecutionTimeout"]); err != nil {
		return cfg, err
	} else if d > 0 {
		cfg.CallTimeout = d
	}
	return cfg, cfg.Validate()
}

// duration reads an ISO 8601 duration (PT30S), a Go duration (30s) or
// seconds.
func duration(v any) (time.Duration, error) {
	switch t := v.(type) {
	case nil:
		return 0, nil
	case int:
		return time.Duration(t) * time.Second, nil
	case json.Number:
		n, err := t.Int64()
		return time.Duration(n) * time.Second, err
	case string:
		if d, err := time.ParseDuration(t); err == nil {
			return d, nil
		}
		d, err := iso8601.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", t, err)
		}
		now := time.Now()
		return d.AddTo(now).Sub(now), nil
	}
	return 0, fmt.Errorf("duration: unexpected %T", v)
}
