package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// embeddedRuntime is how ScopeRuntime was laid out when its extra part was
// an embedded pointer: the stored JSON of rows written then must read the
// same now, and rows written now must be byte for byte what it wrote.
type embeddedRuntime struct {
	Lifecycle      string                    `json:"l,omitempty"`
	ActiveChildren int                       `json:"c,omitempty"`
	Joins          map[string]map[string]int `json:"j,omitempty"`
	JobKey         int64                     `json:"job,omitempty"`
	UserTaskKey    int64                     `json:"ut,omitempty"`
	*ScopeExtra
}

// ScopeRuntime's extra part is a named field (reading one of its fields
// where none was made does not compile, instead of panicking on the
// writer), and its JSON is still that of the embedded layout: the same
// bytes written, the same value read back (the extra part made only when
// the text has one of its fields), directly, through the column decoder
// and nested in a process scope.
func TestScopeRuntimeJSONAsEmbedded(t *testing.T) {
	// The embedded layout above has ScopeRuntime's exported fields, in
	// order, with their tags: a field added to one and not the other fails.
	rt, old := reflect.TypeFor[ScopeRuntime](), reflect.TypeFor[embeddedRuntime]()
	var exported []reflect.StructField
	for i := range rt.NumField() {
		if f := rt.Field(i); f.IsExported() {
			exported = append(exported, f)
		}
	}
	if len(exported) != old.NumField()-1 {
		t.Fatalf("ScopeRuntime has %d exported fields, the embedded layout %d: keep them alike", len(exported), old.NumField()-1)
	}
	for i, f := range exported {
		if g := old.Field(i); f.Name != g.Name || f.Type != g.Type || f.Tag != g.Tag {
			t.Fatalf("field %d: ScopeRuntime's %s %s %q, the embedded layout's %s %s %q", i, f.Name, f.Type, f.Tag, g.Name, g.Type, g.Tag)
		}
	}

	full := &ScopeExtra{SubscriptionKeys: []int64{1, 2}, TimerKeys: []int64{3}, SignalKeys: []int64{4}, Terminate: true,
		MessageStart: "m<&>", CalledInstance: 5, AdHocFulfilled: true,
		MultiInstance: &MultiInstanceRuntime{Items: []json.RawMessage{json.RawMessage(`"x"`)}},
		Trigger:       &EventTrigger{Flow: "f", Variables: map[string]json.RawMessage{"v": json.RawMessage(`1`)}},
		AdHocElement:  "a", Start: "s", ListenersDone: 2, Task: &TaskTransition{},
		Compensable: []Compensable{{ElementID: "c", Nested: true}}, CompensationThrow: 6, CompensationPending: 7}
	for i, v := 0, reflect.ValueOf(*full); i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Fatalf("the test's extra part leaves %s unset: set it", v.Type().Field(i).Name)
		}
	}
	for _, tc := range []struct {
		name  string
		extra *ScopeExtra
	}{
		{"no extra part", nil},
		{"an empty extra part", &ScopeExtra{}},
		{"one extra field", &ScopeExtra{Terminate: true}},
		{"every extra field", full},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ScopeRuntime{Lifecycle: "ACTIVATED", ActiveChildren: 1, Joins: map[string]map[string]int{"g": {"a": 1}}, JobKey: 8, UserTaskKey: 9}
			r.extra = tc.extra
			e := embeddedRuntime{r.Lifecycle, r.ActiveChildren, r.Joins, r.JobKey, r.UserTaskKey, tc.extra}
			got, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(e)
			if string(got) != string(want) {
				t.Fatalf("ScopeRuntime writes\n%s\nthe embedded layout wrote\n%s", got, want)
			}
			// What it reads back: the extra part only if the text has one
			// of its fields (an empty one is written as nothing).
			wantBack := r
			if tc.extra != nil && reflect.ValueOf(*tc.extra).IsZero() {
				wantBack.extra = nil
			}
			var back ScopeRuntime
			if err := json.Unmarshal(want, &back); err != nil {
				t.Fatal(err)
			}
			var col ScopeRuntime
			if err := (jsonCol{&col}).Scan(string(want)); err != nil {
				t.Fatal(err)
			}
			var scope ProcessScope
			if err := json.Unmarshal([]byte(`{"rt":`+string(want)+`,"inc":3}`), &scope); err != nil {
				t.Fatal(err)
			}
			for what, v := range map[string]ScopeRuntime{"json.Unmarshal": back, "the column": col, "the process scope": scope.Runtime} {
				if !reflect.DeepEqual(v, wantBack) || !reflect.DeepEqual(v.ExtraIfSet(), wantBack.ExtraIfSet()) {
					t.Errorf("%s read %+v (extra %+v), want %+v (extra %+v)", what, v, v.ExtraIfSet(), wantBack, wantBack.ExtraIfSet())
				}
			}
		})
	}
}
