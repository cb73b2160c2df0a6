package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/console"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/management"
	"github.com/orcabpm/orca/internal/rest"
)

// engineObserver turns what the engine commits into metrics and into one
// log line per event a person wants to follow.
type engineObserver struct {
	metrics *management.Metrics
	log     *slog.Logger
	live    *console.Hub // nil without the console
}

func (o engineObserver) Committed(c engine.Commit) {
	o.metrics.Committed(c)
	for _, ev := range c.Events {
		logEvent(o.log, ev)
	}
	if o.live != nil {
		o.live.Publish(changeOf(c))
	}
}

// changeOf summarises a commit for the console's live updates: the process
// instances it touched, and whether user tasks or deployments changed.
func changeOf(c engine.Commit) console.Change {
	var ch console.Change
	seen := map[int64]bool{}
	for _, ev := range c.Events {
		var pi int64
		switch ev.Kind {
		case engine.EventElement:
			pi = ev.ProcessInstanceKey
			if ev.Type == string(bpmn.TypeUserTask) {
				ch.UserTasks = true
			}
		case engine.EventInstanceCanceled, engine.EventIncidentCreated, engine.EventIncidentResolved, engine.EventVariableSet:
			pi = ev.ProcessInstanceKey
		case engine.EventUserTaskChanged:
			pi = ev.ProcessInstanceKey
			ch.UserTasks = true
		case engine.EventDeployed:
			ch.Deployments = true
		}
		if pi != 0 && !seen[pi] {
			seen[pi] = true
			ch.ProcessInstanceKeys = append(ch.ProcessInstanceKeys, pi)
		}
	}
	return ch
}

func (o engineObserver) StorageFailed(err error, attempt int) { o.metrics.StorageFailed(err, attempt) }

func (o engineObserver) StorageRecovered(d time.Duration) { o.metrics.StorageRecovered(d) }

func key(k int64) string { return strconv.FormatInt(k, 10) }

// logEvent writes the line of an event, with its keys as strings (as the
// REST API shows them).
func logEvent(log *slog.Logger, ev engine.Event) {
	ctx := context.Background()
	switch ev.Kind {
	case engine.EventDeployed:
		log.InfoContext(ctx, "process deployed", "processDefinitionKey", key(ev.Key), "processDefinitionId", ev.ProcessID,
			"version", ev.Version, "resource", ev.Message)
	case engine.EventInstanceCanceled:
		log.InfoContext(ctx, "process instance cancelled", "processInstanceKey", key(ev.Key))
	case engine.EventIncidentCreated:
		log.WarnContext(ctx, "incident created", "incidentKey", key(ev.Key), "errorType", ev.Type, "processInstanceKey", key(ev.ProcessInstanceKey),
			"processDefinitionId", ev.ProcessID, "elementId", ev.ElementID, "errorMessage", ev.Message)
	case engine.EventIncidentResolved:
		log.InfoContext(ctx, "incident resolved", "incidentKey", key(ev.Key), "errorType", ev.Type, "processInstanceKey", key(ev.ProcessInstanceKey),
			"elementId", ev.ElementID)
	case engine.EventJobFailed:
		if ev.Retries <= 0 {
			log.WarnContext(ctx, "job failed without retries left", "jobKey", key(ev.Key), "jobType", ev.Type,
				"processInstanceKey", key(ev.ProcessInstanceKey), "elementId", ev.ElementID, "errorMessage", ev.Message)
		} else {
			log.DebugContext(ctx, "job failed", "jobKey", key(ev.Key), "jobType", ev.Type, "retries", ev.Retries, "errorMessage", ev.Message)
		}
	case engine.EventJobTimedOut:
		log.DebugContext(ctx, "job timed out", "jobKey", key(ev.Key), "jobType", ev.Type, "processInstanceKey", key(ev.ProcessInstanceKey))
	}
}

// routeOf names a request's route: the REST API's pattern under /v2/, the
// top-level pattern elsewhere.
func routeOf(mux *http.ServeMux, restSrv *rest.Server) func(*http.Request) string {
	return func(r *http.Request) string {
		_, p := mux.Handler(r)
		if p == "/v2/" {
			return restSrv.Route(r)
		}
		return p
	}
}

// logRequest logs failed requests: client errors at debug, server errors
// at error.
func logRequest(log *slog.Logger) management.RequestDone {
	return func(r *http.Request, route string, status int, d time.Duration) {
		if status < 400 {
			return
		}
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(r.Context(), level, "request failed", "status", status, "method", r.Method, "path", r.URL.Path,
			"route", route, "duration", d, "remote", r.RemoteAddr)
	}
}

// serveManagement serves the management endpoints on addr ("off": not at
// all). The returned function stops them. When the default address is
// taken (another Orca on this machine), start-up goes on without them; an
// address asked for must be free.
func serveManagement(addr string, asked bool, h http.Handler, log *slog.Logger) (func(), error) {
	if a := strings.TrimSpace(strings.ToLower(addr)); a == "" || a == "off" || a == "none" || a == "false" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && !asked {
		log.Warn("management endpoints off: the default address is taken; set --management-addr", "addr", addr, "err", err)
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listen on the management address %s (--management-addr; \"off\" turns it off): %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("management server stopped", "err", err)
		}
	}()
	log.Info("management endpoints ready", "health", "http://"+ln.Addr().String()+management.PathHealth,
		"metrics", "http://"+ln.Addr().String()+management.PathPrometheus)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
