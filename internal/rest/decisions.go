package rest

import (
	"context"
	"net/http"

	"github.com/orcabpm/orca/internal/cluster"
)

// decisionRoutes serves decision definitions, decision requirements, the
// evaluation of a decision and decision instances, as Camunda 8.9 does.
func (s *Server) decisionRoutes() {
	a := s.api
	m := s.mux
	m.HandleFunc("POST /v2/decision-definitions/search", query(s, a.SearchDecisionDefinitions))
	m.HandleFunc("GET /v2/decision-definitions/{decisionDefinitionKey}", get(s, "decisionDefinitionKey", a.GetDecisionDefinition))
	m.HandleFunc("GET /v2/decision-definitions/{decisionDefinitionKey}/xml", xmlOf(s, "decisionDefinitionKey", a.GetDecisionDefinitionXML))
	m.HandleFunc("POST /v2/decision-definitions/evaluation", result(s, a.EvaluateDecision))
	m.HandleFunc("POST /v2/decision-requirements/search", query(s, a.SearchDecisionRequirements))
	m.HandleFunc("GET /v2/decision-requirements/{decisionRequirementsKey}", get(s, "decisionRequirementsKey", a.GetDecisionRequirements))
	m.HandleFunc("GET /v2/decision-requirements/{decisionRequirementsKey}/xml", xmlOf(s, "decisionRequirementsKey", a.GetDecisionRequirementsXML))
	m.HandleFunc("POST /v2/decision-instances/search", query(s, a.SearchDecisionInstances))
	m.HandleFunc("GET /v2/decision-instances/{decisionEvaluationInstanceKey}", func(w http.ResponseWriter, r *http.Request) {
		res, err := a.GetDecisionInstance(r.Context(), r.PathValue("decisionEvaluationInstanceKey"))
		s.reply(w, r, res, err)
	})
}

// xmlOf serves a model's XML by key, as text/xml.
func xmlOf(s *Server, param string, fn func(context.Context, cluster.Key) ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, param)
		if !ok {
			return
		}
		xml, err := fn(r.Context(), key)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(xml)
	}
}
