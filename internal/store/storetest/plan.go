package storetest

import (
	"context"
	"database/sql"
	"fmt"
)

// QueryPlan is how SQLite would run q on db: the detail of each step of
// its query plan (EXPLAIN QUERY PLAN), in order.
func QueryPlan(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, fmt.Errorf("explain %s: %w", q, err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("explain %s: %w", q, err)
	}
	return plan, nil
}
