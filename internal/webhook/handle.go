package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/iso8601"
	"github.com/orcabpm/orca/internal/worker"
)

// request is one webhook call as the connector's expressions see it:
// request.body (JSON, a form's fields, or text), request.headers (names in
// lower case) and request.params (the query).
type request struct {
	raw     []byte
	body    any
	headers map[string]any
	params  map[string]any
}

func (q *request) vars() map[string]any {
	return map[string]any{"body": q.body, "headers": q.headers, "params": q.params}
}

// handle runs one request through the webhook's checks and correlates it.
// The elements of group share the webhook (see dedupKey): the checks are
// theirs in common, then the element whose activation condition accepts
// the request correlates it, as Camunda's runtime picks among the
// elements of one executable.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, group []*endpoint) {
	e := group[0]
	all := make([]map[string]string, len(group))
	for i, g := range group {
		p, err := s.resolve(g)
		if err != nil {
			s.opts.Logger.Warn("a webhook's properties cannot be resolved", "context", g.context, "element", g.elementID, "error", err)
			problem(w, r, http.StatusInternalServerError, "The webhook '%s' is misconfigured: %v.", g.context, err)
			return
		}
		all[i] = p
	}
	props := all[0]
	req, status, msg := s.read(w, r)
	if status != 0 {
		problem(w, r, status, "%s", msg)
		return
	}
	if !e.a2a {
		// Camunda's runtime asks the webhook's verification expression
		// first (a challenge such as Slack's url_verification is echoed
		// without authentication and without correlating), then checks
		// the method.
		if x := props["inbound.verificationExpression"]; strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(x), "=")) != "" {
			v, err := eval(r.Context(), x, feel.MapVariables{"request": req.vars()})
			if err != nil {
				problem(w, r, http.StatusInternalServerError, "The verification expression of the webhook '%s' failed: %v", e.context, err)
				return
			}
			if !isNull(v) {
				writeResponse(w, r, v)
				return
			}
		}
		if m := strings.ToLower(props["inbound.method"]); m != "" && m != "any" && !strings.EqualFold(m, r.Method) {
			w.Header().Set("Allow", strings.ToUpper(m))
			problem(w, r, http.StatusMethodNotAllowed, "The webhook '%s' takes %s requests only.", e.context, strings.ToUpper(m))
			return
		}
	}
	ctx := r.Context()
	if status, msg := s.verifyHMAC(ctx, props, r, req); status != 0 {
		problem(w, r, status, "%s", msg)
		return
	}
	if status, msg := s.authorize(ctx, props, r, req); status != 0 {
		if status == http.StatusUnauthorized && props["inbound.auth.type"] == "BASIC" {
			w.Header().Set("WWW-Authenticate", `Basic realm="webhook"`)
		}
		problem(w, r, status, "%s", msg)
		return
	}
	if e.a2a {
		body, _ := req.body.(map[string]any)
		task, err := a2a.ConvertTask(body)
		if err != nil || body["kind"] != "task" {
			if err == nil {
				err = fmt.Errorf("its kind is %v", body["kind"])
			}
			problem(w, r, http.StatusBadRequest, "The request to the A2A webhook '%s' is not an A2A task: %v.", e.context, err)
			return
		}
		req.body = task
	}
	scope := feel.MapVariables{"request": req.vars()}
	var matched []int
	consume := false
	for i := range group {
		cond := all[i]["activationCondition"]
		consume = consume || all[i]["consumeUnmatchedEvents"] == "true"
		if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cond), "=")) == "" {
			matched = append(matched, i)
			continue
		}
		v, err := eval(ctx, cond, scope)
		if err != nil {
			s.opts.Logger.Warn("a webhook's activation condition failed", "context", e.context, "element", group[i].elementID, "error", err)
			problem(w, r, http.StatusUnprocessableEntity, "The activation condition of the webhook '%s' could not be evaluated: %v", e.context, err)
			return
		}
		if b, ok := v.(feel.Boolean); ok && bool(b) {
			matched = append(matched, i)
		}
	}
	switch {
	case len(matched) == 0:
		if consume {
			w.WriteHeader(http.StatusOK)
			return
		}
		problem(w, r, http.StatusUnprocessableEntity, "The request does not meet the activation condition of the webhook '%s'.", e.context)
		return
	case len(matched) > 1:
		if why := incompatible(group, all, matched); why != "" {
			problem(w, r, http.StatusBadRequest, "The request meets the activation condition of several elements of the webhook '%s': %s.", e.context, why)
			return
		}
	}
	e, props = group[matched[0]], all[matched[0]]
	vars, err := s.result(ctx, props, req)
	if err != nil {
		problem(w, r, http.StatusUnprocessableEntity, "The result of the webhook '%s' could not be built: %v", e.context, err)
		return
	}
	corr, err := s.correlate(ctx, e, props, scope, vars)
	if err != nil {
		var dup *duplicate
		if !errors.As(err, &dup) {
			status := errStatus(err)
			if status == http.StatusInternalServerError {
				s.opts.Logger.Error("a webhook request could not be correlated", "context", e.context, "error", err)
			}
			problem(w, r, status, "The webhook '%s' could not correlate the request: %v", e.context, err)
			return
		}
		corr = map[string]any{"type": "MESSAGE_ALREADY_CORRELATED"}
	}
	if e.a2a {
		w.WriteHeader(http.StatusOK) // the A2A webhook has no response expression
		return
	}
	s.respond(ctx, w, r, props, req, corr)
}

