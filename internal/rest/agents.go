package rest

import (
	"net/http"

	"github.com/orcabpm/orca/internal/cluster"
)

// agentRoutes serves agent instances as Camunda 8.10 does: agents create
// and update them as they work (with their conversation's history items),
// people read and search them.
func (s *Server) agentRoutes() {
	a := s.api
	m := s.mux
	m.HandleFunc("POST /v2/agent-instances", result(s, a.CreateAgentInstance))
	m.HandleFunc("POST /v2/agent-instances/search", query(s, a.SearchAgentInstances))
	m.HandleFunc("GET /v2/agent-instances/{agentInstanceKey}", get(s, "agentInstanceKey", a.GetAgentInstance))
	m.HandleFunc("PATCH /v2/agent-instances/{agentInstanceKey}", func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, "agentInstanceKey")
		var q cluster.AgentInstanceUpdateRequest
		if !ok || !s.decode(w, r, &q, false) {
			return
		}
		res, err := a.UpdateAgentInstance(r.Context(), key, &q)
		s.reply(w, r, res, err)
	})
	m.HandleFunc("POST /v2/agent-instances/{agentInstanceKey}/history", func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, "agentInstanceKey")
		var q cluster.AgentInstanceHistoryItemRequest
		if !ok || !s.decode(w, r, &q, false) {
			return
		}
		res, err := a.CreateAgentInstanceHistoryItem(r.Context(), key, &q)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		b, err := marshal(res)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b)
	})
	m.HandleFunc("POST /v2/agent-instances/{agentInstanceKey}/history/search", keyedQuery(s, "agentInstanceKey", a.SearchAgentInstanceHistory))
}
