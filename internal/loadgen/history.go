// Package loadgen generates load for measurements (the scale test, orca
// bench): one-task instances run by workers, in process or over /v2, and a
// history of many finished and active process instances. Active instances
// are made by the engine's own commands; finished ones are copies of one
// instance the engine ran, written with the store's batch API under keys
// the engine will not hand out again.
package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// Model is what the loader deploys: "scale-order" (a service task with
// input and output mappings, finished instances) and "scale-review" (a user
// task, active instances).
const Model = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="scale" targetNamespace="https://orca.example/scale">
  <bpmn:process id="scale-order" name="Order" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
    <bpmn:serviceTask id="charge" name="Charge card">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="scale-charge" />
        <zeebe:ioMapping>
          <zeebe:input source="=order.total * 100" target="cents" />
          <zeebe:output source="=receipt.id" target="receiptId" />
        </zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:process id="scale-review" name="Review" isExecutable="true">
    <bpmn:startEvent id="rstart" />
    <bpmn:sequenceFlow id="r1" sourceRef="rstart" targetRef="review" />
    <bpmn:userTask id="review" name="Review order">
      <bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="r2" sourceRef="review" targetRef="rend" />
    <bpmn:endEvent id="rend" />
  </bpmn:process>
</bpmn:definitions>`

// Customers is how many distinct values the "customer" variable takes.
const Customers = 10_000

// Deploy deploys Model.
func Deploy(ctx context.Context, e *engine.Engine) error {
	_, err := e.Deploy(ctx, "", []engine.Resource{{Name: "scale.bpmn", Content: []byte(Model)}})
	return err
}

// StartActive starts n instances of scale-review (each waits in its user
// task) with 32 concurrent commands; customer i%Customers is theirs.
func StartActive(ctx context.Context, e *engine.Engine, n int) ([]int64, error) {
	keys := make([]int64, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				res, err := e.CreateProcessInstance(ctx, engine.CreateInstanceRequest{ProcessID: "scale-review",
					Variables: map[string]any{"customer": fmt.Sprintf("c-%d", i%Customers)}})
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				keys[i] = res.ProcessInstanceKey
			}
		}()
	}
	wg.Wait()
	return keys, first
}

// RunTemplate runs one scale-order instance to its end through the engine
// and returns its key.
func RunTemplate(ctx context.Context, e *engine.Engine) (int64, error) {
	res, err := e.CreateProcessInstance(ctx, engine.CreateInstanceRequest{ProcessID: "scale-order",
		Variables: map[string]any{"order": map[string]any{"total": 9.99}, "customer": "c-0"}})
	if err != nil {
		return 0, err
	}
	jobs, err := e.ActivateJobs(ctx, engine.ActivateJobsRequest{Type: "scale-charge", Worker: "scale", Timeout: time.Minute, MaxJobs: 1, RequestTimeout: 10 * time.Second})
	if err != nil {
		return 0, err
	}
	if len(jobs) != 1 {
		return 0, fmt.Errorf("template: %d jobs activated, want 1", len(jobs))
	}
	if err := e.CompleteJob(ctx, jobs[0].Key, map[string]any{"receipt": map[string]any{"id": "r-0"}}); err != nil {
		return 0, err
	}
	return res.ProcessInstanceKey, nil
}

// template is one finished instance's rows.
type template struct {
	pi       *store.ProcessInstance
	elements []*store.ElementInstance
	vars     []*store.Variable
	jobs     []*store.Job
	min, max int64 // the keys it uses
}

func readTemplate(ctx context.Context, s *store.Store, key int64) (*template, error) {
	t := &template{}
	pi, ok, err := store.Get(ctx, s, func() *store.ProcessInstance { return new(store.ProcessInstance) }, key)
	if err != nil || !ok {
		return nil, fmt.Errorf("template instance %d: found %v: %w", key, ok, err)
	}
	if pi.State != store.StateCompleted {
		return nil, fmt.Errorf("template instance %d is %s, not completed", key, pi.State)
	}
	t.pi = pi
	if t.elements, err = store.Select(ctx, s, func() *store.ElementInstance { return new(store.ElementInstance) }, "process_instance_key = ?", key); err != nil {
		return nil, err
	}
	// Through the instance's scopes (itself and its element instances):
	// variables have no index on their instance.
	if t.vars, err = store.Select(ctx, s, func() *store.Variable { return new(store.Variable) },
		"process_instance_key = ?1 AND scope_key IN (SELECT ?1 UNION ALL SELECT key FROM element_instances WHERE process_instance_key = ?1)", key); err != nil {
		return nil, err
	}
	if t.jobs, err = store.Select(ctx, s, func() *store.Job { return new(store.Job) }, "process_instance_key = ?", key); err != nil {
		return nil, err
	}
	t.min, t.max = key, key
	see := func(k int64) {
		if k != 0 {
			t.min, t.max = min(t.min, k), max(t.max, k)
		}
	}
	for _, r := range t.elements {
		see(r.Key)
	}
	for _, r := range t.vars {
		see(r.Key)
	}
	for _, r := range t.jobs {
		see(r.Key)
	}
	return t, nil
}

// AddFinished writes n copies of the finished scale-order instance
// template (run by RunTemplate) into the store, each under fresh keys, in
// transactions of batch instances. Copy i started i milliseconds after
// the template's start minus n seconds (so they are spread over the past)
// and belongs to customer i%Customers. The store's key counter is moved
// past the keys used, so that the engine never hands them out.
func AddFinished(ctx context.Context, s *store.Store, templateKey int64, n, batch int) error {
	t, err := readTemplate(ctx, s, templateKey)
	if err != nil {
		return err
	}
	next, err := s.Meta(ctx, "key")
	if err != nil {
		return err
	}
	span := t.max - t.min + 1
	base := next + 1
	origin := t.pi.StartDate.Add(-time.Duration(n) * time.Second)
	dur := t.pi.EndDate.Sub(t.pi.StartDate)
	for done := 0; done < n; {
		tx, err := s.Begin(ctx)
		if err != nil {
			return err
		}
		end := min(done+batch, n)
		for i := done; i < end; i++ {
			off := base + int64(i)*span - t.min
			remap := func(k int64) int64 {
				if k >= t.min && k <= t.max {
					return k + off
				}
				return k
			}
			start := origin.Add(time.Duration(i) * time.Millisecond)
			customer := fmt.Sprintf(`"c-%d"`, i%Customers)
			pi := *t.pi
			pi.Key, pi.RootProcessInstanceKey = remap(pi.Key), remap(pi.RootProcessInstanceKey)
			pi.StartDate, pi.EndDate = start, start.Add(dur)
			recs := []store.Record{&pi}
			for _, r := range t.elements {
				c := *r
				c.Key, c.ProcessInstanceKey, c.RootProcessInstanceKey, c.FlowScopeKey = remap(c.Key), remap(c.ProcessInstanceKey), remap(c.RootProcessInstanceKey), remap(c.FlowScopeKey)
				c.StartDate, c.EndDate = start, start.Add(dur)
				recs = append(recs, &c)
			}
			for _, r := range t.vars {
				c := *r
				c.Key, c.ScopeKey, c.ProcessInstanceKey, c.RootProcessInstanceKey = remap(c.Key), remap(c.ScopeKey), remap(c.ProcessInstanceKey), remap(c.RootProcessInstanceKey)
				if c.Name == "customer" {
					c.Value = customer
				}
				recs = append(recs, &c)
			}
			for _, r := range t.jobs {
				c := *r
				c.Key, c.ElementInstanceKey, c.ProcessInstanceKey, c.RootProcessInstanceKey = remap(c.Key), remap(c.ElementInstanceKey), remap(c.ProcessInstanceKey), remap(c.RootProcessInstanceKey)
				c.CreationTime, c.EndTime, c.LastUpdateTime = start, start.Add(dur), start.Add(dur)
				recs = append(recs, &c)
			}
			for _, r := range recs {
				if err := tx.Put(ctx, r); err != nil {
					tx.Rollback()
					return err
				}
			}
		}
		if err := tx.SetMeta(ctx, "key", base+int64(end)*span); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		done = end
	}
	return nil
}
