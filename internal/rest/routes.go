package rest

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/orcabpm/orca/internal/cluster"
)

// routes registers every endpoint. Paths and methods are Camunda 8.9's.
func (s *Server) routes() {
	a := s.api
	m := s.mux

	// Cluster
	m.HandleFunc("GET /v2/topology", func(w http.ResponseWriter, r *http.Request) {
		t, err := a.Topology(r.Context())
		s.reply(w, r, t, err)
	})
	m.HandleFunc("GET /v2/status", func(w http.ResponseWriter, r *http.Request) {
		// 204 when a partition has a healthy leader, as Camunda answers.
		t, err := a.Topology(r.Context())
		if err == nil {
			for _, b := range t.Brokers {
				for _, p := range b.Partitions {
					if p.Role == "leader" && p.Health == "healthy" {
						w.WriteHeader(http.StatusNoContent)
						return
					}
				}
			}
		}
		WriteProblem(w, r, http.StatusServiceUnavailable, string(cluster.CodeUnavailable), "The cluster is down.")
	})
	m.HandleFunc("PUT /v2/clock", body(s, false, a.PinClock))
	m.HandleFunc("POST /v2/clock/reset", func(w http.ResponseWriter, r *http.Request) {
		if !s.decode(w, r, &struct{}{}, true) {
			return
		}
		s.done(w, r, a.ResetClock(r.Context()))
	})

	// Deployments and process definitions
	m.HandleFunc("POST /v2/deployments", s.deploy)
	m.HandleFunc("POST /v2/process-definitions/search", query(s, a.SearchProcessDefinitions))
	m.HandleFunc("GET /v2/process-definitions/{processDefinitionKey}", get(s, "processDefinitionKey", a.GetProcessDefinition))
	m.HandleFunc("POST /v2/process-definitions/{processDefinitionKey}/statistics/element-instances", keyedQuery(s, "processDefinitionKey", a.GetProcessDefinitionElementStatistics))
	m.HandleFunc("GET /v2/process-definitions/{processDefinitionKey}/xml", func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, "processDefinitionKey")
		if !ok {
			return
		}
		xml, err := a.GetProcessDefinitionXML(r.Context(), key)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(xml)
	})

	// Process instances
	m.HandleFunc("POST /v2/process-instances", result(s, a.CreateProcessInstance))
	m.HandleFunc("POST /v2/process-instances/search", query(s, a.SearchProcessInstances))
	m.HandleFunc("GET /v2/process-instances/{processInstanceKey}", get(s, "processInstanceKey", a.GetProcessInstance))
	m.HandleFunc("POST /v2/process-instances/{processInstanceKey}/cancellation", keyed(s, "processInstanceKey", true, a.CancelProcessInstance))
	m.HandleFunc("POST /v2/process-instances/{processInstanceKey}/incidents/search", keyedQuery(s, "processInstanceKey", a.SearchProcessInstanceIncidents))
	m.HandleFunc("GET /v2/process-instances/{processInstanceKey}/sequence-flows", get(s, "processInstanceKey", a.GetProcessInstanceSequenceFlows))
	m.HandleFunc("GET /v2/process-instances/{processInstanceKey}/call-hierarchy", get(s, "processInstanceKey", a.GetProcessInstanceCallHierarchy))
	m.HandleFunc("GET /v2/process-instances/{processInstanceKey}/statistics/element-instances", get(s, "processInstanceKey", a.GetProcessInstanceElementStatistics))

	// Element instances
	m.HandleFunc("POST /v2/element-instances/search", query(s, a.SearchElementInstances))
	m.HandleFunc("GET /v2/element-instances/{elementInstanceKey}", get(s, "elementInstanceKey", a.GetElementInstance))
	m.HandleFunc("PUT /v2/element-instances/{elementInstanceKey}/variables", keyed(s, "elementInstanceKey", false, a.SetVariables))
	m.HandleFunc("POST /v2/element-instances/{elementInstanceKey}/incidents/search", keyedQuery(s, "elementInstanceKey", a.SearchElementInstanceIncidents))
	m.HandleFunc("POST /v2/expression/evaluation", result(s, a.EvaluateExpression))

	// User tasks
	m.HandleFunc("POST /v2/user-tasks/search", query(s, a.SearchUserTasks))
	m.HandleFunc("GET /v2/user-tasks/{userTaskKey}", get(s, "userTaskKey", a.GetUserTask))
	m.HandleFunc("PATCH /v2/user-tasks/{userTaskKey}", keyed(s, "userTaskKey", true, a.UpdateUserTask))
	m.HandleFunc("POST /v2/user-tasks/{userTaskKey}/assignment", keyed(s, "userTaskKey", false, a.AssignUserTask))
	m.HandleFunc("DELETE /v2/user-tasks/{userTaskKey}/assignee", func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, "userTaskKey")
		if !ok || !s.decode(w, r, &struct{}{}, true) {
			return
		}
		s.done(w, r, a.UnassignUserTask(r.Context(), key))
	})
	m.HandleFunc("POST /v2/user-tasks/{userTaskKey}/completion", keyed(s, "userTaskKey", true, a.CompleteUserTask))
	userTaskVariables := func(search func(context.Context, cluster.Key, *cluster.UserTaskVariableSearchQuery, bool) (*cluster.SearchResult[cluster.VariableSearchResult], error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			key, ok := pathKey(w, r, "userTaskKey")
			if !ok {
				return
			}
			truncate, ok := boolQuery(w, r, "truncateValues", true)
			var q cluster.UserTaskVariableSearchQuery
			if !ok || !s.decode(w, r, &q, true) {
				return
			}
			res, err := search(r.Context(), key, &q, truncate)
			s.reply(w, r, res, err)
		}
	}
	m.HandleFunc("POST /v2/user-tasks/{userTaskKey}/variables/search", userTaskVariables(a.SearchUserTaskVariables))
	m.HandleFunc("POST /v2/user-tasks/{userTaskKey}/effective-variables/search", userTaskVariables(a.SearchUserTaskEffectiveVariables))

	// Jobs
	m.HandleFunc("POST /v2/jobs/activation", func(w http.ResponseWriter, r *http.Request) {
		var req cluster.JobActivationRequest
		if !s.decode(w, r, &req, false) {
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(s.drain, cancel)
		defer stop()
		res, err := a.ActivateJobs(ctx, &req)
		s.reply(w, r, res, err)
	})
	m.HandleFunc("POST /v2/jobs/search", query(s, a.SearchJobs))
	m.HandleFunc("PATCH /v2/jobs/{jobKey}", keyed(s, "jobKey", false, a.UpdateJob))
	m.HandleFunc("POST /v2/jobs/{jobKey}/completion", keyed(s, "jobKey", true, a.CompleteJob))
	m.HandleFunc("POST /v2/jobs/{jobKey}/failure", keyed(s, "jobKey", true, a.FailJob))
	m.HandleFunc("POST /v2/jobs/{jobKey}/error", keyed(s, "jobKey", false, a.ThrowJobError))

	// Messages
	m.HandleFunc("POST /v2/messages/publication", result(s, a.PublishMessage))
	m.HandleFunc("POST /v2/messages/correlation", result(s, a.CorrelateMessage))
	m.HandleFunc("POST /v2/message-subscriptions/search", query(s, a.SearchMessageSubscriptions))
	m.HandleFunc("POST /v2/signals/broadcast", result(s, a.BroadcastSignal))
	s.conditionalRoutes()
	m.HandleFunc("POST /v2/element-instances/ad-hoc-activities/{adHocSubProcessInstanceKey}/activation",
		keyed(s, "adHocSubProcessInstanceKey", false, a.ActivateAdHocActivities))

	// Incidents
	m.HandleFunc("POST /v2/incidents/search", query(s, a.SearchIncidents))
	m.HandleFunc("GET /v2/incidents/{incidentKey}", get(s, "incidentKey", a.GetIncident))
	m.HandleFunc("POST /v2/audit-logs/search", query(s, a.SearchAuditLogs))
	m.HandleFunc("GET /v2/audit-logs/{auditLogKey}", get(s, "auditLogKey", a.GetAuditLog))
	m.HandleFunc("POST /v2/incidents/{incidentKey}/resolution", keyed(s, "incidentKey", true, a.ResolveIncident))

	// Variables
	m.HandleFunc("POST /v2/variables/search", func(w http.ResponseWriter, r *http.Request) {
		truncate, ok := boolQuery(w, r, "truncateValues", true)
		var q cluster.VariableSearchQuery
		if !ok || !s.decode(w, r, &q, true) {
			return
		}
		res, err := a.SearchVariables(r.Context(), &q, truncate)
		s.reply(w, r, res, err)
	})
	m.HandleFunc("GET /v2/variables/{variableKey}", get(s, "variableKey", a.GetVariable))

	s.formRoutes()
	s.decisionRoutes()
	s.agentRoutes()
}

