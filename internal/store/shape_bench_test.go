//go:build linux

package store

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStorageShape measures how many one-task instances per second
// the storage alone can make durable in several shapes of storage, and
// what each writer goroutine spends per instance: the ceiling of the
// engine's committer without the engine, to decide whether a rate needs
// another storage design. Run it with many instances, several times, and
// read the CPU per writer (load moves the wall-clock rate much more):
//
//	go test ./internal/store -run '^$' -bench StorageShape -benchtime 20000x
//
// A batch holds the rows of perBatch instances created, perBatch activated
// (created by the batch before) and perBatch completed (activated by the
// batch before). Each instance writes the rows it writes in the engine
// (order.bpmn, internal/engine/rows_test.go: 15 row writes; the batch adds
// the key counter), built as the engine builds them and sealed into Rows
// as its writer does, on a producer goroutine that runs ahead of the
// writers (the engine's writer seals batch N+1 while N commits). Shapes:
//
//   - A-today: one file, one writer, synchronous=FULL.
//   - B-no-indexes: A without any secondary index on the four runtime
//     tables: the floor of what trimming indexes can give (searches and
//     restarts would scan).
//   - C-two-files: process and element instances in one file, jobs and
//     variables in another, each with its own writer goroutine and
//     connection (FULL), committing each batch in parallel; a batch is
//     done when both are durable. (Not crash-atomic across the files as
//     it is: a crash between the two commits leaves one file a batch
//     ahead, and nothing to redo the other from.)
//   - D-log+tables: Zeebe's shape. One goroutine appends the batch's rows,
//     encoded as one blob (appendLogEntry), as one row of a log table in
//     its own SQLite file (FULL), while another writes the tables and the
//     applied log position to a second file at synchronous=NORMAL (no
//     fsync but at checkpoints); a batch is done when both are, so reads
//     still see what was answered. Dfile-log+tables: the log is a plain
//     file, appended and fdatasynced.
//   - E-Dfile+no-indexes: D's file log with B's tables.
//   - ref-A-NORMAL: A without the fsync per commit (not durable): what
//     the fsync costs the writer.
//   - E-batch50, E-batch100, E-no-indexes-batch50: A (and B) with larger
//     batches.
//
// Op: one instance. Metrics: instances/s (wall); per writer goroutine,
// each locked to its OS thread, CPU µs per instance (cpu-us/inst-NAME,
// from getrusage(RUSAGE_THREAD)), commits, and write system calls and KiB
// written per commit (/proc/thread-self/io; a WAL frame is a page and 24
// bytes, so KiB per commit over 4 is about the frames); the producer's CPU
// per instance (building and sealing rows, the engine's work); the
// process's CPU per instance (every thread: the store's checkpointer and
// the garbage collector too); and ceiling-inst/s, 1e6 over the busiest
// writer's CPU per instance: the rate when each writer has a core of its
// own and nothing else runs.
func BenchmarkStorageShape(b *testing.B) {
	for _, sh := range storageShapes {
		b.Run(sh.name, func(b *testing.B) { runShape(b, sh) })
	}
}

// shapePerBatch is the instances created (and activated, and completed)
// by one batch: the engine's benchmark commits about 25 to 30 one-task
// instances per transaction.
const shapePerBatch = 25

type storageShape struct {
	name string
	// open returns the writers; each gets every batch, in order.
	open func(b *testing.B, dir string) []shapeWriter
	// split: rows[0] holds process and element instances, rows[1] jobs
	// and variables (shape C); otherwise rows[0] holds all.
	split bool
	// perBatch: instances per batch (0: shapePerBatch).
	perBatch int
}

// shapeWriter makes a batch durable (or applies it) on its own goroutine.
type shapeWriter struct {
	name  string
	write func(ctx context.Context, bt *shapeBatch) error
	close func() error
}

type shapeBatch struct {
	seq       int64
	rows      [2]Rows
	key       int64 // the key counter after the batch
	completed int
}

