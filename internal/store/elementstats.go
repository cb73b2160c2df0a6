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

// ElementStatistics counts the element instances of a process definition
// per element, over its process instances that match where (conditions on
// process_instances): active without an incident, active with one,
// completed, and terminated. The process itself and multi-instance bodies
// (which share their activity's id) are not counted.
func (s *Store) ElementStatistics(ctx context.Context, processDefinitionKey int64, where []Cond) ([]ElementStatistic, error) {
	ctx, cancel := context.WithTimeout(ctx, s.searchCaps.Time)
	defer cancel()
	sub := "SELECT key FROM process_instances WHERE process_definition_key = ?"
	args := []any{processDefinitionKey, processDefinitionKey}
	cols := tables["process_instances"]
	for _, c := range where {
		sql, a, err := condSQL(cols, &ProcessInstance{}, c)
		if err != nil {
			return nil, err
		}
		sub += " AND " + sql
		args = append(args, a...)
	}
	q := `SELECT element_id,
  SUM(state = 'ACTIVE' AND has_incident = 0), SUM(state = 'ACTIVE' AND has_incident <> 0),
  SUM(state = 'COMPLETED'), SUM(state = 'TERMINATED')
FROM element_instances
WHERE process_definition_key = ? AND type NOT IN ('PROCESS', 'MULTI_INSTANCE_BODY') AND process_instance_key IN (` + sub + `)
GROUP BY element_id ORDER BY element_id`
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
