package dmn

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// Hit policies.
const (
	HitUnique      = "UNIQUE"
	HitFirst       = "FIRST"
	HitPriority    = "PRIORITY"
	HitAny         = "ANY"
	HitCollect     = "COLLECT"
	HitRuleOrder   = "RULE ORDER"
	HitOutputOrder = "OUTPUT ORDER"
)

type decisionTable struct {
	id      string
	hit     string
	agg     string // SUM, MIN, MAX, COUNT or ""
	aggFn   *feel.Expression
	inputs  []dtInput
	outputs []dtOutput
	rules   []dtRule
}

type dtInput struct {
	id, name string
	x        *feel.Expression
	fast     *fastPath // the expression is a variable or path
	typ      *typeInfo
}

type dtOutput struct {
	id, name string
	typ      *typeInfo
	// order holds the output values: as in Camunda (dmn-scala) they order
	// PRIORITY and OUTPUT ORDER results and do not constrain outputs;
	// input values are not checked either
	order feel.List
	def   *feel.Expression
}

type dtRule struct {
	id     string
	broken bool
	tests  []*feel.Expression // nil: "-" (any value)
	fast   []*fastTest        // literal comparisons decided without FEEL
	outs   []*feel.Expression
	consts []feel.Value // literal outputs, nil where FEEL evaluates
}

var aggregations = map[string]string{"SUM": "sum", "MIN": "min", "MAX": "max", "COUNT": "count"}

func (c *compiler) decisionTable(e *elem, owner string) expr {
	t := &decisionTable{id: owner, hit: HitUnique}
	if h := e.attr("hitPolicy"); h != "" {
		t.hit = strings.ToUpper(strings.TrimSpace(h))
	}
	switch t.hit {
	case HitUnique, HitFirst, HitPriority, HitAny, HitCollect, HitRuleOrder, HitOutputOrder:
	default:
		c.problemIn(e, owner, "unknown hit policy %q", e.attr("hitPolicy"))
	}
	if a := strings.TrimSpace(e.attr("aggregation")); a != "" {
		fn, ok := aggregations[strings.ToUpper(a)]
		switch {
		case !ok:
			c.problemIn(e, owner, "unknown aggregation %q", a)
		case t.hit != HitCollect:
			c.problemIn(e, owner, "aggregation %s needs hit policy COLLECT, not %s", a, t.hit)
		default:
			t.agg = strings.ToUpper(a)
			x, err := feel.Compile(fn + "(xs)")
			if err != nil {
				c.problemIn(e, owner, "aggregation %s: %v", a, err)
			}
			t.aggFn = x
		}
	}
	for i, in := range c.all(e, "input") {
		ie := c.child(in, "inputExpression")
		d := dtInput{id: in.attr("id"), name: in.attr("label")}
		if ie == nil {
			c.problemIn(in, owner, "input %d has no input expression", i+1)
			t.inputs = append(t.inputs, d)
			continue
		}
		c.checkLanguage(ie, owner)
		txt, _ := c.childText(ie, "text")
		if d.name == "" {
			d.name = strings.TrimSpace(txt)
		}
		if strings.TrimSpace(txt) == "" {
			c.problemIn(ie, owner, "input %d has an empty input expression", i+1)
		} else {
			d.x = c.feelExpr(txt, ie, owner)
			if !c.dotted {
				d.fast = compileFastPath(txt)
			}
		}
		d.typ = c.typeRef(ie.attr("typeRef"), ie)
		t.inputs = append(t.inputs, d)
	}
	outs := c.all(e, "output")
	if len(outs) == 0 {
		c.problemIn(e, owner, "decision table has no output")
	}
	for i, out := range outs {
		d := dtOutput{id: out.attr("id"), name: out.attr("name"), typ: c.typeRef(out.attr("typeRef"), out)}
		if d.name == "" && len(outs) > 1 {
			c.problemIn(out, owner, "output %d of a table with several outputs has no name", i+1)
		}
		if ov := c.child(out, "outputValues"); ov != nil {
			if txt, ok := c.childText(ov, "text"); ok && strings.TrimSpace(txt) != "" {
				if x, err := feel.Compile("[" + txt + "]"); err == nil {
					if v, err := x.Evaluate(context.Background(), nil); err == nil {
						d.order, _ = v.(feel.List)
					}
				}
			}
		}
		if def := c.child(out, "defaultOutputEntry"); def != nil {
			if txt, ok := c.childText(def, "text"); ok && strings.TrimSpace(txt) != "" {
				d.def = c.feelExpr(txt, def, owner)
			}
		}
		t.outputs = append(t.outputs, d)
	}
	if t.agg != "" && len(t.outputs) > 1 {
		c.problemIn(e, owner, "aggregation %s needs a single output, the table has %d", t.agg, len(t.outputs))
	}
	if (t.hit == HitPriority || t.hit == HitOutputOrder) && len(t.outputs) > 0 {
		any := false
		for _, o := range t.outputs {
			any = any || len(o.order) > 0
		}
		if !any {
			c.problemIn(e, owner, "hit policy %s needs output values to order outputs by", t.hit)
		}
	}
	for ri, r := range c.all(e, "rule") {
		rule := dtRule{id: r.attr("id")}
		ins := c.all(r, "inputEntry")
		os := c.all(r, "outputEntry")
		if len(ins) != len(t.inputs) {
			c.problemIn(r, owner, "rule %d has %d input entries for %d inputs", ri+1, len(ins), len(t.inputs))
		}
		if len(os) != len(t.outputs) {
			c.problemIn(r, owner, "rule %d has %d output entries for %d outputs", ri+1, len(os), len(t.outputs))
		}
		for _, ie := range ins {
			c.checkLanguage(ie, owner)
			txt, _ := c.childText(ie, "text")
			if s := strings.TrimSpace(txt); s == "" || s == "-" {
				rule.tests = append(rule.tests, nil)
				rule.fast = append(rule.fast, nil)
				continue
			}
			rule.fast = append(rule.fast, compileFastTest(txt))
			x := c.unaryTests(txt, ie, owner)
			if x == nil {
				rule.broken = true // lenient mode: a test that does not compile never matches
			}
			rule.tests = append(rule.tests, x)
		}
		for _, oe := range os {
			c.checkLanguage(oe, owner)
			txt, _ := c.childText(oe, "text")
			if strings.TrimSpace(txt) == "" {
				rule.outs = append(rule.outs, nil)
				rule.consts = append(rule.consts, nil)
				continue
			}
			rule.outs = append(rule.outs, c.feelExpr(txt, oe, owner))
			k, _ := constant(txt)
			rule.consts = append(rule.consts, k)
		}
		t.rules = append(t.rules, rule)
	}
	return t
}

