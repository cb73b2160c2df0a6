package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// memoryReturner gives memory back to the operating system once orca start
// goes quiet after a burst of work.
//
// The Go runtime lets the heap grow to twice what is live before it
// collects (GOGC=100) and keeps what it grew to: it returns free heap only
// above about 110 % of that goal, and a quiet server runs no collection
// that would lower it. After the bench's runs orca start held about
// 37 MiB of free heap that way, and its idle read connections 1 to 8 MiB
// of SQLite's memory (Store.ReleaseIdle), for as long as it ran. So
// when at least burst bytes were allocated since the last return and the
// allocations then stay at most quiet bytes a tick for quietTicks ticks,
// the returner releases the store's idle connections and runs
// debug.FreeOSMemory (a collection, then every free page given back).
// Under steady load it does nothing: the ticks are never quiet.
type memoryReturner struct {
	burst, quiet uint64
	quietTicks   int
	// allocated is the bytes allocated since the process started;
	// release gives the store's idle memory back; free collects and
	// returns the heap's free pages.
	allocated      func() uint64
	release, free  func()
	last, previous uint64 // allocated at the last return and at the last tick
	quietFor       int
}

// Defaults of orca start: a tick a second; a burst is 64 MiB allocated
// (about a thousand REST calls); quiet is at most 1 MiB a second (an idle
// orca start with its built-in workers and a Prometheus scrape allocates
// far less) for 5 s.
const (
	memoryReturnTick = time.Second
	memoryBurst      = 64 << 20
	memoryQuiet      = 1 << 20
	memoryQuietTicks = 5
)

func newMemoryReturner(release func()) *memoryReturner {
	m := &memoryReturner{burst: memoryBurst, quiet: memoryQuiet, quietTicks: memoryQuietTicks,
		allocated: heapAllocated, release: release, free: debug.FreeOSMemory}
	m.last = m.allocated()
	m.previous = m.last
	return m
}

// tick notes the allocations since the last tick and returns memory when
// a burst was followed by quiet; it reports whether it did.
func (m *memoryReturner) tick() bool {
	now := m.allocated()
	if now-m.previous <= m.quiet {
		m.quietFor++
	} else {
		m.quietFor = 0
	}
	m.previous = now
	if m.quietFor < m.quietTicks || now-m.last < m.burst {
		return false
	}
	m.release()
	m.free()
	m.last = m.allocated()
	m.previous, m.quietFor = m.last, 0
	return true
}

// run ticks until ctx is done; returned is called after each return.
func (m *memoryReturner) run(ctx context.Context, every time.Duration, log *slog.Logger, returned func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if m.tick() {
				returned()
				log.Debug("quiet after a burst of work: memory given back to the operating system", "heapReleasedBytes", heapReleased())
			}
		}
	}
}

// heapAllocated is the bytes of heap allocated since the process started.
func heapAllocated() uint64 { return readMetric("/gc/heap/allocs:bytes") }

// heapReleased is the heap memory given back to the operating system.
func heapReleased() uint64 { return readMetric("/memory/classes/heap/released:bytes") }

func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
