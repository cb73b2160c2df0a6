package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/orcabpm/orca/internal/cluster"
)

// Problem is an RFC 9457 problem detail, as Camunda writes them: the title
// is the status name (NOT_FOUND, INVALID_ARGUMENT, ...).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

// ContentTypeProblem is the media type of problem details.
const ContentTypeProblem = "application/problem+json"

// WriteProblem writes a problem detail for the request.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, title, detail string) {
	w.Header().Set("Content-Type", ContentTypeProblem)
	w.Header().Del("Content-Length")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(Problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Instance: r.URL.Path})
}

// marshal is json.Marshal without HTML escaping: '<', '>' and '&' are
// written as they are, as Camunda writes them.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeError answers with the problem an error stands for.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *cluster.Error
	switch {
	case errors.As(err, &ce):
		WriteProblem(w, r, ce.Code.Status(), string(ce.Code), ce.Detail)
	case errors.Is(err, context.DeadlineExceeded):
		WriteProblem(w, r, http.StatusGatewayTimeout, string(cluster.CodeDeadlineExceeded), "Expected to handle request, but the request timed out.")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		WriteProblem(w, r, http.StatusServiceUnavailable, string(cluster.CodeUnavailable), "The request was canceled.")
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		WriteProblem(w, r, http.StatusInternalServerError, string(cluster.CodeInternal), "Unexpected error occurred during the request processing.")
	}
}

// invalid answers 400 INVALID_ARGUMENT.
func invalid(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	WriteProblem(w, r, http.StatusBadRequest, string(cluster.CodeInvalidArgument), fmt.Sprintf(format, args...))
}

// decodeProblem describes why a JSON body could not be read.
func decodeProblem(err error, limit int64) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit)
	case errors.As(err, &syn):
		return fmt.Sprintf("The request body is not valid JSON: %s (at byte %d).", syn.Error(), syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("A request property cannot be parsed: expected %s, got %s.", jsonTypeName(typ.Type.String()), typ.Value)
		}
		return fmt.Sprintf("Request property [%s] cannot be parsed: expected %s, got %s.", typ.Field, jsonTypeName(typ.Type.String()), typ.Value)
	case errors.Is(err, errTrailingData):
		return "The request body has data after its JSON value."
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Sprintf("Request property [%s] is not supported.", strings.Trim(f, `"`))
	}
	if strings.Contains(msg, "unexpected EOF") {
		return "The request body is not valid JSON: unexpected end of input."
	}
	return "The request body cannot be parsed: " + strings.TrimPrefix(msg, "json: ") + "."
}

func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case goType == "cluster.Key":
		return "a key (a string of digits)"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "an object"
	}
	return goType
}
