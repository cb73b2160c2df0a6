package feel

// Equal reports whether a and b are equal as FEEL's '=' decides; ok is false
// when they are of incomparable types (FEEL's '=' is then null).
func Equal(a, b Value) (eq, ok bool) { return equal(a, b) }

// Compare orders a and b as FEEL's '<' does (-1, 0 or 1); ok is false when
// they cannot be ordered.
func Compare(a, b Value) (int, bool) { return compare(a, b) }