var storageShapes = []storageShape{
	{name: "A-today", open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{tablesWriter(b, dir, "FULL", 0)}
	}},
	{name: "B-no-indexes", open: func(b *testing.B, dir string) []shapeWriter {
		w, s := openTables(b, dir, "FULL", 0)
		dropRuntimeIndexes(b, s)
		return []shapeWriter{w}
	}},
	{name: "C-two-files", split: true, open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{
			tablesWriter(b, filepath.Join(dir, "instances"), "FULL", 0),
			tablesWriter(b, filepath.Join(dir, "jobsvars"), "FULL", 1),
		}
	}},
	{name: "D-log+tables", open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{sqliteLogWriter(b, dir), tablesWriter(b, filepath.Join(dir, "tables"), "NORMAL", 0)}
	}},
	{name: "Dfile-log+tables", open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{fileLogWriter(b, dir), tablesWriter(b, filepath.Join(dir, "tables"), "NORMAL", 0)}
	}},
	{name: "E-Dfile+no-indexes", open: func(b *testing.B, dir string) []shapeWriter {
		w, s := openTables(b, filepath.Join(dir, "tables"), "NORMAL", 0)
		dropRuntimeIndexes(b, s)
		return []shapeWriter{fileLogWriter(b, dir), w}
	}},
	{name: "ref-A-NORMAL", open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{tablesWriter(b, dir, "NORMAL", 0)}
	}},
	{name: "E-batch50", perBatch: 50, open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{tablesWriter(b, dir, "FULL", 0)}
	}},
	{name: "E-batch100", perBatch: 100, open: func(b *testing.B, dir string) []shapeWriter {
		return []shapeWriter{tablesWriter(b, dir, "FULL", 0)}
	}},
	{name: "E-no-indexes-batch50", perBatch: 50, open: func(b *testing.B, dir string) []shapeWriter {
		w, s := openTables(b, dir, "FULL", 0)
		dropRuntimeIndexes(b, s)
		return []shapeWriter{w}
	}},
}

// tablesWriter opens a store in dir (synchronous sync) whose writer
// commits rows[part] of each batch with the key counter and the batch's
// sequence number: the applied log position (D), or what tells whether
// the two files of C hold the same batches.
func tablesWriter(b *testing.B, dir, sync string, part int) shapeWriter {
	w, _ := openTables(b, dir, sync, part)
	return w
}

