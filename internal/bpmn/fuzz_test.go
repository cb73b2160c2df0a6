package bpmn

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary documents: it must answer with a
// model or a ValidationError, never panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "engine", "testdata", "*.bpmn"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process></bpmn:definitions>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.bpmn", data)
		if err == nil && d == nil {
			t.Fatal("no model and no error")
		}
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
		}
	})
}
