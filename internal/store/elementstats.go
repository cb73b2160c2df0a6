package store

import (
	"context"
	"fmt"
)

// ElementStatistic counts the element instances of one element.
type ElementStatistic struct {
	ElementID                              string
	Active, Incidents, Completed, Canceled int64
}

// ElementStatistics counts, per element of a process definition, its
// process instances that match where (conditions on process_instances) and
// have an instance of the element active without an incident, active with
// one, completed, or terminated, as Camunda's secondary storage counts
// them: an element counts once per process instance and state however
// often it ran there (a loop, the inner instances of a multi-instance
// body with the body itself), and an element instance (a sub-process, a
// multi-instance body, a call activity) with an active incident anywhere
// below it, in its own or a called instance, counts as one with an
// incident. The process itself is not counted.
func (s *Store) ElementStatistics(ctx context.Context, processDefinitionKey int64, where []Cond) ([]ElementStatistic, error) {
	ctx, cancel := context.WithTimeout(ctx, s.searchCaps.Time)
	defer cancel()
	sub := "SELECT key FROM process_instances WHERE process_definition_key = ?"
	var subArgs []any
	cols := tables["process_instances"]
	for _, c := range where {
		sql, a, err := condSQL(cols, &ProcessInstance{}, c)
		if err != nil {
			return nil, err
		}
		sub += " AND " + sql
		subArgs = append(subArgs, a...)
	}
	// flagged: the element instances with an active incident and those
	// above them (flow scopes, and the call activity above a called
	// process instance).
	q := `WITH RECURSIVE pis(key) AS (` + sub + `),
flagged(k) AS (
  SELECT element_instance_key FROM incidents
  WHERE state = 'ACTIVE' AND element_instance_key IS NOT NULL AND root_process_instance_key IN (SELECT root_process_instance_key FROM process_instances WHERE key IN pis)
  UNION
  SELECT CASE WHEN e.type = 'PROCESS' THEN p.parent_element_instance_key ELSE e.flow_scope_key END
  FROM flagged JOIN element_instances e ON e.key = flagged.k LEFT JOIN process_instances p ON e.type = 'PROCESS' AND p.key = e.key
  WHERE COALESCE(CASE WHEN e.type = 'PROCESS' THEN p.parent_element_instance_key ELSE e.flow_scope_key END, 0) NOT IN (0, e.key)
),
per AS (
  SELECT e.element_id,
    MAX(e.state = 'ACTIVE' AND e.has_incident = 0 AND e.key NOT IN flagged) AS active,
    MAX(e.state = 'ACTIVE' AND (e.has_incident <> 0 OR e.key IN flagged)) AS incidents,
    MAX(e.state = 'COMPLETED') AS completed, MAX(e.state = 'TERMINATED') AS terminated
  FROM element_instances e
  WHERE e.process_definition_key = ? AND e.type <> 'PROCESS' AND e.process_instance_key IN pis
  GROUP BY e.process_instance_key, e.element_id
)
SELECT element_id, SUM(active), SUM(incidents), SUM(completed), SUM(terminated)
FROM per GROUP BY element_id ORDER BY element_id`
	args := append([]any{processDefinitionKey}, subArgs...)
	args = append(args, processDefinitionKey)
	rows, err := s.reads.query(ctx, q, args...)
	if err != nil {
		return nil, searchTimeout(ctx, fmt.Errorf("element statistics: %w", err), s.searchCaps.Time)
	}
	defer rows.Close()
	var out []ElementStatistic
	for rows.Next() {
		var e ElementStatistic
		if err := rows.Scan(&e.ElementID, &e.Active, &e.Incidents, &e.Completed, &e.Canceled); err != nil {
			return nil, fmt.Errorf("element statistics: %w", err)
		}
		out = append(out, e)
	}
	return out, searchTimeout(ctx, rows.Err(), s.searchCaps.Time)
}