// query serves a search: optional body, 200 with the page.
func query[Q any, R any](s *Server, fn func(context.Context, *Q) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var q Q
		if !s.decode(w, r, &q, true) {
			return
		}
		res, err := fn(r.Context(), &q)
		s.reply(w, r, res, err)
	}
}

// keyedQuery serves a search below a resource.
func keyedQuery[Q any, R any](s *Server, param string, fn func(context.Context, cluster.Key, *Q) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, param)
		var q Q
		if !ok || !s.decode(w, r, &q, true) {
			return
		}
		res, err := fn(r.Context(), key, &q)
		s.reply(w, r, res, err)
	}
}

// get serves a read by key.
func get[R any](s *Server, param string, fn func(context.Context, cluster.Key) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, param)
		if !ok {
			return
		}
		res, err := fn(r.Context(), key)
		s.reply(w, r, res, err)
	}
}

// result serves a command with a JSON body and a JSON result.
func result[Q any, R any](s *Server, fn func(context.Context, *Q) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var q Q
		if !s.decode(w, r, &q, false) {
			return
		}
		res, err := fn(r.Context(), &q)
		s.reply(w, r, res, err)
	}
}

// body serves a command with a JSON body and no content in reply.
func body[Q any](s *Server, optional bool, fn func(context.Context, *Q) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var q Q
		if !s.decode(w, r, &q, optional) {
			return
		}
		s.done(w, r, fn(r.Context(), &q))
	}
}