func (t *decisionTable) eval(s *state, vars feel.Variables) (feel.Value, error) {
	return t.evaluate(s, vars, nil)
}

// evaluate runs the table; rec, when not nil, receives the evaluated inputs
// and the matched rules with their outputs.
func (t *decisionTable) evaluate(s *state, vars feel.Variables, rec *DecisionResult) (feel.Value, error) {
	ctx := s.ctx
	var buf [8]feel.Value
	in := buf[:0]
	for i := range t.inputs {
		d := &t.inputs[i]
		var v feel.Value = feel.Null{}
		if d.fast != nil {
			if x, ok := d.fast.eval(vars); ok {
				v = x
				goto evaluated
			}
		}
		if d.x != nil {
			x, err := d.x.Evaluate(ctx, vars)
			if err != nil {
				return nil, fmt.Errorf("input '%s': %w", d.name, err)
			}
			v = x
		}
	evaluated:
		in = append(in, v)
		if rec != nil {
			rec.EvaluatedInputs = append(rec.EvaluatedInputs, EvaluatedInput{InputID: d.id, InputName: d.name, Value: v})
		}
	}
	var mbuf [8]int
	matched := mbuf[:0]
rules:
	for ri := range t.rules {
		r := &t.rules[ri]
		if r.broken {
			continue
		}
		for i, test := range r.tests {
			if test == nil || i >= len(in) {
				continue
			}
			if f := r.fast[i]; f != nil {
				if !f.match(in[i]) {
					continue rules
				}
				continue
			}
			ok, _, err := test.EvaluateTest(ctx, in[i], vars)
			if err != nil {
				return nil, fmt.Errorf("rule %d ('%s'): %w", ri+1, r.id, err)
			}
			if ok != feel.Boolean(true) {
				continue rules
			}
		}
		matched = append(matched, ri)
		if t.hit == HitFirst {
			break
		}
	}
	if t.hit == HitUnique && len(matched) > 1 {
		return nil, fmt.Errorf("hit policy UNIQUE: %d rules match (%s)", len(matched), t.ruleList(matched))
	}
	// outputs of the matched rules
	outs := make([][]feel.Value, len(matched))
	for k, ri := range matched {
		r := &t.rules[ri]
		row := make([]feel.Value, len(t.outputs))
		for j := range t.outputs {
			var v feel.Value = feel.Null{}
			if j < len(r.consts) && r.consts[j] != nil {
				v = r.consts[j]
			} else if j < len(r.outs) && r.outs[j] != nil {
				x, err := r.outs[j].Evaluate(ctx, vars)
				if err != nil {
					return nil, fmt.Errorf("rule %d ('%s') output '%s': %w", ri+1, r.id, t.outputs[j].name, err)
				}
				v = x
			}
			o := &t.outputs[j]
			v = coerce(ctx, v, o.typ)
			row[j] = v
		}
		outs[k] = row
		if rec != nil {
			mr := MatchedRule{RuleID: r.id, RuleIndex: ri + 1}
			for j, o := range t.outputs {
				mr.EvaluatedOutputs = append(mr.EvaluatedOutputs, EvaluatedOutput{OutputID: o.id, OutputName: o.name, Value: row[j]})
			}
			rec.MatchedRules = append(rec.MatchedRules, mr)
		}
	}
	if len(matched) == 0 {
		return t.defaults(s, vars)
	}
	switch t.hit {
	case HitUnique, HitFirst:
		return t.shape(outs[0]), nil
	case HitAny:
		for k := 1; k < len(outs); k++ {
			for j := range outs[k] {
				if eq, ok := feel.Equal(outs[0][j], outs[k][j]); !ok || !eq {
					return nil, fmt.Errorf("hit policy ANY: matching rules %s have different outputs", t.ruleList(matched))
				}
			}
		}
		return t.shape(outs[0]), nil
	case HitPriority:
		idx := t.byPriority(outs)
		return t.shape(outs[idx[0]]), nil
	case HitOutputOrder:
		idx := t.byPriority(outs)
		l := make(feel.List, len(idx))
		for k, i := range idx {
			l[k] = t.shape(outs[i])
		}
		return l, nil
	}
	// COLLECT and RULE ORDER
	if t.agg != "" {
		if t.agg == "COUNT" {
			return feel.IntNumber(int64(len(outs))), nil
		}
		// SUM, MIN and MAX take numbers only (a null fails, as in dmn-scala)
		xs := make(feel.List, 0, len(outs))
		for k, row := range outs {
			if _, isNum := row[0].(*feel.Number); !isNum {
				return nil, fmt.Errorf("aggregation %s: rule %d ('%s') output is %s, not a number", t.agg, matched[k]+1, t.rules[matched[k]].id, feel.Format(row[0]))
			}
			xs = append(xs, row[0])
		}
		v, err := t.aggFn.Evaluate(ctx, feel.MapVariables{"xs": xs})
		if err != nil {
			return nil, err
		}
		return v, nil
	}
	l := make(feel.List, len(outs))
	for k, row := range outs {
		l[k] = t.shape(row)
	}
	return l, nil
}

