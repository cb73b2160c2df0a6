package engine

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"
)

// refHeap is the due heap as it was, through container/heap.
type refHeap []dueItem

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(dueItem)) }
func (h *refHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// TestDueHeapOrder: what is due comes out earliest first and, among items
// due at the same time (timers of one instant, deadlines of one batch),
// in the order container/heap gave them, pushes and pops interleaved.
func TestDueHeapOrder(t *testing.T) {
	t0 := time.UnixMilli(1_700_000_000_000)
	for _, c := range []struct {
		name  string
		times int // distinct times the items are due at
	}{{"all at once", 1}, {"a few instants", 5}, {"spread", 1000}} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(c.times)))
			var h dueHeap
			var ref refHeap
			key := int64(0)
			for round := range 50 {
				for range rng.IntN(40) {
					key++
					it := dueItem{at: t0.Add(time.Duration(rng.IntN(c.times)) * time.Millisecond), kind: dueKind(rng.IntN(4)), key: key}
					h.push(it.at, it.kind, it.key)
					heap.Push(&ref, it)
				}
				now := t0.Add(time.Duration(rng.IntN(c.times+1)) * time.Millisecond)
				if round == 49 {
					now = t0.Add(time.Hour) // all of it
				}
				for {
					got, ok := h.popDue(now)
					wantOK := ref.Len() > 0 && !ref[0].at.After(now)
					if ok != wantOK {
						t.Fatalf("round %d: due %v, want %v", round, ok, wantOK)
					}
					if !ok {
						break
					}
					if want := heap.Pop(&ref).(dueItem); got != want {
						t.Fatalf("round %d: popped %+v, want %+v", round, got, want)
					}
				}
				if at, ok := h.peek(); ok != (ref.Len() > 0) || ok && !at.Equal(ref[0].at) {
					t.Fatalf("round %d: next due %v %v, want %v", round, at, ok, ref)
				}
			}
			if len(h) != 0 {
				t.Fatalf("%d items left", len(h))
			}
		})
	}
}