// incompatible tells why several elements a request activates cannot take
// it as one (empty when they can): Camunda's runtime takes the first when
// all are message elements with the same message name and the same
// result, correlation key, message id and time to live expressions.
func incompatible(group []*endpoint, all []map[string]string, matched []int) string {
	first := matched[0]
	for _, i := range matched {
		if group[i].kind != kindMessage && group[i].kind != kindMessageStart {
			return "not all of them are message events (" + group[i].elementID + ")"
		}
		if group[i].messageName != group[first].messageName {
			return "they have different message names"
		}
		for _, k := range []string{"resultExpression", "resultVariable", "correlationKeyExpression", "messageIdExpression", "messageTtl"} {
			if strings.TrimSpace(all[i][k]) != strings.TrimSpace(all[first][k]) {
				return "they differ in " + k
			}
		}
	}
	return ""
}

// resolve replaces {{secrets.NAME}} in the properties.
func (s *Server) resolve(e *endpoint) (map[string]string, error) {
	out := make(map[string]string, len(e.props))
	for k, v := range e.props {
		if !strings.Contains(v, "{{") {
			out[k] = v
			continue
		}
		rv, err := worker.ResolveSecrets(v, s.opts.Secrets)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = rv.(string)
	}
	return out, nil
}

// read reads the request: a body over the limit is 413, malformed JSON
// (when the request says it sends JSON) 400.
func (s *Server) read(w http.ResponseWriter, r *http.Request) (*request, int, string) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than %d bytes.", s.opts.MaxBodyBytes)
		}
		return nil, http.StatusBadRequest, "The request body could not be read."
	}
	req := &request{raw: raw, headers: map[string]any{}, params: map[string]any{}}
	for name, vs := range r.Header {
		req.headers[strings.ToLower(name)] = strings.Join(vs, ",")
	}
	for name, vs := range r.URL.Query() {
		req.params[name] = vs[0]
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
	case mt == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, http.StatusBadRequest, "The form body is malformed: " + err.Error()
		}
		m := map[string]any{}
		for k, vs := range form {
			m[k] = vs[0]
		}
		req.body = m
	default:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		if err == nil && dec.More() {
			err = errors.New("more than one JSON value")
		}
		switch {
		case err == nil:
			req.body = v
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			return nil, http.StatusBadRequest, "The request body is not valid JSON: " + err.Error()
		default:
			req.body = string(raw)
		}
	}
	return req, 0, ""
}

// result is what the request sets in the process: resultExpression over
// the request, else {resultVariable: {request}}, else nothing.
func (s *Server) result(ctx context.Context, props map[string]string, req *request) (map[string]any, error) {
	res := map[string]any{"request": req.vars()}
	if x := props["resultExpression"]; strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(x), "=")) != "" {
		v, err := eval(ctx, x, feel.MapVariables(res))
		if err != nil {
			return nil, err
		}
		out, ok := feel.ToJSON(v).(map[string]any)
		if !ok && !isNull(v) {
			return nil, fmt.Errorf("the result expression must give a context, not %s", typeName(v))
		}
		if rv := props["resultVariable"]; rv != "" {
			if out == nil {
				out = map[string]any{}
			}
			out[rv] = res
		}
		return out, nil
	}
	if rv := props["resultVariable"]; rv != "" {
		return map[string]any{rv: res}, nil
	}
	return nil, nil
}

// duplicate is a message whose id was published already: the request was
// handled before (a retry or a replay) and is acknowledged again without
// correlating twice.
type duplicate struct{ err error }

func (d *duplicate) Error() string { return d.err.Error() }

