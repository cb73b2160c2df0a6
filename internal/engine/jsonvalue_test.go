package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkDecodeJSON: a variable's decoding, against encoding/json's
// (jsontext's tests hold the two to the same values).
func BenchmarkDecodeJSON(b *testing.B) {
	const v = `{"order":{"total":9.99,"id":"o-1","items":[1,2,3]}}`
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decodeJSON(v)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			var x any
			if err := dec.Decode(&x); err != nil {
				b.Fatal(err)
			}
		}
	})
}