// keyed serves a command on a resource: 204 No Content.
func keyed[Q any](s *Server, param string, optional bool, fn func(context.Context, cluster.Key, *Q) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := pathKey(w, r, param)
		var q Q
		if !ok || !s.decode(w, r, &q, optional) {
			return
		}
		s.done(w, r, fn(r.Context(), key, &q))
	}
}

// deploy serves POST /deployments: multipart/form-data with one or more
// "resources" file parts and an optional "tenantId".
func (s *Server) deploy(w http.ResponseWriter, r *http.Request) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		invalid(w, r, "Expected a multipart/form-data request with 'resources' parts.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		invalid(w, r, "The multipart request cannot be read: %v.", err)
		return
	}
	req := cluster.DeploymentRequest{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			invalid(w, r, "%s", multipartProblem(err, s.opts.MaxBodyBytes))
			return
		}
		content, err := io.ReadAll(p)
		if err != nil {
			invalid(w, r, "%s", multipartProblem(err, s.opts.MaxBodyBytes))
			return
		}
		switch p.FormName() {
		case "resources":
			name := p.FileName()
			if name == "" {
				invalid(w, r, "Every 'resources' part needs a file name.")
				return
			}
			req.Resources = append(req.Resources, cluster.Resource{Name: name, Content: content})
		case "tenantId":
			req.TenantID = strings.TrimSpace(string(content))
		default:
			invalid(w, r, "Request part [%s] is not supported; expected 'resources' and 'tenantId'.", p.FormName())
			return
		}
	}
	if len(req.Resources) == 0 {
		invalid(w, r, "No resources to deploy: expected at least one 'resources' part.")
		return
	}
	res, err := s.api.CreateDeployment(r.Context(), &req)
	s.reply(w, r, res, err)
}

func multipartProblem(err error, limit int64) string {
	if _, ok := err.(*http.MaxBytesError); ok {
		return decodeProblem(err, limit)
	}
	return "The multipart request cannot be read: " + err.Error() + "."
}
