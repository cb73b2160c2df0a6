package cluster

import (
	"context"

	"github.com/orcabpm/orca/internal/store"
)

// ProcessDefinitionElementStatisticsQuery is the body of POST
// /process-definitions/{key}/statistics/element-instances: which of the
// definition's process instances to count over (Camunda's
// ProcessDefinitionStatisticsFilter, the process instance filter's fields
// and $or).
type ProcessDefinitionElementStatisticsQuery struct {
	Filter *ProcessInstanceFilter `json:"filter,omitempty"`
}

// ProcessDefinitionElementStatisticsResult lists the counts per element.
type ProcessDefinitionElementStatisticsResult struct {
	Items []ProcessElementStatistics `json:"items"`
}

// ProcessElementStatistics are the element instances of one element:
// active (without an incident), with an active incident, completed and
// canceled (terminated).
type ProcessElementStatistics struct {
	ElementID string `json:"elementId"`
	Active    int64  `json:"active"`
	Canceled  int64  `json:"canceled"`
	Incidents int64  `json:"incidents"`
	Completed int64  `json:"completed"`
}

// GetProcessDefinitionElementStatistics counts, per element of the
// definition, its process instances that match the filter and have the
// element in each state (once per instance; a sub-process or call activity
// with an incident below it counts under incidents): what Operate shows as
// badges on the diagram (store.ElementStatistics has the rules).
func (m *Embedded) GetProcessDefinitionElementStatistics(ctx context.Context, key Key, q *ProcessDefinitionElementStatisticsQuery) (*ProcessDefinitionElementStatisticsResult, error) {
	if _, err := m.GetProcessDefinition(ctx, key); err != nil {
		return nil, err
	}
	var where []store.Cond
	if q != nil && q.Filter != nil {
		spec := m.processInstanceSpec(ctx)
		cs, err := processInstanceConds(spec, &q.Filter.ProcessInstanceFilterFields)
		if err != nil {
			return nil, err
		}
		where = append(where, cs...)
		if q.Filter.Or != nil {
			groups := make([][]store.Cond, len(q.Filter.Or))
			for i := range q.Filter.Or {
				if groups[i], err = processInstanceConds(spec, &q.Filter.Or[i]); err != nil {
					return nil, err
				}
			}
			where = append(where, store.Or(groups...))
		}
	}
	stats, err := m.store.ElementStatistics(ctx, int64(key), where)
	if err != nil {
		return nil, fromEngine(err)
	}
	return &ProcessDefinitionElementStatisticsResult{Items: elementStatistics(stats)}, nil
}

// elementStatistics are the store's counts per element in the API's terms
// (an empty list, not null, when nothing ran).
func elementStatistics(stats []store.ElementStatistic) []ProcessElementStatistics {
	out := make([]ProcessElementStatistics, 0, len(stats))
	for _, s := range stats {
		out = append(out, ProcessElementStatistics{ElementID: s.ElementID, Active: s.Active, Canceled: s.Canceled,
			Incidents: s.Incidents, Completed: s.Completed})
	}
	return out
}

// GetProcessDefinitionElementStatistics asks the cluster for the counts per
// element of a definition.
func (r *Remote) GetProcessDefinitionElementStatistics(ctx context.Context, key Key, q *ProcessDefinitionElementStatisticsQuery) (*ProcessDefinitionElementStatisticsResult, error) {
	if q == nil {
		q = &ProcessDefinitionElementStatisticsQuery{}
	}
	return remotePost[ProcessDefinitionElementStatisticsResult](ctx, r, "/process-definitions/"+key.String()+"/statistics/element-instances", q)
}
