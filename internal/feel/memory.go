package feel

import "fmt"

// Default memory limits of one evaluation (see Limits).
const (
	DefaultMaxValueBytes = 16 << 20  // one string, list or context, as its JSON text would roughly measure
	DefaultMaxTotalBytes = 256 << 20 // every string, list and context built by one evaluation together
)

// Approximate sizes of value parts, in bytes: a list slot or a context entry
// as held in memory and as written in JSON.
const (
	slotBytes  = 16
	entryBytes = 32
)

// memoryError is the error of an evaluation that outgrew a memory limit.
func memoryError(what string, n, limit int64) error {
	return fmt.Errorf("%w: %s of about %d bytes, more than the limit of %d bytes", ErrLimitExceeded, what, n, limit)
}

// room fails the evaluation when a value of n bytes is about to be built
// that is larger than one value may be; builtins check before they allocate.
func (e *env) room(n int64) error {
	if n > int64(e.limits.MaxValueBytes) {
		return fatalError{memoryError("a value", n, int64(e.limits.MaxValueBytes))}
	}
	return nil
}

// charge accounts for a value the evaluation has built: it fails the
// evaluation when the value is larger than one value may be, or when
// everything built so far is more than the evaluation may build.
func (e *env) charge(v Value) Value {
	n := int64(shallowSize(v))
	if n < 64 || e.err != nil {
		return v
	}
	if n > int64(e.limits.MaxValueBytes) {
		e.fail(memoryError("a value", n, int64(e.limits.MaxValueBytes)))
		return Null{}
	}
	e.built += n
	if e.built > e.limits.MaxTotalBytes {
		e.fail(memoryError("values built by one evaluation", e.built, e.limits.MaxTotalBytes))
		return Null{}
	}
	return v
}

// shallowSize is the size of v without what its lists and contexts hold.
func shallowSize(v Value) int {
	switch v := v.(type) {
	case String:
		return len(v)
	case List:
		return len(v) * slotBytes
	case *Context:
		n := len(v.entries) * entryBytes
		for _, en := range v.entries {
			n += len(en.Key)
		}
		return n
	}
	return 0
}

// deepSize is the size of v with everything it holds, as its JSON text
// would roughly measure: a list that holds one list twice counts it twice.
// Counting stops once the size passes limit.
func deepSize(v Value, limit int) int {
	n := 0
	var walk func(v Value, depth int)
	walk = func(v Value, depth int) {
		if n > limit {
			return
		}
		if depth > 10_000 {
			n = limit + 1
			return
		}
		n += shallowSize(v) + 8
		switch v := v.(type) {
		case List:
			for _, it := range v {
				if n > limit {
					return
				}
				walk(it, depth+1)
			}
		case *Context:
			for _, en := range v.entries {
				if n > limit {
					return
				}
				walk(en.Value, depth+1)
			}
		}
	}
	walk(v, 0)
	return n
}

// deepRoom fails when v, with everything it holds, is larger than one value
// may be; for builtins that copy or render nested values (string, flatten).
func (e *env) deepRoom(v Value) error {
	if n := deepSize(v, e.limits.MaxValueBytes); n > e.limits.MaxValueBytes {
		return fatalError{memoryError("a value", int64(n), int64(e.limits.MaxValueBytes))}
	}
	return nil
}
