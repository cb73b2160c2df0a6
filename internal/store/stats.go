package store

import (
	"context"
	"fmt"
	"os"
)

// Count is the number of rows with one combination of labels.
type Count struct {
	Labels []string
	N      int64
}

// ActiveElements selects the active element instances (a condition on
// element_instances): those of the active process instances, found
// through their index, that are active themselves. An active element
// instance belongs to an active process instance; the element instances
// have no index on their state (two entries to write for each one that is
// ever active), so a search of active ones states this to read only the
// active process instances' rows, not every element instance of the
// history.
const ActiveElements = "process_instance_key IN (SELECT key FROM process_instances WHERE state = 'ACTIVE') AND state = 'ACTIVE'"

// ActiveElementInstanceCounts counts the active element instances by type
// (labels: type, "ACTIVE"). Finished ones are not counted: that would read
// every element instance of the history (15 s at a million finished
// instances) where this reads the active ones (ActiveElements). The
// processes' own element instances (type PROCESS) are the active process
// instances: they have no element_instances row (ProcessInstance.Scope).
func (s *Store) ActiveElementInstanceCounts(ctx context.Context) ([]Count, error) {
	return s.counts(ctx, "SELECT type, state, count(*) FROM element_instances WHERE "+ActiveElements+" AND type <> 'PROCESS' GROUP BY type, state"+
		" UNION ALL SELECT 'PROCESS', 'ACTIVE', count(*) FROM process_instances WHERE state = 'ACTIVE' HAVING count(*) > 0", 2)
}

// ActiveIncidentCounts counts active incidents by error type.
func (s *Store) ActiveIncidentCounts(ctx context.Context) ([]Count, error) {
	return s.counts(ctx, "SELECT error_type, count(*) FROM incidents WHERE state = 'ACTIVE' GROUP BY error_type", 1)
}

func (s *Store) counts(ctx context.Context, q string, labels int) ([]Count, error) {
	rows, err := s.reads.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		c := Count{Labels: make([]string, labels)}
		dest := make([]any, 0, labels+1)
		for i := range c.Labels {
			dest = append(dest, &c.Labels[i])
		}
		if err := rows.Scan(append(dest, &c.N)...); err != nil {
			return nil, fmt.Errorf("count: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Size is the bytes the store takes on disk: the database file, its
// write-ahead log and shared-memory index.
func (s *Store) Size() int64 {
	var n int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(s.path + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// Ping checks that the store answers a read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("read from the store: %w", err)
	}
	return nil
}

// OpenJobCounts counts the jobs that wait for a worker (activatable, or
// failed and waiting out their back-off) and those a worker holds, by job
// type: the job queues' depths.
func (s *Store) OpenJobCounts(ctx context.Context) ([]Count, error) {
	return s.counts(ctx, `SELECT type, CASE WHEN activated = 1 THEN 'activated' ELSE 'waiting' END, count(*) FROM jobs
		WHERE state IN ('CREATED', 'FAILED', 'TIMED_OUT', 'RETRIES_UPDATED') AND (activated = 1 OR retries > 0) GROUP BY 1, 2`, 2)
}
