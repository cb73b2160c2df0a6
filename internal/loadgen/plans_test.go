package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// fullScan is a plan step that reads a whole history table (not through
// an index: a "SCAN t USING INDEX" walks an index in the order asked for
// and stops at the page's end).
var fullScan = regexp.MustCompile(`^SCAN (process_instances|element_instances|variables|jobs|user_tasks)( AS \w+)?$`)

// TestHotSearchesUseIndexes asks SQLite how it runs what users and the
// engine read most (the scale test's searches, an instance's variables and
// element instances, the active element instances of an element, open
// jobs, the engine's restart), on a store with a history whose query
// planner statistics are taken: each must walk the index named, sort
// nothing it could read in order, and read no history table whole. The
// runtime tables carry few indexes (each costs the engine's one writer on
// every row), so a search whose index is dropped, or whose SQL stops
// naming what that index needs, falls back to reading the whole history:
// this fails then, where the scale test only shows it in its timings.
func TestHotSearchesUseIndexes(t *testing.T) {
	ctx := context.Background()
	dir, tmpl, active := seedStore(t, 200)
	s, err := store.Open(ctx, dir, store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	if err := AddFinished(ctx, s, tmpl, 5000, 1000); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// The restart: what the engine loads.
	var reads, writes storetest.Queries
	// The history is past a short time to live: CleanHistory deletes some.
	e, err := engine.Open(ctx, engine.Options{DataDir: dir, Synchronous: "NORMAL",
		Retention: engine.Retention{TTL: time.Minute, InstanceBatch: 10, RowBatch: 1000},
		Store:     store.Options{WrapReader: reads.Wrap, WrapWriter: writes.Wrap}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	db, err := sql.Open("sqlite", "file:"+e.Store().Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	explain := func(q storetest.Query) []string {
		t.Helper()
		plan, err := storetest.QueryPlan(ctx, db, q.SQL, q.Args...)
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	// check: the queries (those naming table) use index, sort nothing in a
	// temporary B-tree when sorted, and scan no history table whole.
	check := func(what string, qs []storetest.Query, table, index string, sorted bool) {
		t.Helper()
		used := false
		var rel []storetest.Query
		for _, q := range qs {
			verb, _, _ := strings.Cut(strings.TrimSpace(q.SQL), " ")
			if strings.Contains(q.SQL, table) && (verb == "SELECT" || verb == "DELETE" || verb == "WITH") {
				rel = append(rel, q)
			}
		}
		for _, q := range rel {
			plan := explain(q)
			for _, step := range plan {
				if fullScan.MatchString(step) {
					t.Errorf("%s: reads a table whole (%s)\n  %s\n  plan: %s", what, step, q.SQL, strings.Join(plan, "; "))
				}
				if sorted && strings.Contains(step, "TEMP B-TREE FOR ORDER BY") && strings.Contains(q.SQL, "ORDER BY") {
					t.Errorf("%s: sorts its matches instead of reading them in order\n  %s\n  plan: %s", what, q.SQL, strings.Join(plan, "; "))
				}
				if strings.Contains(step, " "+index+" ") || strings.HasSuffix(step, " "+index) {
					used = true
				}
			}
		}
		if !used {
			var all []string
			for _, q := range rel {
				all = append(all, q.SQL+" => "+strings.Join(explain(q), "; "))
			}
			t.Errorf("%s: no query uses %s:\n  %s", what, index, strings.Join(all, "\n  "))
		}
	}
	boot := writes.Since(0)
	check("restart: active process instances", boot, "process_instances", "process_instances_state_start", false)
	check("restart: active element instances", boot, "element_instances", "element_instances_pi", false)
	check("restart: their variables", boot, "variables", "variables_scope", false)
	check("restart: open jobs", boot, "jobs", "jobs_state", false)

	srv := httptest.NewServer(rest.New(cluster.NewEmbedded(e, cluster.EmbeddedOptions{}), rest.Options{}))
	defer srv.Close()
	call := func(path, body string) []storetest.Query {
		t.Helper()
		mark := reads.Mark()
		res, err := srv.Client().Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.Contains(string(b), `"items":[]`) {
			t.Fatalf("%s %s: %d %s", path, body, res.StatusCode, b)
		}
		return reads.Since(mark)
	}
	pi := active[7]
	finished, err := store.Select(ctx, e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "state = 'COMPLETED' LIMIT 1")
	if err != nil || len(finished) == 0 {
		t.Fatalf("a finished instance: %v", err)
	}
	done := finished[0].Key
	defs, err := store.Select(ctx, e.Store(), func() *store.ProcessDefinition { return new(store.ProcessDefinition) }, "process_id = 'scale-review'")
	if err != nil || len(defs) != 1 {
		t.Fatalf("the review process: %v", err)
	}
	for _, c := range []struct {
		what, path, body, table, index string
		sorted                         bool
	}{
		{"active page", "/v2/process-instances/search",
			`{"filter":{"processDefinitionId":"scale-review","state":"ACTIVE"},"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":50}}`,
			"process_instances", "process_instances_state_start", true},
		{"completed page", "/v2/process-instances/search",
			`{"filter":{"state":"COMPLETED"},"sort":[{"field":"endDate","order":"DESC"}],"page":{"limit":50}}`,
			"process_instances", "process_instances_state_ended", true},
		{"completed page, oldest first", "/v2/process-instances/search",
			`{"filter":{"state":"COMPLETED"},"sort":[{"field":"endDate","order":"ASC"}],"page":{"limit":50}}`,
			"process_instances", "process_instances_state_ended", true},
		{"completed page by start", "/v2/process-instances/search",
			`{"filter":{"state":"COMPLETED"},"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":50}}`,
			"process_instances", "process_instances_state_start", true},
		{"all page", "/v2/process-instances/search",
			`{"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":50}}`,
			"process_instances", "process_instances_start", true},
		{"by variable", "/v2/process-instances/search",
			`{"filter":{"state":"ACTIVE","variables":[{"name":"customer","value":"\"c-7\""}]},"page":{"limit":50}}`,
			"variables", "variables_name_prefix", false},
		{"task page", "/v2/user-tasks/search",
			`{"filter":{"state":"CREATED"},"sort":[{"field":"creationDate","order":"DESC"}],"page":{"limit":50}}`,
			"user_tasks", "user_tasks_state_creation", true},
		{"an active instance's variables", "/v2/variables/search",
			fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"}}`, pi), "variables", "variables_scope", false},
		{"a finished instance's variables", "/v2/variables/search",
			fmt.Sprintf(`{"filter":{"processInstanceKey":{"$in":["%d","%d"]}}}`, done, pi), "variables", "variables_scope", false},
		{"a finished instance's element instances", "/v2/element-instances/search",
			fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"}}`, done), "element_instances", "element_instances_pi", false},
		{"the active element instances of an element", "/v2/element-instances/search",
			fmt.Sprintf(`{"filter":{"processDefinitionKey":"%d","elementId":"review","state":"ACTIVE"}}`, defs[0].Key),
			"element_instances", "element_instances_pi", false},
		{"a finished instance's jobs", "/v2/jobs/search",
			fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"}}`, done), "jobs", "jobs_pi", false},
		{"completed jobs", "/v2/jobs/search", `{"filter":{"state":"COMPLETED"}}`, "jobs", "jobs_state", false},
	} {
		check(c.what, call(c.path, c.body), c.table, c.index, c.sorted)
	}

	// The history cleanup: it finds finished roots, then deletes their
	// trees table by table.
	rmark, wmark := reads.Mark(), writes.Mark()
	res, err := e.CleanHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Instances == 0 || res.Rows <= res.Instances {
		t.Fatalf("the cleanup deleted %+v, want some instances and their rows", res)
	}
	check("cleanup: finished roots", reads.Since(rmark), "process_instances", "process_instances_root_ended", true)
	deletes := writes.Since(wmark)
	check("cleanup: instance trees", deletes, "process_instances", "process_instances_root_called", false)
	check("cleanup: variables", deletes, "DELETE FROM variables", "variables_scope", false)
	check("cleanup: element instances", deletes, "DELETE FROM element_instances", "element_instances_pi", false)
	check("cleanup: jobs", deletes, "DELETE FROM jobs", "jobs_pi", false)
	if n, err := e.Store().OrphanRows(ctx); err != nil || len(n) > 0 {
		t.Errorf("rows left without their instance: %v %v", n, err)
	}
}
