package feel

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testVars = MapVariables{
	"amount":         json.Number("12.5"),
	"x":              7,
	"y":              nil,
	"name":           "Orca",
	"items":          []any{json.Number("1"), json.Number("2"), json.Number("3")},
	"orders":         []any{map[string]any{"id": "a", "total": 10.0}, map[string]any{"id": "b", "total": 30.0}},
	"toolCall":       map[string]any{"_meta": map[string]any{"id": "call-1", "name": "search"}, "q": "whales"},
	"Monthly Salary": json.Number("1000"),
	"flag":           true,
	"toolCallResult": map[string]any{"ok": true},
}

// eval evaluates src and renders the result with Format (strings quoted
// when nested), or "ERROR: ..." for errors.
func eval(t *testing.T, src string) (string, []Warning) {
	t.Helper()
	x, err := CompileWith(src, Options{Names: []string{"Monthly Salary"}, Now: func() time.Time {
		return time.Date(2024, 5, 17, 10, 30, 0, 0, time.UTC)
	}})
	if err != nil {
		return "COMPILE: " + err.Error(), nil
	}
	v, w, err := x.EvaluateDetailed(context.Background(), testVars)
	if err != nil {
		return "ERROR: " + err.Error(), w
	}
	if s, ok := v.(String); ok {
		return quote(string(s)), w
	}
	return Format(v), w
}