// InstanceElementStatistics counts, per element of one process instance,
// its element instances in each state, as Camunda's RDBMS storage counts
// them for GET /process-instances/{key}/statistics/element-instances:
// every element instance of the instance counts (a loop's iterations and
// the inner instances of a multi-instance activity each once, the body
// itself not), the elements of the instances it called do not, and an
// active element instance with an active incident on it or anywhere below
// it (in its own or a called instance) counts under incidents instead of
// active.
func (s *Store) InstanceElementStatistics(ctx context.Context, processInstanceKey int64) ([]ElementStatistic, error) {
	ctx, cancel := context.WithTimeout(ctx, s.searchCaps.Time)
	defer cancel()
	q := `WITH RECURSIVE flagged(k) AS (
  SELECT element_instance_key FROM incidents
  WHERE state = 'ACTIVE' AND element_instance_key IS NOT NULL
    AND process_instance_key IN (SELECT key FROM process_instances WHERE root_process_instance_key = (SELECT root_process_instance_key FROM process_instances WHERE key = ?))
  UNION
  SELECT CASE WHEN e.type = 'PROCESS' THEN p.parent_element_instance_key ELSE e.flow_scope_key END
  FROM flagged JOIN element_instances e ON e.key = flagged.k LEFT JOIN process_instances p ON e.type = 'PROCESS' AND p.key = e.key
  WHERE COALESCE(CASE WHEN e.type = 'PROCESS' THEN p.parent_element_instance_key ELSE e.flow_scope_key END, 0) NOT IN (0, e.key)
)
SELECT e.element_id,
  SUM(e.state = 'ACTIVE' AND e.has_incident = 0 AND e.key NOT IN flagged),
  SUM(e.state = 'ACTIVE' AND (e.has_incident <> 0 OR e.key IN flagged)),
  SUM(e.state = 'COMPLETED'), SUM(e.state = 'TERMINATED')
FROM element_instances e
WHERE e.process_instance_key = ? AND e.type NOT IN ('PROCESS', 'MULTI_INSTANCE_BODY')
GROUP BY e.element_id ORDER BY e.element_id`
	rows, err := s.reads.query(ctx, q, processInstanceKey, processInstanceKey)
	if err != nil {
		return nil, searchTimeout(ctx, fmt.Errorf("element statistics of instance %d: %w", processInstanceKey, err), s.searchCaps.Time)
	}
	defer rows.Close()
	var out []ElementStatistic
	for rows.Next() {
		var e ElementStatistic
		if err := rows.Scan(&e.ElementID, &e.Active, &e.Incidents, &e.Completed, &e.Canceled); err != nil {
			return nil, fmt.Errorf("element statistics of instance %d: %w", processInstanceKey, err)
		}
		out = append(out, e)
	}
	return out, searchTimeout(ctx, rows.Err(), s.searchCaps.Time)
}

// IncidentsBelow is a condition on incidents: those raised on the element
// instance or anywhere below it, in its own process instance or in the
// instances its call activities started (what Camunda's tree path of an
// incident says). rootProcessInstanceKey is the root of the element
// instance's call tree: only its incidents are walked.
func IncidentsBelow(elementInstanceKey, rootProcessInstanceKey int64) Cond {
	return Raw(`incidents.key IN (WITH RECURSIVE up(ik, k) AS (
  SELECT i.key, i.element_instance_key FROM incidents i
  WHERE i.element_instance_key IS NOT NULL
    AND i.process_instance_key IN (SELECT key FROM process_instances WHERE root_process_instance_key = ?)
  UNION
  SELECT up.ik, CASE WHEN e.type = 'PROCESS' THEN p.parent_element_instance_key ELSE e.flow_scope_key END
  FROM up JOIN element_instances e ON e.key = up.k LEFT JOIN process_instances p ON e.type = 'PROCESS' AND p.key = e.key
  WHERE up.k <> ? AND COALESCE(CASE WHEN e.type = 'PROCESS' THEN p.parent_element_instance_key ELSE e.flow_scope_key END, 0) NOT IN (0, e.key)
) SELECT ik FROM up WHERE k = ?)`, rootProcessInstanceKey, elementInstanceKey, elementInstanceKey)
}
