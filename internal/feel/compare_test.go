package feel

import "testing"

func TestEqualCompare(t *testing.T) {
	n := func(s string) Value {
		x, err := ParseNumber(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		a, b     Value
		eq, eqOK bool
		cmp      int
		cmpOK    bool
	}{
		{n("1.0"), n("1"), true, true, 0, true},
		{n("2"), n("10"), false, true, -1, true},
		{String("b"), String("a"), false, true, 1, true},
		{String("1"), n("1"), false, false, 0, false},
		{Null{}, Null{}, true, true, 0, false},
		{List{n("1")}, List{n("1.00")}, true, true, 0, false},
	}
	for _, tt := range tests {
		eq, ok := Equal(tt.a, tt.b)
		if eq != tt.eq || ok != tt.eqOK {
			t.Errorf("Equal(%s, %s) = %v, %v; want %v, %v", Format(tt.a), Format(tt.b), eq, ok, tt.eq, tt.eqOK)
		}
		c, ok := Compare(tt.a, tt.b)
		if ok != tt.cmpOK || (ok && c != tt.cmp) {
			t.Errorf("Compare(%s, %s) = %v, %v; want %v, %v", Format(tt.a), Format(tt.b), c, ok, tt.cmp, tt.cmpOK)
		}
	}
}