// correlate starts an instance (a none start event) or publishes the
// webhook's message with the correlation key and message id its
// expressions read from the request.
func (s *Server) correlate(ctx context.Context, e *endpoint, props map[string]string, scope feel.MapVariables, vars map[string]any) (map[string]any, error) {
	if e.kind == kindStart {
		key := e.defKey
		res, err := s.c.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionKey: &key, Variables: vars, TenantID: e.tenantID})
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "PROCESS_INSTANCE_CREATED", "processInstanceKey": res.ProcessInstanceKey.String(),
			"processDefinitionKey": res.ProcessDefinitionKey.String(), "bpmnProcessId": res.ProcessDefinitionID, "version": res.ProcessDefinitionVersion}, nil
	}
	msg := &cluster.MessagePublicationRequest{Name: e.messageName, Variables: vars, TenantID: e.tenantID}
	if x := props["correlationKeyExpression"]; strings.TrimSpace(x) != "" {
		k, err := evalString(ctx, x, scope)
		if err != nil {
			return nil, cluster.Errorf(cluster.CodeInvalidArgument, "the correlation key expression: %v", err)
		}
		msg.CorrelationKey = k
	} else if e.kind == kindMessage {
		return nil, cluster.Errorf(cluster.CodeInvalidArgument, "the webhook has no correlation key expression (correlationKeyExpression)")
	}
	if x := props["messageIdExpression"]; strings.TrimSpace(x) != "" {
		id, err := evalString(ctx, x, scope)
		if err != nil {
			return nil, cluster.Errorf(cluster.CodeInvalidArgument, "the message id expression: %v", err)
		}
		msg.MessageID = id
	}
	msg.TimeToLive = s.opts.MessageTTL.Milliseconds()
	if t := strings.TrimSpace(props["messageTtl"]); t != "" {
		d, err := iso8601.ParseDuration(t)
		if err != nil {
			return nil, cluster.Errorf(cluster.CodeInvalidArgument, "messageTtl must be an ISO 8601 duration, not '%s'", t)
		}
		now := time.Now()
		msg.TimeToLive = d.AddTo(now).Sub(now).Milliseconds()
	}
	res, err := s.c.PublishMessage(ctx, msg)
	if err != nil {
		var ce *cluster.Error
		if errors.As(err, &ce) && ce.Code == cluster.CodeAlreadyExists {
			return nil, &duplicate{err}
		}
		return nil, err
	}
	return map[string]any{"type": "MESSAGE_PUBLISHED", "messageKey": res.MessageKey.String(), "tenantId": res.TenantID}, nil
}

// respond answers 200, or what inbound.responseExpression gives over
// {request, correlation}: {body, statusCode, headers}.
func (s *Server) respond(ctx context.Context, w http.ResponseWriter, r *http.Request, props map[string]string, req *request, corr map[string]any) {
	x := props["inbound.responseExpression"]
	if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(x), "=")) == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	v, err := eval(ctx, x, feel.MapVariables{"request": req.vars(), "correlation": corr})
	if err != nil {
		problem(w, r, http.StatusInternalServerError, "The response expression failed after the request was correlated: %v", err)
		return
	}
	writeResponse(w, r, v)
}

// writeResponse answers what a response or verification expression gave:
// {statusCode, body, headers}.
func writeResponse(w http.ResponseWriter, r *http.Request, v feel.Value) {
	spec, _ := feel.ToJSON(v).(map[string]any)
	status := http.StatusOK
	if n, ok := spec["statusCode"].(json.Number); ok {
		if i, err := strconv.Atoi(n.String()); err == nil && i >= 100 && i <= 599 {
			status = i
		}
	}
	if hs, ok := spec["headers"].(map[string]any); ok {
		for k, v := range hs {
			if s, ok := v.(string); ok {
				w.Header().Set(k, s)
			}
		}
	}
	body, hasBody := spec["body"]
	if !hasBody || body == nil {
		w.WriteHeader(status)
		return
	}
	if str, ok := body.(string); ok {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, str)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		problem(w, r, http.StatusInternalServerError, "The response body cannot be written as JSON.")
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// eval evaluates a FEEL expression (with or without its leading =).
func eval(ctx context.Context, src string, vars feel.Variables) (feel.Value, error) {
	x, err := feel.Compile(strings.TrimPrefix(strings.TrimSpace(src), "="))
	if err != nil {
		return nil, err
	}
	return x.Evaluate(ctx, vars)
}

// evalString evaluates an expression that must give a string or number.
func evalString(ctx context.Context, src string, vars feel.Variables) (string, error) {
	v, err := eval(ctx, src, vars)
	if err != nil {
		return "", err
	}
	switch t := feel.ToJSON(v).(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case nil:
		return "", errors.New("it gave null (is the field in the request?)")
	}
	return "", fmt.Errorf("it gave %s, not a string", typeName(v))
}

func isNull(v feel.Value) bool {
	_, ok := v.(feel.Null)
	return v == nil || ok
}

func typeName(v feel.Value) string {
	switch feel.ToJSON(v).(type) {
	case map[string]any:
		return "a context"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	}
	return "null"
}

// writeProblem answers an RFC 9457 problem detail.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": detail, "instance": r.URL.Path})
}