func TestEvaluate(t *testing.T) {
	tests := []struct{ src, want string }{
		// literals
		{`1`, "1"}, {`-1.50`, "-1.5"}, {`.5`, "0.5"}, {`"a\"b\n"`, `"a\"b\n"`}, {`"\u00e9"`, `"é"`},
		{`true`, "true"}, {`null`, "null"}, {`@"2024-01-01"`, "2024-01-01"}, {`@"P1DT2H"`, "P1DT2H"},
		{`@"10:00:00Z"`, "10:00:00Z"}, {`@"2024-01-01T10:00:00@Europe/Berlin"`, "2024-01-01T10:00:00@Europe/Berlin"},
		// arithmetic
		{`0.1 + 0.2`, "0.3"}, {`0.1 + 0.2 = 0.3`, "true"}, {`1 / 3`, "0.3333333333333333333333333333333333"},
		{`10 / 0`, "null"}, {`2 ** 10`, "1024"}, {`2 ** -1`, "0.5"}, {`-3 ** 2`, "9"}, {`7 - 2 * 3`, "1"},
		{`(7 - 2) * 3`, "15"}, {`1 + null`, "null"}, {`"a" + "b"`, `"ab"`}, {`"a" + 1`, "null"},
		{`amount * 2`, "25"}, {`Monthly Salary * 12`, "12000"},
		// comparison
		{`1 < 2`, "true"}, {`"a" < "b"`, "true"}, {`1 = "1"`, "null"}, {`null = null`, "true"}, {`1 != null`, "true"},
		{`date("2024-01-01") < date("2024-02-01")`, "true"}, {`duration("P1D") > duration("PT23H")`, "true"},
		{`true = true`, "true"}, {`true < false`, "null"}, {`[1,2] = [1,2]`, "true"}, {`{a:1} = {a:1}`, "true"},
		// logic
		{`true and null`, "null"}, {`false and null`, "false"}, {`true or null`, "true"}, {`false or null`, "null"},
		{`not(true)`, "false"}, {`not(null)`, "null"}, {`amount > 10 and x < 10`, "true"}, {`1 and true`, "null"},
		// if, between, in
		{`if x > 5 then "big" else "small"`, `"big"`}, {`if null then 1 else 2`, "2"},
		{`x between 1 and 10`, "true"}, {`x between 8 and 10`, "false"},
		{`x in [1..10]`, "true"}, {`x in (7..10]`, "false"}, {`x in > 3`, "true"}, {`x in (1, 7)`, "true"},
		{`"b" in ("a", "b")`, "true"}, {`x in [1, 2]`, "false"}, {`x in < 5`, "false"}, {`x in (> 10, < 8)`, "true"},
		{`5 in ]1..10[`, "true"}, {`x in items`, "false"}, {`2 in items`, "true"},
		// lists, contexts, paths, filters
		{`[1, 2, 3][item > 1]`, "[2, 3]"}, {`[1, 2, 3][1]`, "1"}, {`[1, 2, 3][-1]`, "3"}, {`[1, 2, 3][4]`, "null"},
		{`[{a: 1}, {a: 2}].a`, "[1, 2]"}, {`[{a: 1}, {a: 2}][a > 1]`, "[{a:2}]"}, {`[{item: 1}, {item: 2}][item >= 2]`, "[{item:2}]"},
		{`{a: 1, "b c": 2, d: a + 1}.d`, "2"}, {`{a: {b: {c: 5}}}.a.b.c`, "5"}, {`{a: 1}.b`, "null"},
		{`orders[total > 20].id`, `["b"]`}, {`orders.total`, "[10, 30]"}, {`toolCall._meta.id`, `"call-1"`},
		{`items[item > 1]`, "[2, 3]"}, {`y.z`, "null"},
		// iteration
		{`for i in 1..3 return i * 2`, "[2, 4, 6]"}, {`for i in 3..1 return i`, "[3, 2, 1]"},
		{`for x in [1, 2], y in [10, 20] return x + y`, "[11, 21, 12, 22]"},
		{`for i in 1..5 return if i = 1 then 1 else i * partial[-1]`, "[1, 2, 6, 24, 120]"},
		{`some i in [1, 2] satisfies i > 1`, "true"}, {`every i in [1, 2] satisfies i > 1`, "false"},
		{`every i in [] satisfies i > 1`, "true"},
		// types
		{`1 instance of number`, "true"}, {`"a" instance of string`, "true"}, {`[1] instance of list<number>`, "true"},
		{`null instance of Null`, "true"}, {`date("2024-01-01") instance of date`, "true"},
		// functions
		{`(function(a, b) a + b)(1, 2)`, "3"}, {`{f: function(a, b) a - b, r: f(b: 1, a: 5)}.r`, "4"},
		{`{fac: function(n) if n <= 1 then 1 else n * fac(n - 1), r: fac(5)}.r`, "120"},
		{`sort([3, 1, 2], function(a, b) a > b)`, "[3, 2, 1]"},
		// conversion builtins
		{`string(1.50)`, `"1.5"`}, {`string(date("2024-01-01"))`, `"2024-01-01"`}, {`number("1,000.5", ",", ".")`, "1000.5"},
		{`number("12")`, "12"}, {`date("2024-02-30")`, "null"}, {`date(2024, 2, 29)`, "2024-02-29"},
		{`time("10:30:00")`, "10:30:00"}, {`time(10, 30, 0, duration("PT1H"))`, "10:30:00+01:00"},
		{`date and time("2024-01-01T10:00:00Z")`, "2024-01-01T10:00:00Z"},
		{`date and time(date("2024-01-01"), time("10:00:00"))`, "2024-01-01T10:00:00"},
		{`duration("P1Y2M")`, "P1Y2M"}, {`duration("PT90M")`, "PT1H30M"}, {`duration("P2W")`, "P14D"},
		{`years and months duration(date("2020-01-15"), date("2021-03-14"))`, "P1Y1M"},
		// strings
		{`substring("foobar", 3)`, `"obar"`}, {`substring("foobar", -2)`, `"ar"`}, {`substring("foobar", 3, 3)`, `"oba"`},
		{`string length("🐎a")`, "2"}, {`upper case("aBc")`, `"ABC"`}, {`lower case("aBc")`, `"abc"`},
		{`substring before("foobar", "bar")`, `"foo"`}, {`substring after("foobar", "ob")`, `"ar"`},
		{`replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")`, `"[1=ab][2=]cd"`}, {`replace("Abc", "a", "x", "i")`, `"xbc"`},
		{`contains("foobar", "ob")`, "true"}, {`starts with("foobar", "fo")`, "true"}, {`ends with("foobar", "r")`, "true"},
		{`matches("foobar", "^fo*")`, "true"}, {`split("a,b,,c", ",")`, `["a", "b", "", "c"]`},
		{`string join(["a", "b"], ", ")`, `"a, b"`}, {`string join(["a", null, "c"])`, `"ac"`},
		{`string join(["a"], ", ", "[", "]")`, `"[a]"`}, {`trim("  a  ")`, `"a"`}, {`extract("a1b22", "[0-9]+")`, `["1", "22"]`},
		{`is blank("  ")`, "true"}, {`to base64("Orca")`, `"T3JjYQ=="`}, {`from base64("T3JjYQ==")`, `"Orca"`},
		{`string length(uuid())`, "36"}, {`substring(string: "foobar", start position: 3)`, `"obar"`},
		// lists
		{`list contains([1, 2], 2)`, "true"}, {`count([1, 2, 3])`, "3"}, {`min([3, 1, 2])`, "1"}, {`max(3, 1, 2)`, "3"},
		{`sum([1, 2, 3])`, "6"}, {`mean([1, 2, 3])`, "2"}, {`median([3, 1, 2, 4])`, "2.5"}, {`stddev([2, 4])`, "1.414213562373095048801688724209698"},
		{`mode([1, 2, 2, 3, 3])`, "[2, 3]"}, {`product([2, 3])`, "6"}, {`all([true, false])`, "false"}, {`and([true, true])`, "true"},
		{`any([false, true])`, "true"}, {`or([false, null])`, "null"}, {`sublist([1, 2, 3], 2)`, "[2, 3]"}, {`sublist([1, 2, 3], 1, 2)`, "[1, 2]"},
		{`append([1], 2, 3)`, "[1, 2, 3]"}, {`concatenate([1], [2], [3])`, "[1, 2, 3]"}, {`insert before([1, 3], 2, 2)`, "[1, 2, 3]"},
		{`remove([1, 2, 3], 2)`, "[1, 3]"}, {`reverse([1, 2, 3])`, "[3, 2, 1]"}, {`index of([1, 2, 1], 1)`, "[1, 3]"},
		{`union([1, 2], [2, 3])`, "[1, 2, 3]"}, {`distinct values([1, 2, 1])`, "[1, 2]"}, {`duplicate values([1, 2, 1, 1])`, "[1]"},
		{`flatten([[1, [2]], 3])`, "[1, 2, 3]"}, {`sort([3, 1, 2])`, "[1, 2, 3]"}, {`is empty([])`, "true"},
		{`partition([1, 2, 3], 2)`, "[[1, 2], [3]]"}, {`list replace([1, 2, 3], 2, 9)`, "[1, 9, 3]"},
		{`list replace([1, 2, 3], function(item, newItem) item > 1, 0)`, "[1, 0, 0]"},
		// numbers
		{`decimal(1/3, 2)`, "0.33"}, {`decimal(2.5, 0)`, "2"}, {`floor(1.5)`, "1"}, {`floor(-1.5)`, "-2"}, {`ceiling(1.2)`, "2"},
		{`round up(5.12, 1)`, "5.2"}, {`round down(5.19, 1)`, "5.1"}, {`round half up(5.25, 1)`, "5.3"}, {`round half down(5.25, 1)`, "5.2"},
		{`abs(-2)`, "2"}, {`modulo(-12, 5)`, "3"}, {`modulo(12, -5)`, "-3"}, {`sqrt(16)`, "4"}, {`odd(5)`, "true"}, {`even(5)`, "false"},
		{`decimal(log(10), 4)`, "2.3026"}, {`decimal(exp(1), 4)`, "2.7183"},
		{`random number() >= 0 and random number() < 1`, "true"},
		// booleans and contexts
		{`is defined(x)`, "true"}, {`is defined(nope)`, "false"}, {`is defined(y)`, "false"},
		{`get or else(y, "d")`, `"d"`}, {`get or else(x, 1)`, "7"}, {`assert(x, x > 0)`, "7"},
		{`get value({a: 1}, "a")`, "1"}, {`get entries({a: 1})`, `[{key:"a", value:1}]`}, {`context put({a: 1}, "b", 2)`, "{a:1, b:2}"},
		{`context merge([{a: 1}, {b: 2}])`, "{a:1, b:2}"}, {`context([{key: "a", value: 1}])`, "{a:1}"},
		// temporal
		{`date("2024-01-31") + duration("P1M")`, "2024-02-29"}, {`date("2024-01-01") + duration("P1D")`, "2024-01-02"},
		{`date("2024-03-01") - date("2024-02-01")`, "P29D"}, {`date and time("2024-01-01T10:00:00Z") + duration("PT1H")`, "2024-01-01T11:00:00Z"},
		{`time("23:00:00") + duration("PT2H")`, "01:00:00"}, {`duration("P1D") * 2`, "P2D"}, {`duration("P1Y") / 2`, "P6M"},
		{`duration("P1D") / duration("PT12H")`, "2"}, {`date("2024-05-17").year`, "2024"}, {`date("2024-05-17").weekday`, "5"},
		{`duration("P1DT2H").hours`, "2"}, {`duration("P1Y2M").months`, "2"}, {`@"2024-01-01T10:00:00+02:00".time offset`, "PT2H"},
		{`@"2024-01-01T10:00:00@Europe/Berlin".timezone`, `"Europe/Berlin"`},
		{`day of week(date("2024-05-17"))`, `"Friday"`}, {`day of year(date("2024-02-01"))`, "32"}, {`week of year(date("2024-01-01"))`, "1"},
		{`month of year(date("2024-05-17"))`, `"May"`}, {`last day of month(date("2024-02-10"))`, "2024-02-29"},
		{`today()`, "2024-05-17"}, {`now()`, "2024-05-17T10:30:00Z"},
		// ranges
		{`[1..10].start`, "1"}, {`(< 10).end`, "10"}, {`before(1, 10)`, "true"}, {`includes([1..10], 5)`, "true"},
		{`overlaps([1..5], [3..8])`, "true"},
		// Camunda extensions
		{`fromAi(toolCall.q, "the query", "string")`, `"whales"`}, {`fromAi(value: toolCall.q)`, `"whales"`},
		{`{id: toolCall._meta.id, name: toolCall._meta.name, content: toolCallResult}`, `{id:"call-1", name:"search", content:{ok:true}}`},
		{`{name: "inner", n: name}.n`, `"inner"`}, {`{a: a}.a`, "null"},
		// comments
		{"1 + // one\n 2 /* two */", "3"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			got, w := eval(t, tc.src)
			if got != tc.want {
				t.Errorf("%s = %s, want %s (warnings %v)", tc.src, got, tc.want, w)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		src  string
		kind WarningKind
		msg  string
	}{
		{`nope + 1`, NoVariableFound, "no variable found with name 'nope'"},
		{`nofn(1)`, NoFunctionFound, "no function found with name 'nofn'"},
		{`{a: 1}.b`, NoContextEntryFound, "no context entry found with key 'b'"},
		{`1 < "a"`, NotComparable, "cannot compare NUMBER with STRING"},
		{`"a" * 2`, InvalidType, "cannot apply '*' to STRING and NUMBER"},
		{`substring(1, 2)`, FunctionInvocationFailure, "expected string for parameter 'string' but found NUMBER"},
		{`count()`, NoFunctionFound, "no function found with name 'count' and 0 parameters"},
		{`1 / 0`, InvalidType, "division by zero"},
		{`toolCall.nope`, NoContextEntryFound, "no context entry found with key 'nope'"},
	}
	for _, tc := range tests {
		got, w := eval(t, tc.src)
		if got != "null" {
			t.Errorf("%s = %s, want null", tc.src, got)
		}
		found := false
		for _, x := range w {
			if x.Kind == tc.kind && strings.Contains(x.Message, tc.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: warnings %v, want %s containing %q", tc.src, w, tc.kind, tc.msg)
		}
	}
	for _, src := range []string{"amount > 1", "is defined(nope.x)", `get or else(nope, 1)`} {
		if _, w := eval(t, src); len(w) != 0 {
			t.Errorf("%s: unexpected warnings %v", src, w)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"", 1, 1, "empty expression"},
		{"1 +", 1, 4, "unexpected end of expression"},
		{"if x then 1", 1, 12, "expected 'else'"},
		{"(1 + 2", 1, 7, "expected ')'"},
		{"[1, 2", 1, 6, "expected ']'"},
		{"{a: 1", 1, 6, "expected '}'"},
		{"\"abc", 1, 1, "unterminated string"},
		{"1 +\n  * 2", 2, 3, "unexpected '*'"},
		{"a ! b", 1, 3, "unexpected '!'"},
		{"for x in [1] x", 1, 14, "expected 'return'"},
		{"1 2", 1, 3, "unexpected number 2"},
	}
	for _, tc := range tests {
		_, err := Compile(tc.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v is not a *SyntaxError", tc.src, err)
			continue
		}
		if se.Line != tc.line || se.Col != tc.col || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%q: got %d:%d %q, want %d:%d containing %q", tc.src, se.Line, se.Col, se.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	x, _ := Compile(`assert(x, x > 10, "x must be large")`)
	_, err := x.Evaluate(ctx, testVars)
	var ae *AssertionError
	if !errors.As(err, &ae) || ae.Message != "x must be large" {
		t.Errorf("assert: got %v", err)
	}
	x, _ = CompileWith(`for i in 1..100000000 return i`, Options{Limits: Limits{MaxSteps: 1000}})
	if _, err := x.Evaluate(ctx, nil); !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("for limit: got %v", err)
	}
	x, _ = Compile(`{f: function(n) f(n + 1), r: f(1)}.r`)
	if _, err := x.Evaluate(ctx, nil); !errors.Is(err, ErrLimitExceeded) {
		t.Errorf("recursion limit: got %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	x, _ = Compile(`1`)
	if _, err := x.Evaluate(cctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: got %v", err)
	}
	x, _ = Compile(`count(for i in 1..100000 return i)`)
	cctx, cancel = context.WithCancel(ctx)
	cancel()
	if _, err := x.Evaluate(cctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancel during loop: got %v", err)
	}
}

func TestJSON(t *testing.T) {
	x, _ := Compile(`{n: 1.50, i: 10, s: "a", b: true, z: null, l: [1, "x"], d: date("2024-01-01"), t: time("10:00:00"),
		dt: date and time("2024-01-01T10:00:00@Europe/Berlin"), dz: @"2024-01-01T10:00:00Z", ym: duration("P1Y"), dtd: duration("PT1H"), f: function() 1,
		big: 12345678901234567890, tiny: 0.000001}`)
	v, err := x.Evaluate(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := ToJSON(v)
	want := map[string]any{
		"n": json.Number("1.5"), "i": json.Number("10"), "s": "a", "b": true, "z": nil, "l": []any{json.Number("1"), "x"},
		"d": "2024-01-01", "t": "10:00:00", "dt": "2024-01-01T10:00:00+01:00[Europe/Berlin]", "dz": "2024-01-01T10:00:00Z",
		"ym": "P1Y", "dtd": "PT1H", "f": nil, "big": json.Number("12345678901234567890"), "tiny": json.Number("0.000001"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ToJSON:\n got %#v\nwant %#v", got, want)
	}
	// round trip through FromJSON
	back := FromJSON(got)
	if TypeName(back) != "CONTEXT" {
		t.Fatalf("FromJSON gave %s", TypeName(back))
	}
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, "null"}, {true, "true"}, {json.Number("1.0"), "1"}, {1.5, "1.5"}, {int64(3), "3"}, {uint8(2), "2"},
		{"s", "s"}, {[]any{1, "a"}, `[1, "a"]`}, {map[string]any{"b": 1, "a": 2}, "{a:2, b:1}"}, {[]string{"x"}, `["x"]`},
		{time.Hour, "PT1H"}, {struct{}{}, "null"}, {String("v"), "v"},
	} {
		if got := Format(FromJSON(tc.in)); got != tc.want {
			t.Errorf("FromJSON(%#v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestTypeName(t *testing.T) {
	for src, want := range map[string]string{
		"null": "NULL", "true": "BOOLEAN", "1": "NUMBER", `"a"`: "STRING", "[1]": "LIST", "{a:1}": "CONTEXT",
		`@"2024-01-01"`: "DATE", `@"10:00:00Z"`: "TIME", `@"10:00:00"`: "LOCAL_TIME", `@"2024-01-01T10:00:00Z"`: "DATE_TIME",
		`@"2024-01-01T10:00:00"`: "LOCAL_DATE_TIME", `@"P1D"`: "DAYS_TIME_DURATION", `@"P1Y"`: "YEARS_MONTHS_DURATION",
		"[1..2]": "RANGE", "function() 1": "FUNCTION",
	} {
		x, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := x.Evaluate(context.Background(), nil)
		if TypeName(v) != want {
			t.Errorf("TypeName(%s) = %s, want %s", src, TypeName(v), want)
		}
	}
}

func TestFunctionCalls(t *testing.T) {
	x, err := Compile(`{q: fromAi(toolCall.q, "The query", "string"), n: fromAi(value: toolCall.n, type: "number",
		schema: {minimum: 1, enum: [1, 2]}, options: {required: false}), s: fromAi(toolCall.a) + fromAi(toolCall.b)}`)
	if err != nil {
		t.Fatal(err)
	}
	calls := x.FunctionCalls("fromAi")
	if len(calls) != 4 {
		t.Fatalf("got %d calls", len(calls))
	}
	c := calls[0]
	if c.Source != `fromAi(toolCall.q, "The query", "string")` || c.Named {
		t.Errorf("call 0: %+v", c)
	}
	want0 := []Arg{
		{Name: "value", Source: "toolCall.q", IsPath: true, Path: []string{"toolCall", "q"}},
		{Name: "description", Source: `"The query"`, IsLiteral: true, Literal: "The query"},
		{Name: "type", Source: `"string"`, IsLiteral: true, Literal: "string"},
	}
	if !reflect.DeepEqual(c.Args, want0) {
		t.Errorf("call 0 args:\n got %#v\nwant %#v", c.Args, want0)
	}
	c = calls[1]
	if !c.Named || len(c.Args) != 4 || c.Args[0].Name != "value" || !c.Args[0].IsPath {
		t.Errorf("call 1: %+v", c)
	}
	wantSchema := map[string]any{"minimum": json.Number("1"), "enum": []any{json.Number("1"), json.Number("2")}}
	if !c.Args[2].IsLiteral || !reflect.DeepEqual(c.Args[2].Literal, wantSchema) {
		t.Errorf("schema literal: %#v", c.Args[2])
	}
	if !reflect.DeepEqual(c.Args[3].Literal, map[string]any{"required": false}) {
		t.Errorf("options literal: %#v", c.Args[3])
	}
	if calls[2].Args[0].Source != "toolCall.a" || calls[3].Args[0].Source != "toolCall.b" {
		t.Errorf("calls 2,3: %+v %+v", calls[2], calls[3])
	}
	y, _ := Compile(`fromAi(toolCall.x + 1, 5)`)
	a := y.FunctionCalls("fromAi")[0].Args
	if a[0].IsPath || a[0].IsLiteral || !a[1].IsLiteral || a[1].Literal != json.Number("5") {
		t.Errorf("non-path arg: %+v", a)
	}
	if len(y.FunctionCalls("other")) != 0 {
		t.Error("unexpected calls")
	}
}

func TestUnaryTests(t *testing.T) {
	tests := []struct {
		src   string
		input Value
		want  Value
	}{
		{"< 5", IntNumber(3), Boolean(true)},
		{"< 5", IntNumber(7), Boolean(false)},
		{"[1..5]", IntNumber(5), Boolean(true)},
		{`"a", "b"`, String("b"), Boolean(true)},
		{`not("a", "b")`, String("c"), Boolean(true)},
		{`not("a", "b")`, String("a"), Boolean(false)},
		{"-", String("x"), Boolean(true)},
		{"? > 2", IntNumber(3), Boolean(true)},
		{"> 1, < -1", IntNumber(0), Boolean(false)},
	}
	for _, tc := range tests {
		x, err := CompileUnaryTests(tc.src, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		v, _, err := x.EvaluateTest(context.Background(), tc.input, nil)
		if err != nil || v != tc.want {
			t.Errorf("%s with %s = %v, %v; want %v", tc.src, Format(tc.input), v, err, tc.want)
		}
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	x, _ := Compile(`for i in 1..50 return {k: i, v: [i, i * 2][item > 1]}`)
	done := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			v, err := x.Evaluate(context.Background(), nil)
			if err != nil {
				done <- err.Error()
				return
			}
			done <- Format(v)
		}()
	}
	first := <-done
	for g := 1; g < 8; g++ {
		if s := <-done; s != first {
			t.Fatal("concurrent evaluations differ")
		}
	}
}