// shape is a rule's result: the single output's value, or a context of
// the outputs by name.
func (t *decisionTable) shape(row []feel.Value) feel.Value {
	if len(t.outputs) == 1 {
		return row[0]
	}
	entries := make([]feel.Entry, len(row))
	for j, v := range row {
		entries[j] = feel.Entry{Key: t.outputs[j].name, Value: v}
	}
	return feel.NewContext(entries...)
}

// defaults is the result when no rule matches, for every hit policy (as
// in Camunda's dmn-scala): null, or the default output entries. Like
// dmn-scala, only outputs with a default make up the result: one such
// output gives its value alone, several a context of them.
func (t *decisionTable) defaults(s *state, vars feel.Variables) (feel.Value, error) {
	var entries []feel.Entry
	for _, o := range t.outputs {
		if o.def == nil {
			continue
		}
		v, err := o.def.Evaluate(s.ctx, vars)
		if err != nil {
			return nil, err
		}
		entries = append(entries, feel.Entry{Key: o.name, Value: coerce(s.ctx, v, o.typ)})
	}
	switch len(entries) {
	case 0:
		return feel.Null{}, nil
	case 1:
		return entries[0].Value, nil
	}
	return feel.NewContext(entries...), nil
}

// byPriority orders the matched rows by the position of their outputs in
// the output values, first output first; ties keep rule order.
func (t *decisionTable) byPriority(outs [][]feel.Value) []int {
	idx := make([]int, len(outs))
	for i := range idx {
		idx[i] = i
	}
	rank := func(row []feel.Value, j int) int {
		order := t.outputs[j].order
		for k, x := range order {
			if eq, ok := feel.Equal(x, row[j]); ok && eq {
				return k
			}
		}
		return len(order)
	}
	sort.SliceStable(idx, func(a, b int) bool {
		for j := range t.outputs {
			ra, rb := rank(outs[idx[a]], j), rank(outs[idx[b]], j)
			if ra != rb {
				return ra < rb
			}
		}
		return false
	})
	return idx
}

func (t *decisionTable) ruleList(matched []int) string {
	parts := make([]string, len(matched))
	for i, ri := range matched {
		id := t.rules[ri].id
		if id == "" {
			id = fmt.Sprintf("#%d", ri+1)
		}
		parts[i] = id
	}
	return strings.Join(parts, ", ")
}
