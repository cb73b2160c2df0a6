package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/orcabpm/orca/internal/cluster"
)

var errTrailingData = errors.New("trailing data after the JSON value")

// decode reads a JSON body into v strictly: unknown fields and wrong types
// are errors. An empty body leaves v as it is when optional is set. It
// answers 400 itself and reports false when the body is unusable.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		invalid(w, r, "%s", decodeProblem(err, s.opts.MaxBodyBytes))
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return true
		}
		invalid(w, r, "Required request body is missing.")
		return false
	}
	if _, err := duplicateKey(body); err != nil {
		invalid(w, r, "The request body is not valid: %v.", err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		invalid(w, r, "%s", decodeProblem(err, s.opts.MaxBodyBytes))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		invalid(w, r, "%s", decodeProblem(errTrailingData, s.opts.MaxBodyBytes))
		return false
	}
	return true
}

// pathKey parses a key path parameter, answering 400 when it is not one.
func pathKey(w http.ResponseWriter, r *http.Request, name string) (cluster.Key, bool) {
	raw := r.PathValue(name)
	k, err := cluster.ParseKey(raw)
	if err != nil {
		invalid(w, r, "The value '%s' of the path parameter '%s' is not a valid key: expected a string of digits.", raw, name)
		return 0, false
	}
	return k, true
}

// boolQuery reads an optional boolean query parameter.
func boolQuery(w http.ResponseWriter, r *http.Request, name string, def bool) (bool, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		invalid(w, r, "The value '%s' of the query parameter '%s' is not a boolean.", raw, name)
		return false, false
	}
	return b, true
}
