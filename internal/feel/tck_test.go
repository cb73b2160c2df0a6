package feel

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

// The DMN TCK (https://github.com/dmn-tck/tck, Apache-2.0) conformance run.
// Only FEEL directories (NNNN-feel-*) are considered. Decisions whose logic
// is a literal expression, a function definition, a boxed context, list,
// relation or invocation are translated to FEEL; decision tables are skipped.

// tckFloor is the minimum number of passing test cases; raise it as
// conformance improves.
const tckFloor = 1935

func tckDir(t *testing.T) string {
	if d := os.Getenv("ORCA_DMN_TCK"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "dmn-tck")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

type xnode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []xnode    `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *xnode) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (n *xnode) child(local string) *xnode {
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == local {
			return &n.Nodes[i]
		}
	}
	return nil
}

func (n *xnode) children(local string) []*xnode {
	var out []*xnode
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == local {
			out = append(out, &n.Nodes[i])
		}
	}
	return out
}

var errUnsupported = errors.New("unsupported boxed expression")

// boxedToFEEL translates a DMN boxed expression element to FEEL source.
func boxedToFEEL(n *xnode) (string, error) {
	switch n.XMLName.Local {
	case "literalExpression":
		t := n.child("text")
		if t == nil {
			return "null", nil
		}
		return "(" + t.Text + ")", nil
	case "functionDefinition":
		if n.attr("kind") != "" && n.attr("kind") != "FEEL" {
			return "", errUnsupported
		}
		var params []string
		for _, p := range n.children("formalParameter") {
			params = append(params, p.attr("name"))
		}
		body, err := boxedToFEEL(exprChild(n))
		if err != nil {
			return "", err
		}
		return "(function(" + strings.Join(params, ", ") + ") " + body + ")", nil
	case "context":
		var parts []string
		result := ""
		for _, en := range n.children("contextEntry") {
			x, err := boxedToFEEL(exprChild(en))
			if err != nil {
				return "", err
			}
			if v := en.child("variable"); v != nil {
				parts = append(parts, quote(v.attr("name"))+": "+x)
			} else {
				result = x
			}
		}
		ctx := "{" + strings.Join(parts, ", ") + "}"
		if result != "" {
			return "(" + strings.TrimSuffix(ctx, "}") + sep(parts) + "\"__result\": " + result + "}).__result", nil
		}
		return ctx, nil
	case "list":
		var items []string
		for i := range n.Nodes {
			x, err := boxedToFEEL(&n.Nodes[i])
			if err != nil {
				return "", err
			}
			items = append(items, x)
		}
		return "[" + strings.Join(items, ", ") + "]", nil
	case "relation":
		var cols []string
		for _, c := range n.children("column") {
			cols = append(cols, c.attr("name"))
		}
		var rows []string
		for _, r := range n.children("row") {
			var parts []string
			i := 0
			for j := range r.Nodes {
				x, err := boxedToFEEL(&r.Nodes[j])
				if err != nil {
					return "", err
				}
				if i < len(cols) {
					parts = append(parts, quote(cols[i])+": "+x)
				}
				i++
			}
			rows = append(rows, "{"+strings.Join(parts, ", ")+"}")
		}
		return "[" + strings.Join(rows, ", ") + "]", nil
	case "invocation":
		fn, err := boxedToFEEL(exprChild(n))
		if err != nil {
			return "", err
		}
		var args []string
		for _, b := range n.children("binding") {
			name := b.child("parameter").attr("name")
			x := "null"
			if ec := exprChild(b); ec != nil {
				if x, err = boxedToFEEL(ec); err != nil {
					return "", err
				}
			}
			args = append(args, name+": "+x)
		}
		return fn + "(" + strings.Join(args, ", ") + ")", nil
	}
	return "", fmt.Errorf("%w: %s", errUnsupported, n.XMLName.Local)
}

func sep(parts []string) string {
	if len(parts) > 0 {
		return ", "
	}
	return ""
}

// exprChild returns the first child that is a boxed expression.
func exprChild(n *xnode) *xnode {
	for i := range n.Nodes {
		switch n.Nodes[i].XMLName.Local {
		case "literalExpression", "functionDefinition", "context", "list", "relation", "invocation", "decisionTable",
			"conditional", "filter", "for", "every", "some":
			return &n.Nodes[i]
		}
	}
	return nil
}

type tckModel struct {
	decisions map[string]string // name -> FEEL source ("" when unsupported)
	bkms      map[string]string
	inputs    map[string]bool
	names     []string
}

func loadModel(path string) (*tckModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root xnode
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	m := &tckModel{decisions: map[string]string{}, bkms: map[string]string{}, inputs: map[string]bool{}}
	for i := range root.Nodes {
		n := &root.Nodes[i]
		name := n.attr("name")
		switch n.XMLName.Local {
		case "decision":
			src := ""
			if ec := exprChild(n); ec != nil {
				if s, err := boxedToFEEL(ec); err == nil {
					src = s
				}
			}
			m.decisions[name] = src
			m.names = append(m.names, name)
		case "businessKnowledgeModel":
			if el := n.child("encapsulatedLogic"); el != nil {
				el.XMLName.Local = "functionDefinition"
				if s, err := boxedToFEEL(el); err == nil {
					m.bkms[name] = s
				}
				for _, p := range el.children("formalParameter") {
					m.names = append(m.names, p.attr("name"))
				}
			}
			m.names = append(m.names, name)
		case "inputData":
			m.inputs[name] = true
			m.names = append(m.names, name)
		}
	}
	// context entry names of boxed contexts are declared by the parser itself
	return m, nil
}

// tckValue converts an inputNode/expected element into a FEEL value.
func tckValue(n *xnode) (Value, error) {
	if n.attr("nil") == "true" {
		return Null{}, nil
	}
	if v := n.child("value"); v != nil {
		return xsdValue(v)
	}
	if l := n.child("list"); l != nil {
		out := List{}
		for _, it := range l.children("item") {
			v, err := tckValue(it)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	if cs := n.children("component"); len(cs) > 0 {
		c := &Context{}
		for _, comp := range cs {
			v, err := tckValue(comp)
			if err != nil {
				return nil, err
			}
			c.set(comp.attr("name"), v)
		}
		return c, nil
	}
	return Null{}, nil
}

func xsdValue(v *xnode) (Value, error) {
	if v.attr("nil") == "true" {
		return Null{}, nil
	}
	text := v.Text
	typ := v.attr("type")
	if i := strings.IndexByte(typ, ':'); i >= 0 {
		typ = typ[i+1:]
	}
	switch typ {
	case "decimal", "double", "integer", "int", "long", "float":
		n, err := ParseNumber(strings.TrimSpace(text))
		if err != nil {
			return nil, err
		}
		return n, nil
	case "boolean":
		return Boolean(strings.TrimSpace(text) == "true"), nil
	case "date":
		return ParseDate(strings.TrimSpace(text))
	case "time":
		return ParseTime(strings.TrimSpace(text))
	case "dateTime":
		return ParseDateTime(strings.TrimSpace(text))
	case "duration":
		return ParseDuration(strings.TrimSpace(text))
	}
	return String(text), nil
}

type tckVars struct {
	ctx      context.Context
	model    *tckModel
	inputs   map[string]Value
	cache    map[string]Value
	visiting map[string]bool
}

func (v *tckVars) Lookup(name string) (any, bool) {
	if x, ok := v.inputs[name]; ok {
		return x, true
	}
	if x, ok := v.cache[name]; ok {
		return x, true
	}
	src, isDecision := v.model.decisions[name]
	if !isDecision {
		src, isDecision = v.model.bkms[name]
		if !isDecision {
			return nil, false
		}
	}
	if src == "" || v.visiting[name] {
		return nil, false
	}
	v.visiting[name] = true
	defer delete(v.visiting, name)
	x, err := CompileWith(src, Options{Names: v.model.names})
	if err != nil {
		return nil, false
	}
	r, err := x.Evaluate(v.ctx, v)
	if err != nil {
		r = Null{}
	}
	v.cache[name] = r
	return r, true
}

func tckEqual(exp, act Value) bool {
	if en, ok := exp.(*Number); ok {
		an, ok := act.(*Number)
		if !ok {
			return false
		}
		if en.cmp(an) == 0 {
			return true
		}
		// expected values of irrational results are given with 8 or more
		// fractional digits: compare at the expected precision
		if en.d.Exponent <= -8 {
			var q apd.Decimal
			if _, err := dec.Quantize(&q, &an.d, en.d.Exponent); err == nil && q.Cmp(&en.d) == 0 {
				return true
			}
		}
		// tolerate differences in the last digits of irrational results
		var diff, tol apd.Decimal
		_, _ = dec.Sub(&diff, &en.d, &an.d)
		diff.Abs(&diff)
		tol.Abs(&en.d)
		_, _ = dec.Mul(&tol, &tol, apd.New(1, -25))
		return diff.Cmp(&tol) <= 0
	}
	switch e := exp.(type) {
	case List:
		a, ok := act.(List)
		if !ok || len(a) != len(e) {
			return false
		}
		for i := range e {
			if !tckEqual(e[i], a[i]) {
				return false
			}
		}
		return true
	case *Context:
		a, ok := act.(*Context)
		if !ok || a.Len() != e.Len() {
			return false
		}
		for _, en := range e.entries {
			av, ok := a.Get(en.Key)
			if !ok || !tckEqual(en.Value, av) {
				return false
			}
		}
		return true
	case DateTime:
		a, ok := act.(DateTime)
		return ok && a.Kind == e.Kind && a.T.Equal(e.T)
	case Time:
		a, ok := act.(Time)
		return ok && a.Kind == e.Kind && a.Clock == e.Clock && a.Offset == e.Offset
	}
	eq, ok := equal(exp, act)
	return ok && eq
}

var feelDir = regexp.MustCompile(`^\d{4}-feel-`)

func TestDMNTCK(t *testing.T) {
	root := tckDir(t)
	if root == "" {
		t.Skip("DMN TCK not found: set ORCA_DMN_TCK or place it at ../shared/dmn-tck next to the repository")
	}
	if _, err := os.Stat(root); err != nil {
		t.Skipf("DMN TCK not found at %s (set ORCA_DMN_TCK): %v", root, err)
	}
	var dirs []string
	for _, level := range []string{"compliance-level-2", "compliance-level-3"} {
		entries, _ := os.ReadDir(filepath.Join(root, level))
		for _, en := range entries {
			if en.IsDir() && feelDir.MatchString(en.Name()) {
				dirs = append(dirs, filepath.Join(root, level, en.Name()))
			}
		}
	}
	sort.Strings(dirs)
	if len(dirs) == 0 {
		t.Skipf("no FEEL test directories under %s", root)
	}
	verbose := os.Getenv("ORCA_TCK_VERBOSE") != ""
	total, passed := 0, 0
	perDir := map[string][2]int{}
	for _, dir := range dirs {
		models, _ := filepath.Glob(filepath.Join(dir, "*.dmn"))
		tests, _ := filepath.Glob(filepath.Join(dir, "*-test-*.xml"))
		if len(models) == 0 {
			continue
		}
		model, err := loadModel(models[0])
		if err != nil {
			t.Errorf("%s: %v", models[0], err)
			continue
		}
		for _, tf := range tests {
			data, err := os.ReadFile(tf)
			if err != nil {
				t.Fatal(err)
			}
			var doc xnode
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Errorf("%s: %v", tf, err)
				continue
			}
			for _, tc := range doc.children("testCase") {
				total++
				ok, msg := runTCKCase(model, tc)
				name := filepath.Base(dir)
				c := perDir[name]
				c[1]++
				if ok {
					passed++
					c[0]++
				} else if verbose {
					t.Logf("FAIL %s/%s: %s", name, tc.attr("id"), msg)
				}
				perDir[name] = c
			}
		}
	}
	if verbose {
		names := make([]string, 0, len(perDir))
		for n := range perDir {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("%-45s %d/%d", n, perDir[n][0], perDir[n][1])
		}
	}
	t.Logf("DMN TCK FEEL: %d of %d test cases pass (%.1f%%) in %d directories", passed, total, 100*float64(passed)/float64(total), len(dirs))
	if passed < tckFloor {
		t.Errorf("DMN TCK regression: %d passing, floor is %d", passed, tckFloor)
	}
}

func runTCKCase(model *tckModel, tc *xnode) (ok bool, msg string) {
	defer func() {
		if r := recover(); r != nil {
			ok, msg = false, fmt.Sprintf("panic: %v", r)
		}
	}()
	vars := &tckVars{ctx: context.Background(), model: model, inputs: map[string]Value{}, cache: map[string]Value{}, visiting: map[string]bool{}}
	for _, in := range tc.children("inputNode") {
		v, err := tckValue(in)
		if err != nil {
			return false, "bad input: " + err.Error()
		}
		vars.inputs[in.attr("name")] = v
	}
	results := tc.children("resultNode")
	if len(results) == 0 {
		return false, "no result nodes"
	}
	for _, rn := range results {
		name := rn.attr("name")
		src, known := model.decisions[name]
		if !known || src == "" {
			return false, "unsupported decision " + name
		}
		exp, err := tckValue(rn.child("expected"))
		if rn.child("expected") == nil {
			exp = Null{}
		}
		if err != nil {
			return false, "bad expected value: " + err.Error()
		}
		x, err := CompileWith(src, Options{Names: model.names})
		var act Value = Null{}
		if err != nil {
			if !isNull(exp) || rn.attr("errorResult") != "true" {
				// a syntax error yields null, which matches only a null expectation
				if !isNull(exp) {
					return false, fmt.Sprintf("%s: compile error: %v", name, err)
				}
			}
		} else {
			act, err = x.Evaluate(context.Background(), vars)
			if err != nil {
				act = Null{}
			}
		}
		if !tckEqual(exp, act) {
			return false, fmt.Sprintf("%s: %s\n   expected %s (%s) got %s (%s)", name, src, Format(exp), TypeName(exp), Format(act), TypeName(act))
		}
	}
	return true, ""
}
