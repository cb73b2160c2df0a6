package rest

// conditionalRoutes registers POST /v2/conditionals/evaluation (Camunda
// 8.9): the root-level conditional start events of a tenant's processes,
// or of one process definition, evaluated with the given variables; the
// answer lists the process instances started.
func (s *Server) conditionalRoutes() {
	s.mux.HandleFunc("POST /v2/conditionals/evaluation", result(s, s.api.EvaluateConditionals))
}
