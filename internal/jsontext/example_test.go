package jsontext_test

import (
	"fmt"

	"github.com/orcabpm/orca/internal/jsontext"
)

func ExampleValid() {
	fmt.Println(jsontext.Valid([]byte(`{"a":[1,{"b":null}]}`), jsontext.StdMaxDepth))
	fmt.Println(jsontext.Valid([]byte(`{"a":[1,{"b":null}]}`), 2)) // nests 3 deep
	fmt.Println(jsontext.Valid([]byte(`{"a":01}`), jsontext.StdMaxDepth))
	// Output:
	// true
	// false
	// false
}

func ExampleDecode() {
	v := jsontext.Decode(`{"total":9.990,"items":["a",true,null]}`)
	fmt.Printf("%#v\n", v)
	// Output:
	// map[string]interface {}{"items":[]interface {}{"a", true, interface {}(nil)}, "total":"9.990"}
}

// A caller's own walk over a text, piece by piece.
func ExampleString() {
	text := `  "caf\u00e9" , 12.5e3]`
	i := jsontext.Space(text, 0)
	end, escaped := jsontext.String(text, i)
	fmt.Println(text[i:end], escaped)
	i = jsontext.Space(text, end) + 1 // the comma
	i = jsontext.Space(text, i)
	fmt.Println(text[i:jsontext.Number(text, i)])
	// Output:
	// "caf\u00e9" true
	// 12.5e3
}
