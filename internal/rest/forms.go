package rest

import (
	"context"
	"net/http"

	"github.com/orcabpm/orca/internal/cluster"
)

// formRoutes serves Camunda Forms: a form by key, a user task's form and a
// process definition's start form (204 No Content when there is none).
func (s *Server) formRoutes() {
	a := s.api
	s.mux.HandleFunc("GET /v2/forms/{formKey}", get(s, "formKey", a.GetForm))
	s.mux.HandleFunc("GET /v2/user-tasks/{userTaskKey}/form", optionalForm(s, "userTaskKey", a.GetUserTaskForm))
	s.mux.HandleFunc("GET /v2/process-definitions/{processDefinitionKey}/form", optionalForm(s, "processDefinitionKey", a.GetStartProcessForm))
}

func optionalForm(s *Server, param string, fn func(context.Context, cluster.Key) (*cluster.Form, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, param)
		if !ok {
			return
		}
		f, err := fn(r.Context(), key)
		if err == nil && f == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.reply(w, r, f, err)
	}
}
