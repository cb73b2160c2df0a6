package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
	"github.com/orcabpm/orca/internal/worker"
)

// Job types of Camunda's MCP Client connectors.
const (
	JobTypeClient       = "io.camunda.agenticai:mcpclient:1"
	JobTypeRemoteClient = "io.camunda.agenticai:mcpremoteclient:1"
)

// DefaultResultVariable is where the connectors put their answer.
const DefaultResultVariable = "toolCallResult"

// RemoteConnector runs MCP Remote Client jobs: the connection is on the
// element (data.transport), the operation is the agent's tool call
// (data.connectorMode) or a standalone operation.
func RemoteConnector(pool *Pool) worker.ConnectorFunc {
	return func(ctx context.Context, job *worker.Job, in map[string]any) (any, error) {
		data, _ := in["data"].(map[string]any)
		cfg, err := remoteConfig(data)
		if err != nil {
			return nil, err
		}
		return execute(ctx, pool, cfg, data)
	}
}

// RuntimeConnector runs MCP Client jobs against the clients configured in
// Orca by id (data.client.clientId).
func RuntimeConnector(pool *Pool, clients map[string]Config) worker.ConnectorFunc {
	return func(ctx context.Context, job *worker.Job, in map[string]any) (any, error) {
		data, _ := in["data"].(map[string]any)
		id, _ := path(data, "client", "clientId").(string)
		cfg, ok := clients[id]
		if !ok {
			return nil, &worker.JobError{Message: fmt.Sprintf("MCP client '%s' is not configured", id), Retries: new(int32)}
		}
		return execute(ctx, pool, cfg, data)
	}
}

func execute(ctx context.Context, pool *Pool, cfg Config, data map[string]any) (any, error) {
	op, filters, meta, err := operation(data)
	if err != nil {
		return nil, err
	}
	c, err := pool.Client(cfg)
	if err != nil {
		return nil, err
	}
	res, err := c.Execute(ctx, op, filters, meta)
	if errors.Is(err, ErrTooLarge) {
		// The same call would bring the same answer: no retries, an incident.
		return nil, &worker.JobError{Message: err.Error(), Retries: new(int32)}
	}
	return res, err
}

// operation reads data.connectorMode: the agent's tool call
// ({type: aiAgentTool, toolOperation: {method, params}, toolModeFilters})
// or a standalone operation.
func operation(data map[string]any) (Operation, Filters, map[string]any, error) {
	mode, _ := path(data, "connectorMode").(map[string]any)
	meta, _ := path(data, "connectorMode", "meta").(map[string]any)
	if meta == nil {
		meta, _ = path(data, "meta").(map[string]any)
	}
	typ, _ := mode["type"].(string)
	switch typ {
	case "", "aiAgentTool":
		method, _ := path(mode, "toolOperation", "method").(string)
		params, _ := path(mode, "toolOperation", "params").(map[string]any)
		if method == "" {
			return Operation{}, Filters{}, nil, &Error{Code: CodeInvalidMethod, Message: "the tool call has no method (data.connectorMode.toolOperation.method)"}
		}
		return Operation{Method: method, Params: params}, Filters{Tools: filter(path(mode, "toolModeFilters", "tools"))}, meta, nil
	case "standalone":
		opMap, _ := mode["operation"].(map[string]any)
		method, _ := opMap["type"].(string)
		params := map[string]any{}
		for k, v := range opMap {
			if k != "type" {
				params[k] = v
			}
		}
		f := Filters{
			Tools:     filter(path(mode, "standaloneModeFilters", "tools")),
			Resources: filter(path(mode, "standaloneModeFilters", "resources")),
			Prompts:   filter(path(mode, "standaloneModeFilters", "prompts")),
		}
		return Operation{Method: method, Params: standaloneParams(method, params)}, f, meta, nil
	}
	return Operation{}, Filters{}, nil, &Error{Code: CodeInvalidMethod, Message: fmt.Sprintf("unknown connector mode '%s'", typ)}
}

// standaloneParams renames the template's standalone fields to MCP's.
func standaloneParams(method string, p map[string]any) map[string]any {
	out := map[string]any{}
	switch method {
	case "tools/call":
		out["name"] = p["toolName"]
		out["arguments"] = p["toolArguments"]
	case "resources/read":
		out["uri"] = p["resourceUri"]
	case "prompts/get":
		out["name"] = p["promptName"]
		out["arguments"] = p["promptArguments"]
	}
	return out
}

func filter(v any) Filter {
	m, _ := v.(map[string]any)
	return Filter{Included: stringList(m["included"]), Excluded: stringList(m["excluded"])}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// remoteConfig reads data.transport: {type: http|sse, http|sse: {url,
// headers, timeout, authentication}}.
func remoteConfig(data map[string]any) (Config, error) {
	typ, _ := path(data, "transport", "type").(string)
	var cfg Config
	switch typ {
	case "http", "":
		typ = "http"
		cfg.Transport = TransportHTTP
	case "sse":
		cfg.Transport = TransportSSE
	default:
		return cfg, fmt.Errorf("unknown MCP transport '%s' (data.transport.type: http or sse)", typ)
	}
	t, _ := path(data, "transport", typ).(map[string]any)
	cfg.HTTP.URL, _ = t["url"].(string)
	if h, ok := t["headers"].(map[string]any); ok {
		cfg.HTTP.Headers = map[string]string{}
		for k, v := range h {
			cfg.HTTP.Headers[k] = fmt.Sprint(v)
		}
	}
	if s, ok := t["timeout"].(string); ok && s != "" {
		d, err := iso8601.ParseDuration(s)
		if err != nil {
			return cfg, fmt.Errorf("data.transport.%s.timeout: %w", typ, err)
		}
		now := time.Now()
		// The element's timeout bounds connecting as well as each call.
		cfg.CallTimeout = d.AddTo(now).Sub(now)
		cfg.ConnectTimeout = cfg.CallTimeout
	}
	a, _ := t["authentication"].(map[string]any)
	str := func(k string) string { s, _ := a[k].(string); return s }
	switch str("type") {
	case "", "noAuth":
	case "basic":
		cfg.HTTP.Auth = Auth{Type: AuthBasic, Username: str("username"), Password: str("password")}
	case "bearer":
		cfg.HTTP.Auth = Auth{Type: AuthBearer, Token: str("token")}
	case "oauth-client-credentials-flow":
		ca := ClientAuthBasicHeader
		if str("clientAuthentication") == "CREDENTIALS_BODY" {
			ca = ClientAuthBody
		}
		var scopes []string
		if s := str("scopes"); s != "" {
			scopes = splitFields(s)
		}
		cfg.HTTP.Auth = Auth{Type: AuthOAuthClientCredentials, OAuth: OAuth{TokenURL: str("oauthTokenEndpoint"), ClientID: str("clientId"),
			ClientSecret: str("clientSecret"), Audience: str("audience"), Scopes: scopes, ClientAuthentication: ca}}
	default:
		return cfg, fmt.Errorf("unknown authentication type '%s'", str("type"))
	}
	return cfg, cfg.Validate()
}

func splitFields(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' || r == ',' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(r)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

func path(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}
