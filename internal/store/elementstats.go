package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ElementStatistic counts the element instances of one element.
type ElementStatistic struct {
	ElementID                              string
	Active, Incidents, Completed, Canceled int64
}

// parentStep is the element instance above the key a walk stands on: the
// flow scope of an element instance (e), or, for a process instance (p:
// the process's own scope has no element_instances row; files from
// before have one of type PROCESS, which the walk leaves alone), the call
// activity that started it. It is 0, NULL or the key itself at the top of
// a tree.
const parentStep = `CASE WHEN e.key IS NULL THEN p.parent_element_instance_key ELSE e.flow_scope_key END`

// stepUp joins what a recursive walk stands on (at column at): the
// element instance e or else the process instance p, and stops at the top
// of the tree.
func stepUp(at string) string {
	return `LEFT JOIN element_instances e ON e.key = ` + at + ` AND e.type <> 'PROCESS'
  LEFT JOIN process_instances p ON e.key IS NULL AND p.key = ` + at + `
  WHERE COALESCE(` + parentStep + `, 0) NOT IN (0, ` + at + `)`
}

// flaggedCTE is the recursive CTE flagged(k): the element instances with an
// active incident among those the incidents condition selects, and every
// element instance above them (flow scopes, and the call activity above a
// called process instance).
func flaggedCTE(incidents string) string {
	return `flagged(k) AS (
  SELECT element_instance_key FROM incidents
  WHERE state = 'ACTIVE' AND element_instance_key IS NOT NULL AND ` + incidents + `
  UNION
  SELECT ` + parentStep + `
  FROM flagged ` + stepUp("flagged.k") + `
)`
}

// scanElementStatistics reads rows of (element_id, active, incidents,
// completed, canceled).
func (s *Store) scanElementStatistics(ctx context.Context, rows *sql.Rows, what string) ([]ElementStatistic, error) {
	defer rows.Close()
	var out []ElementStatistic
	for rows.Next() {
		var e ElementStatistic
		if err := rows.Scan(&e.ElementID, &e.Active, &e.Incidents, &e.Completed, &e.Canceled); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, e)
	}
	return out, searchTimeout(ctx, rows.Err(), s.searchCaps.Time)
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
	q := `WITH RECURSIVE pis(key) AS (` + sub + `),
` + flaggedCTE("root_process_instance_key IN (SELECT root_process_instance_key FROM process_instances WHERE key IN pis)") + `,
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
	return s.scanElementStatistics(ctx, rows, "element statistics")
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
	rows, err := s.reads.query(ctx, instanceStatisticsSQL, processInstanceKey, processInstanceKey, processInstanceKey)
	if err != nil {
		return nil, searchTimeout(ctx, fmt.Errorf("element statistics of instance %d: %w", processInstanceKey, err), s.searchCaps.Time)
	}
	return s.scanElementStatistics(ctx, rows, fmt.Sprintf("element statistics of instance %d", processInstanceKey))
}

// instanceStatisticsSQL counts the element instances of the process
// instance ?3 per element and state, the active incidents of its call tree
// (that of the root of the instance ?1 and ?2) flagging their element
// instances and those above them.
var instanceStatisticsSQL = `WITH RECURSIVE ` + flaggedCTE("process_instance_key IN ("+treeKeys("(SELECT root_process_instance_key FROM process_instances WHERE key = ?)")+")") + `
SELECT e.element_id,
  SUM(e.state = 'ACTIVE' AND e.has_incident = 0 AND e.key NOT IN flagged),
  SUM(e.state = 'ACTIVE' AND (e.has_incident <> 0 OR e.key IN flagged)),
  SUM(e.state = 'COMPLETED'), SUM(e.state = 'TERMINATED')
FROM element_instances e
WHERE e.process_instance_key = ? AND e.type NOT IN ('PROCESS', 'MULTI_INSTANCE_BODY')
GROUP BY e.element_id ORDER BY e.element_id`

// IncidentsBelow is a condition on incidents: those raised on the element
// instance or anywhere below it, in its own process instance or in the
// instances its call activities started (what Camunda's tree path of an
// incident says). rootProcessInstanceKey is the root of the element
// instance's call tree: only its incidents are walked.
func IncidentsBelow(elementInstanceKey, rootProcessInstanceKey int64) Cond {
	return Raw(`incidents.key IN (WITH RECURSIVE up(ik, k) AS (
  SELECT i.key, i.element_instance_key FROM incidents i
  WHERE i.element_instance_key IS NOT NULL
    AND i.process_instance_key IN (`+treeKeys("?")+`)
  UNION
  SELECT up.ik, `+parentStep+`
  FROM up `+stepUp("up.k")+` AND up.k <> ?
) SELECT ik FROM up WHERE k = ?)`, rootProcessInstanceKey, rootProcessInstanceKey, elementInstanceKey, elementInstanceKey)
}
