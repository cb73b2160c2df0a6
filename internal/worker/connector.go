package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/iso8601"
)

// Secrets resolves the NAME of {{secrets.NAME}} references.
type Secrets interface {
	Secret(name string) (string, bool)
}

// EnvSecrets reads secrets from environment variables named Prefix+NAME,
// as Camunda's self-managed connector runtime does.
type EnvSecrets struct{ Prefix string }

// Secret implements Secrets.
func (e EnvSecrets) Secret(name string) (string, bool) { return os.LookupEnv(e.Prefix + name) }

// MapSecrets is a fixed set of secrets.
type MapSecrets map[string]string

// Secret implements Secrets.
func (m MapSecrets) Secret(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}

var secretRef = regexp.MustCompile(`\{\{\s*secrets\.([A-Za-z0-9_.-]+)\s*\}\}`)

// ResolveSecrets returns a copy of v (JSON-shaped) in which every
// {{secrets.NAME}} inside a string is replaced. An unknown secret is an
// error that names it; values never appear in errors.
func ResolveSecrets(v any, s Secrets) (any, error) {
	switch t := v.(type) {
	case string:
		var missing []string
		out := secretRef.ReplaceAllStringFunc(t, func(ref string) string {
			name := secretRef.FindStringSubmatch(ref)[1]
			val, ok := s.Secret(name)
			if !ok {
				missing = append(missing, name)
				return ref
			}
			return val
		})
		if len(missing) > 0 {
			return nil, fmt.Errorf("the secret %s is not defined", strings.Join(missing, ", "))
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			r, err := ResolveSecrets(x, s)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			r, err := ResolveSecrets(x, s)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// ConnectorFunc is an outbound connector: the job's variables in (secrets
// resolved), a JSON-encodable response out.
type ConnectorFunc func(ctx context.Context, job *Job, input map[string]any) (any, error)

// Connector runs fn with the conventions of Camunda's connector runtime,
// read from the job's headers: resultVariable and resultExpression decide
// which variables the response becomes; errorExpression can turn a response
// or an error into a BPMN error (bpmnError(code, message, variables)) or a
// failure (jobError(message, variables, retries, retryBackoff)).
func Connector(fn ConnectorFunc, secrets Secrets, opts ...ConnectorOption) Handler {
	var o connectorOptions
	for _, f := range opts {
		f(&o)
	}
	return HandlerFunc(func(ctx context.Context, job *Job) (*Completion, error) {
		vars, err := job.Variables()
		if err != nil {
			return nil, err
		}
		// Secrets are resolved in the connector's own inputs only: a secret
		// another worker uses (an LLM key in the agent's provider) need not
		// be known here.
		in := make(map[string]any, len(vars))
		for k, v := range vars {
			in[k] = v
			if o.inputs != nil && !o.inputs[k] {
				continue
			}
			r, err := ResolveSecrets(v, secrets)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			in[k] = r
		}
		resp, callErr := fn(ctx, job, in)
		response, err := jsonShaped(resp)
		if err != nil {
			return nil, fmt.Errorf("the connector's response cannot be stored: %w", err)
		}
		if expr := job.CustomHeaders["errorExpression"]; strings.TrimSpace(expr) != "" {
			mapped, err := evalErrorExpression(ctx, expr, vars, response, callErr)
			if err != nil {
				return nil, err
			}
			if mapped != nil {
				return nil, mapped
			}
		}
		if callErr != nil {
			return nil, callErr
		}
		out := map[string]any{}
		rv, set := job.CustomHeaders["resultVariable"]
		if !set {
			rv = o.resultVariable
		}
		if rv != "" {
			out[rv] = response
		}
		if expr := job.CustomHeaders["resultExpression"]; strings.TrimSpace(expr) != "" {
			v, err := evalHeader(ctx, expr, feel.MapVariables{"response": response})
			if err != nil {
				return nil, fmt.Errorf("resultExpression: %w", err)
			}
			m, ok := feel.ToJSON(v).(map[string]any)
			if !ok && v != (feel.Null{}) {
				return nil, fmt.Errorf("resultExpression must give a context, but gave %s", feel.TypeName(v))
			}
			for k, x := range m {
				out[k] = x
			}
		}
		return &Completion{Variables: out}, nil
	})
}

// ConnectorOption tunes Connector.
type ConnectorOption func(*connectorOptions)

type connectorOptions struct {
	resultVariable string
	inputs         map[string]bool
}

// InputVariables names the variables the connector reads; only their
// secrets are resolved (default: all variables).
func InputVariables(names ...string) ConnectorOption {
	return func(o *connectorOptions) {
		o.inputs = map[string]bool{}
		for _, n := range names {
			o.inputs[n] = true
		}
	}
}

// DefaultResultVariable names the result variable of jobs whose element
// sets no resultVariable header.
func DefaultResultVariable(name string) ConnectorOption {
	return func(o *connectorOptions) { o.resultVariable = name }
}

func jsonShaped(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decode(b)
}

func evalHeader(ctx context.Context, expr string, vars feel.Variables) (feel.Value, error) {
	src := strings.TrimPrefix(strings.TrimSpace(expr), "=")
	x, err := feel.Compile(src)
	if err != nil {
		return nil, err
	}
	return x.Evaluate(ctx, vars)
}

// errorFunctions are the FEEL functions an errorExpression may call.
func errorFunctions() map[string]any {
	return map[string]any{
		"bpmnError": feel.NewFunction("bpmnError", []string{"code", "message", "variables"}, func(a []feel.Value) feel.Value {
			return feel.FromJSON(map[string]any{"errorType": "bpmnError", "code": feel.ToJSON(a[0]), "message": feel.ToJSON(a[1]), "variables": feel.ToJSON(a[2])})
		}),
		"jobError": feel.NewFunction("jobError", []string{"message", "variables", "retries", "timeout"}, func(a []feel.Value) feel.Value {
			return feel.FromJSON(map[string]any{"errorType": "jobError", "message": feel.ToJSON(a[0]), "variables": feel.ToJSON(a[1]),
				"retries": feel.ToJSON(a[2]), "timeout": feel.ToJSON(a[3])})
		}),
	}
}

// evalErrorExpression evaluates an errorExpression with the job's
// variables, the response and, after a failure, error {code, message}.
func evalErrorExpression(ctx context.Context, expr string, vars map[string]any, response any, callErr error) (error, error) {
	scope := feel.MapVariables{}
	for k, v := range vars {
		scope[k] = v
	}
	scope["response"] = response
	if callErr != nil {
		e := map[string]any{"message": callErr.Error(), "code": nil}
		var be *BPMNError
		var coded interface{ ErrorCode() string }
		switch {
		case errors.As(callErr, &be):
			e["code"] = be.Code
		case errors.As(callErr, &coded):
			e["code"] = coded.ErrorCode()
		}
		// A connector error may say more, as Camunda's do: its own message
		// (the REST connector's reason phrase) and variables (the response).
		var msg interface{ ErrorMessage() string }
		if errors.As(callErr, &msg) {
			e["message"] = msg.ErrorMessage()
		}
		var ev interface{ ErrorVariables() map[string]any }
		if errors.As(callErr, &ev) {
			if vars, err := jsonShaped(ev.ErrorVariables()); err == nil {
				e["variables"] = vars
				if m, ok := vars.(map[string]any); ok && m["response"] != nil {
					e["response"] = m["response"]
				}
			}
		}
		scope["error"] = e
	}
	for k, f := range errorFunctions() {
		scope[k] = f
	}
	v, err := evalHeader(ctx, expr, scope)
	if err != nil {
		return nil, fmt.Errorf("errorExpression: %w", err)
	}
	m, ok := feel.ToJSON(v).(map[string]any)
	if !ok {
		return nil, nil // null or anything else: no error
	}
	vmap, _ := m["variables"].(map[string]any)
	switch m["errorType"] {
	case "bpmnError":
		code, _ := m["code"].(string)
		msg, _ := m["message"].(string)
		if code == "" {
			return nil, errors.New("errorExpression: bpmnError needs a code")
		}
		return &BPMNError{Code: code, Message: msg, Variables: vmap}, nil
	case "jobError":
		msg, _ := m["message"].(string)
		je := &JobError{Message: msg, Variables: vmap}
		if n, ok := m["retries"].(json.Number); ok {
			if r, err := n.Int64(); err == nil {
				r32 := int32(r)
				je.Retries = &r32
			}
		}
		if s, ok := m["timeout"].(string); ok && s != "" {
			if d, err := parseBackoff(s); err == nil {
				je.RetryBackoff = &d
			}
		}
		return je, nil
	}
	return nil, nil
}

// parseBackoff reads an ISO 8601 duration such as PT30S.
func parseBackoff(s string) (time.Duration, error) {
	d, err := iso8601.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	now := time.Now()
	return d.AddTo(now).Sub(now), nil
}

// WithErrorExpression applies the job's errorExpression header to the
// failures of h (the AI agent's error codes, for example): it may turn
// them into a BPMN error or a failure with other retries. Successful jobs
// pass untouched.
func WithErrorExpression(h Handler) Handler {
	return HandlerFunc(func(ctx context.Context, job *Job) (*Completion, error) {
		comp, err := h.Handle(ctx, job)
		expr := job.CustomHeaders["errorExpression"]
		if err == nil || strings.TrimSpace(expr) == "" {
			return comp, err
		}
		vars, verr := job.Variables()
		if verr != nil {
			return nil, err
		}
		mapped, eerr := evalErrorExpression(ctx, expr, vars, nil, err)
		if eerr != nil {
			return nil, fmt.Errorf("%w (and the errorExpression failed: %v)", err, eerr)
		}
		if mapped != nil {
			return nil, mapped
		}
		return nil, err
	})
}