func openTables(b *testing.B, dir, sync string, part int) (shapeWriter, *Store) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	s, err := Open(context.Background(), dir, Options{Synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	name := "tables"
	if part == 1 {
		name = "tables2"
	}
	return shapeWriter{name: name, close: s.Close, write: func(ctx context.Context, bt *shapeBatch) error {
		tx, err := s.Begin(ctx)
		if err != nil {
			return err
		}
		if err := tx.Write(ctx, &bt.rows[part]); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.SetMeta(ctx, "key", bt.key); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.SetMeta(ctx, "batch", bt.seq); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}}, s
}

// dropRuntimeIndexes drops every index of the tables a one-task instance
// writes but their primary keys.
func dropRuntimeIndexes(b *testing.B, s *Store) {
	rows, err := s.write.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN ('process_instances', 'element_instances', 'jobs', 'variables')`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			b.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	if len(names) == 0 {
		b.Fatal("no index on the runtime tables")
	}
	for _, n := range names {
		if _, err := s.write.Exec("DROP INDEX " + n); err != nil {
			b.Fatal(err)
		}
	}
}

// sqliteLogWriter appends each batch's rows, encoded, as one row of a log
// table in its own SQLite file, synchronous=FULL.
func sqliteLogWriter(b *testing.B, dir string) shapeWriter {
	path := filepath.Join(dir, "log.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE log (pos INTEGER PRIMARY KEY, batch BLOB NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	st, err := db.Prepare("INSERT INTO log (pos, batch) VALUES (?, ?)")
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	closeLog := func() error {
		st.Close()
		return db.Close()
	}
	return shapeWriter{name: "log", close: closeLog, write: func(ctx context.Context, bt *shapeBatch) error {
		buf = appendLogEntry(buf[:0], &bt.rows[0], bt.key)
		_, err := st.ExecContext(ctx, bt.seq, buf)
		return err
	}}
}

// fileLogWriter appends each batch's rows, encoded, to a plain file
// (length, CRC-32, entry) and fdatasyncs it.
func fileLogWriter(b *testing.B, dir string) shapeWriter {
	f, err := os.OpenFile(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	return shapeWriter{name: "log", close: f.Close, write: func(ctx context.Context, bt *shapeBatch) error {
		buf = append(buf[:0], 0, 0, 0, 0, 0, 0, 0, 0) // length, CRC
		buf = appendLogEntry(buf, &bt.rows[0], bt.key)
		binary.LittleEndian.PutUint32(buf, uint32(len(buf)-8))
		binary.LittleEndian.PutUint32(buf[4:], crc32.ChecksumIEEE(buf[8:]))
		if _, err := f.Write(buf); err != nil {
			return err
		}
		return syscall.Fdatasync(int(f.Fd()))
	}}
}

// appendLogEntry encodes rows (each row's table, whether it is an update,
// and its values) and the key counter: what a restart would replay.
func appendLogEntry(dst []byte, r *Rows, key int64) []byte {
	dst = binary.AppendVarint(dst, key)
	dst = binary.AppendUvarint(dst, uint64(len(r.rows)))
	for _, row := range r.rows {
		dst = append(dst, logTableID(row.table))
		if row.stored {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
		dst = binary.AppendUvarint(dst, uint64(row.end-row.start))
		for _, a := range r.args[row.start:row.end] {
			switch v := a.Value.(type) {
			case nil:
				dst = append(dst, 0)
			case int64:
				dst = binary.AppendVarint(append(dst, 1), v)
			case string:
				dst = binary.AppendUvarint(append(dst, 2), uint64(len(v)))
				dst = append(dst, v...)
			case bool:
				if v {
					dst = append(dst, 3)
				} else {
					dst = append(dst, 4)
				}
			case []byte:
				dst = binary.AppendUvarint(append(dst, 5), uint64(len(v)))
				dst = append(dst, v...)
			case float64:
				dst = binary.LittleEndian.AppendUint64(append(dst, 6), math.Float64bits(v))
			default:
				panic(fmt.Sprintf("log entry: %T", v))
			}
		}
	}
	return dst
}

func logTableID(t string) byte {
	switch t {
	case "process_instances":
		return 1
	case "element_instances":
		return 2
	case "jobs":
		return 3
	case "variables":
		return 4
	}
	return 0
}

// oneTaskLoad makes the records of one-task instances as the engine does
// (order.bpmn: a start event, a service task with an input and an output
// mapping and a header, an end event).
type oneTaskLoad struct {
	def                int64
	next               int64
	created, activated []*oneTaskInstance
}

type oneTaskInstance struct {
	pi                *ProcessInstance
	proc, start, task *ElementInstance
	job               *Job
}

func (l *oneTaskLoad) key() int64 { l.next++; return l.next }

// batch returns the records of one batch (n instances completed, n
// activated, n created), and the first key it made.
func (l *oneTaskLoad) batch(n int) (recs []Record, newFrom int64, completed int) {
	newFrom = l.next + 1
	now := time.Now()
	for _, in := range l.activated {
		p, t := in.pi.Key, in.task.Key
		in.job.State, in.job.EndTime, in.job.LastUpdateTime = "COMPLETED", now, now
		receipt := l.variable(in.pi, l.key(), t, "receipt", `{"id":"r"}`)
		in.task.State, in.task.EndDate, in.task.Runtime = StateCompleted, now, ScopeRuntime{Lifecycle: "COMPLETED"}
		receiptID := l.variable(in.pi, l.key(), p, "receiptId", `"r"`)
		end := l.element(in.pi, l.key(), "end", "Order done", "END_EVENT", now)
		end.State, end.EndDate, end.Runtime = StateCompleted, now, ScopeRuntime{Lifecycle: "COMPLETED"}
		in.proc.State, in.proc.EndDate, in.proc.Runtime = StateCompleted, now, ScopeRuntime{Lifecycle: "COMPLETED"}
		in.pi.State, in.pi.EndDate, in.pi.TakenFlows = StateCompleted, now, []string{"f1", "f2"}
		recs = append(recs, in.job, receipt, in.task, receiptID, end, in.proc, in.pi)
	}
	completed = len(l.activated)
	for _, in := range l.created {
		in.job.Worker, in.job.Deadline, in.job.Activated, in.job.LastUpdateTime = "bench", now.Add(time.Minute), true, now
		recs = append(recs, in.job)
	}
	l.activated, l.created = l.created, nil
	for range n {
		p := l.key()
		pi := &ProcessInstance{Key: p, ProcessDefinitionKey: l.def, ProcessID: "order", ProcessName: "Order", Version: 1,
			VersionTag: "v1", State: StateActive, StartDate: now, TenantID: "<default>", RootProcessInstanceKey: p,
			TakenFlows: []string{"f1"}}
		in := &oneTaskInstance{pi: pi}
		order := l.variable(pi, l.key(), p, "order", `{"total":9.99}`)
		in.proc = l.element(pi, p, "order", "Order", "PROCESS", now)
		in.proc.FlowScopeKey, in.proc.Runtime = 0, ScopeRuntime{Lifecycle: "ACTIVATED", ActiveChildren: 1}
		in.start = l.element(pi, l.key(), "start", "Order received", "START_EVENT", now)
		in.start.State, in.start.EndDate, in.start.Runtime = StateCompleted, now, ScopeRuntime{Lifecycle: "COMPLETED"}
		in.task = l.element(pi, l.key(), "charge", "Charge card", "SERVICE_TASK", now)
		cents := l.variable(pi, l.key(), in.task.Key, "cents", "999")
		in.job = &Job{Key: l.key(), Type: "charge-card", State: "CREATED", Kind: "BPMN_ELEMENT", ListenerEventType: "UNSPECIFIED",
			Retries: 2, CustomHeaders: map[string]string{"currency": "EUR"}, CreationTime: now, LastUpdateTime: now,
			ElementID: "charge", ElementInstanceKey: in.task.Key, ProcessInstanceKey: p, RootProcessInstanceKey: p,
			ProcessDefinitionKey: l.def, ProcessID: "order", ProcessVersion: 1, TenantID: "<default>"}
		in.task.Runtime = ScopeRuntime{Lifecycle: "ACTIVATED", JobKey: in.job.Key}
		recs = append(recs, pi, order, in.proc, in.start, in.task, cents, in.job)
		l.created = append(l.created, in)
	}
	return recs, newFrom, completed
}

func (l *oneTaskLoad) variable(pi *ProcessInstance, key, scope int64, name, value string) *Variable {
	return &Variable{Key: key, Name: name, Value: value, ScopeKey: scope, ProcessInstanceKey: pi.Key,
		RootProcessInstanceKey: pi.Key, ProcessDefinitionKey: l.def, ProcessID: "order", TenantID: "<default>"}
}

func (l *oneTaskLoad) element(pi *ProcessInstance, key int64, id, name, typ string, now time.Time) *ElementInstance {
	return &ElementInstance{Key: key, ProcessInstanceKey: pi.Key, RootProcessInstanceKey: pi.Key,
		ProcessDefinitionKey: l.def, ProcessID: "order", ElementID: id, ElementName: name, Type: typ,
		State: StateActive, StartDate: now, TenantID: "<default>", FlowScopeKey: pi.Key}
}

// threadUsage is what the calling OS thread spent so far.
type threadUsage struct {
	cpu          time.Duration
	syscw, wchar int64
}

func readThreadUsage() threadUsage {
	var u threadUsage
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err == nil {
		u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	f, err := os.Open("/proc/thread-self/io")
	if err != nil {
		return u
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "syscw":
			u.syscw = n
		case "wchar":
			u.wchar = n
		}
	}
	return u
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writerResult is one writer's usage over the run.
type writerResult struct {
	use     threadUsage
	commits int
	err     error
}

func runShape(b *testing.B, sh storageShape) {
	ctx := context.Background()
	dir := b.TempDir()
	writers := sh.open(b, dir)
	defer func() {
		for _, w := range writers {
			if err := w.close(); err != nil {
				b.Error(err)
			}
		}
	}()
	load := &oneTaskLoad{def: 1, next: 1 << 20}
	perBatch := sh.perBatch
	if perBatch == 0 {
		perBatch = shapePerBatch
	}

	// The producer seals batches one ahead of the writers (the engine's
	// writer seals batch N+1 while N commits); a batch is done when every
	// writer has finished it.
	const ahead = 2
	ins := make([]chan *shapeBatch, len(writers))
	dones := make([]chan *shapeBatch, len(writers))
	results := make([]writerResult, len(writers))
	var wg sync.WaitGroup
	for i, w := range writers {
		ins[i], dones[i] = make(chan *shapeBatch, ahead), make(chan *shapeBatch, ahead)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			start := readThreadUsage()
			for bt := range ins[i] {
				if err := w.write(ctx, bt); err != nil && results[i].err == nil {
					results[i].err = fmt.Errorf("%s: %w", w.name, err)
				}
				results[i].commits++
				dones[i] <- bt
			}
			end := readThreadUsage()
			results[i].use = threadUsage{cpu: end.cpu - start.cpu, syscw: end.syscw - start.syscw,
				wchar: end.wchar - start.wchar}
			close(dones[i])
		}()
	}
	free := make(chan *shapeBatch, ahead+1)
	for range ahead + 1 {
		free <- &shapeBatch{}
	}
	completed := 0
	doneAll := make(chan struct{})
	go func() { // the acknowledgements, in order
		defer close(doneAll)
		for {
			var bt *shapeBatch
			for i := range dones {
				p, ok := <-dones[i]
				if !ok {
					return
				}
				bt = p
			}
			completed += bt.completed
			free <- bt
		}
	}()

	// The producer's thread: what building and sealing the rows costs
	// (the engine's writer does that).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prod0 := readThreadUsage()
	cpu0 := processCPU()
	b.ResetTimer()
	start := time.Now()
	produced := 0
	for seq := int64(1); produced < b.N; seq++ {
		bt := <-free
		recs, newFrom, n := load.batch(min(perBatch, b.N))
		produced += n
		bt.seq, bt.completed = seq, n
		bt.rows[0].Reset()
		bt.rows[1].Reset()
		for _, r := range recs {
			part := 0
			if sh.split {
				switch r.(type) {
				case *Job, *Variable:
					part = 1
				}
			}
			if err := bt.rows[part].AddNewFrom(r, newFrom); err != nil {
				b.Fatal(err)
			}
		}
		bt.key = load.next
		for i := range ins {
			ins[i] <- bt
		}
	}
	prod := readThreadUsage().cpu - prod0.cpu
	for i := range ins {
		close(ins[i])
	}
	wg.Wait()
	<-doneAll
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := processCPU() - cpu0
	for _, r := range results {
		if r.err != nil {
			b.Fatal(r.err)
		}
	}
	if completed == 0 {
		return
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(completed) }
	b.ReportMetric(float64(completed)/elapsed.Seconds(), "instances/s")
	b.ReportMetric(per(cpu), "cpu-us/inst")
	b.ReportMetric(per(prod), "cpu-us/inst-producer")
	busiest := 0.0
	for i, w := range writers {
		r := results[i]
		busiest = max(busiest, per(r.use.cpu))
		b.ReportMetric(per(r.use.cpu), "cpu-us/inst-"+w.name)
		b.ReportMetric(float64(r.commits), "commits-"+w.name)
		if r.commits > 0 {
			b.ReportMetric(float64(r.use.syscw)/float64(r.commits), "syscw/commit-"+w.name)
			b.ReportMetric(float64(r.use.wchar)/1024/float64(r.commits), "KiBw/commit-"+w.name)
		}
	}
	if busiest > 0 {
		b.ReportMetric(1e6/busiest, "ceiling-inst/s")
	}
}
