package dmn

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/feel"
)

// Options configure parsing and evaluation.
type Options struct {
	// Limits bound each FEEL evaluation; zero values select FEEL's defaults.
	Limits feel.Limits
	// Now overrides the clock for now() and today(); nil means time.Now.
	Now func() time.Time
	// Lenient compiles FEEL syntax errors to expressions that evaluate to
	// null instead of rejecting the model, and accepts decisions without
	// an id (DMN allows them, Camunda does not), as conformance suites (the
	// DMN TCK) expect. Deployments leave it false.
	Lenient bool
}

// Parse parses and compiles a DMN model. An invalid model is rejected whole
// with a *ValidationError naming every problem.
func Parse(data []byte) (*Model, error) { return ParseWith(data, Options{}) }

// ParseWith is Parse with options.
func ParseWith(data []byte, opts Options) (*Model, error) {
	root, err := parseXML(data)
	if err != nil {
		return nil, &ValidationError{Problems: []Problem{{Message: "malformed XML: " + err.Error()}}}
	}
	c := &compiler{opts: opts, ns: root.Space, items: map[string]*elem{}, types: map[string]*typeInfo{}}
	m := c.model(root)
	if len(c.problems) > 0 {
		return nil, &ValidationError{Problems: c.problems}
	}
	return m, nil
}

type compiler struct {
	opts     Options
	ns       string
	problems []Problem
	names    []string
	items    map[string]*elem
	types    map[string]*typeInfo
	resolved map[string]bool
	ids      map[string]*elem
	dotted   bool // some name has a '.': FEEL may read a path as one name
}

func (c *compiler) problem(e *elem, format string, args ...any) {
	p := Problem{Message: fmt.Sprintf(format, args...)}
	if e != nil {
		p.Line = e.Line
		p.ElementID = e.attr("id")
	}
	c.problems = append(c.problems, p)
}

func (c *compiler) problemIn(e *elem, ownerID string, format string, args ...any) {
	p := Problem{Message: fmt.Sprintf(format, args...), ElementID: ownerID}
	if e != nil {
		p.Line = e.Line
		if id := e.attr("id"); id != "" {
			p.ElementID = id
		}
	}
	c.problems = append(c.problems, p)
}

// dmnChildren are the children in the model namespace (extensions are skipped).
func (c *compiler) kids(e *elem) []*elem {
	var out []*elem
	for _, k := range e.Children {
		if k.Space == c.ns {
			out = append(out, k)
		}
	}
	return out
}

func (c *compiler) child(e *elem, local string) *elem {
	if e == nil {
		return nil
	}
	for _, k := range e.Children {
		if k.Space == c.ns && k.Local == local {
			return k
		}
	}
	return nil
}

func (c *compiler) all(e *elem, local string) []*elem {
	var out []*elem
	if e == nil {
		return nil
	}
	for _, k := range e.Children {
		if k.Space == c.ns && k.Local == local {
			out = append(out, k)
		}
	}
	return out
}

// collectNames gathers every name in the document: FEEL needs names with
// spaces and operator characters to parse expressions that use them.
func collectNames(e *elem, seen map[string]bool, out *[]string) {
	if n := e.attr("name"); n != "" && !seen[n] {
		seen[n] = true
		*out = append(*out, n)
	}
	if e.Local == "iteratorVariable" || e.hasAttr("iteratorVariable") {
		if n := e.attr("iteratorVariable"); n != "" && !seen[n] {
			seen[n] = true
			*out = append(*out, n)
		}
	}
	for _, k := range e.Children {
		collectNames(k, seen, out)
	}
}

func (c *compiler) model(root *elem) *Model {
	m := &Model{
		ID: root.attr("id"), Name: root.attr("name"), Namespace: root.attr("namespace"),
		byID: map[string]*Decision{}, byName: map[string]*Decision{}, bkmByName: map[string]*bkm{},
		services: map[string]*decisionService{}, opts: c.opts,
	}
	if root.Local != "definitions" {
		c.problem(root, "root element is <%s>, not <definitions>", root.Local)
		return m
	}
	m.Version = dmnVersion(root.Space)
	if m.Version == "" {
		c.problem(root, "unknown DMN namespace %q (DMN 1.1 to 1.5 are supported)", root.Space)
		return m
	}
	if el := root.attr("expressionLanguage"); el != "" && !isFEEL(el) {
		c.problem(root, "expression language %q is not supported (only FEEL)", el)
	}
	collectNames(root, map[string]bool{}, &c.names)
	for _, n := range c.names {
		m.dotted = m.dotted || strings.Contains(n, ".")
	}
	c.dotted = m.dotted
	sort.Slice(c.names, func(i, j int) bool { return len(c.names[i]) > len(c.names[j]) })

	// ids must be unique
	c.ids = map[string]*elem{}
	var walk func(e *elem)
	walk = func(e *elem) {
		if e.Space == c.ns {
			if id := e.attr("id"); id != "" {
				if prev, dup := c.ids[id]; dup {
					c.problem(e, "id '%s' is also used by the element on line %d", id, prev.Line)
				} else {
					c.ids[id] = e
				}
			}
		}
		for _, k := range e.Children {
			walk(k)
		}
	}
	walk(root)

	for _, it := range c.all(root, "itemDefinition") {
		if n := it.attr("name"); n != "" {
			c.items[n] = it
		}
	}
	for _, it := range c.all(root, "itemDefinition") {
		c.typeRef(it.attr("name"), it)
	}

	type pending struct {
		d  *Decision
		el *elem
	}
	var decs []pending
	inputByID := map[string]*inputData{}
	bkmByID := map[string]*bkm{}
	var bkmEls []*elem
	var svcEls []*elem
	for _, k := range c.kids(root) {
		switch k.Local {
		case "decision":
			d := &Decision{ID: k.attr("id"), Name: k.attr("name"), VersionTag: k.attr("versionTag"), line: k.Line}
			if d.ID == "" && !c.opts.Lenient {
				c.problem(k, "decision '%s' has no id (Camunda identifies decisions by id)", d.Name)
			}
			if d.Name == "" {
				c.problem(k, "decision has no name")
			}
			if prev, dup := m.byName[d.Name]; dup && d.Name != "" {
				c.problem(k, "decision name '%s' is also used by decision '%s'", d.Name, prev.ID)
			}
			m.decisions = append(m.decisions, d)
			if d.ID != "" {
				m.byID[d.ID] = d
			}
			m.byName[d.Name] = d
			decs = append(decs, pending{d, k})
		case "inputData":
			in := &inputData{InputData: InputData{ID: k.attr("id"), Name: k.attr("name")}}
			if in.Name == "" {
				c.problem(k, "input data has no name")
			}
			in.typ = c.variableType(k)
			m.inputs = append(m.inputs, in)
			inputByID[in.ID] = in
		case "businessKnowledgeModel":
			b := &bkm{BusinessKnowledgeModel: BusinessKnowledgeModel{ID: k.attr("id"), Name: k.attr("name")}}
			if b.Name == "" {
				c.problem(k, "business knowledge model has no name")
			}
			m.bkms = append(m.bkms, b)
			m.bkmByName[b.Name] = b
			bkmByID[b.ID] = b
			bkmEls = append(bkmEls, k)
		case "decisionService":
			svcEls = append(svcEls, k)
		}
	}
	svcByID := map[string]*decisionService{}
	for _, k := range svcEls {
		s := &decisionService{id: k.attr("id"), name: k.attr("name"), typ: c.variableType(k)}
		ref := func(local string, into *[]*Decision) {
			for _, r := range c.all(k, local) {
				id := hrefID(r.attr("href"))
				d, ok := m.byID[id]
				if !ok {
					c.problem(k, "decision service %s references unknown decision '%s'", local, r.attr("href"))
					continue
				}
				*into = append(*into, d)
			}
		}
		ref("outputDecision", &s.outputs)
		ref("encapsulatedDecision", &s.encapsulated)
		ref("inputDecision", &s.inputDecisions)
		for _, r := range c.all(k, "inputData") {
			in, ok := inputByID[hrefID(r.attr("href"))]
			if !ok {
				c.problem(k, "decision service references unknown input data '%s'", r.attr("href"))
				continue
			}
			s.inputData = append(s.inputData, in)
		}
		for _, in := range s.inputData {
			s.params = append(s.params, in.Name)
		}
		for _, d := range s.inputDecisions {
			s.params = append(s.params, d.Name)
		}
		svcByID[s.id] = s
		m.services[s.id] = s
		m.services[s.name] = s
	}

	// knowledge requirements of business knowledge models
	for i, k := range bkmEls {
		b := m.bkms[i]
		for _, kr := range c.all(k, "knowledgeRequirement") {
			rk := c.child(kr, "requiredKnowledge")
			if rk == nil {
				continue
			}
			id := hrefID(rk.attr("href"))
			if rb, ok := bkmByID[id]; ok {
				b.reqBKM = append(b.reqBKM, rb)
			} else if s, ok := svcByID[id]; ok {
				b.reqSvc = append(b.reqSvc, s)
			} else {
				c.problem(kr, "business knowledge model '%s' requires unknown knowledge '%s'", b.Name, rk.attr("href"))
			}
		}
		b.typ = c.variableType(k)
		logic := c.child(k, "encapsulatedLogic")
		if logic == nil {
			b.fn = &funcDef{name: b.Name, body: nullExpr{}}
			continue
		}
		b.fn = c.functionDefinition(logic, b.ID, b.Name)
		if b.typ != nil && b.typ.fn != nil {
			b.fn.out = b.typ.fn.out
		}
		b.Parameters = b.fn.paramNames
	}

	// decisions: requirements, then logic
	for _, p := range decs {
		d, k := p.d, p.el
		for _, ir := range c.all(k, "informationRequirement") {
			if rd := c.child(ir, "requiredDecision"); rd != nil {
				id := hrefID(rd.attr("href"))
				if x, ok := m.byID[id]; ok {
					d.reqDec = append(d.reqDec, x)
					d.RequiredDecisions = append(d.RequiredDecisions, id)
				} else {
					c.problemIn(ir, d.ID, "decision '%s' requires unknown decision '%s'", d.Name, rd.attr("href"))
				}
			}
			if ri := c.child(ir, "requiredInput"); ri != nil {
				id := hrefID(ri.attr("href"))
				if x, ok := inputByID[id]; ok {
					d.reqInput = append(d.reqInput, x)
					d.RequiredInputs = append(d.RequiredInputs, id)
				} else {
					c.problemIn(ir, d.ID, "decision '%s' requires unknown input data '%s'", d.Name, ri.attr("href"))
				}
			}
		}
		for _, kr := range c.all(k, "knowledgeRequirement") {
			rk := c.child(kr, "requiredKnowledge")
			if rk == nil {
				continue
			}
			id := hrefID(rk.attr("href"))
			if x, ok := bkmByID[id]; ok {
				d.reqBKM = append(d.reqBKM, x)
				d.RequiredKnowledge = append(d.RequiredKnowledge, id)
			} else if s, ok := svcByID[id]; ok {
				d.reqBKM = append(d.reqBKM, &bkm{BusinessKnowledgeModel: BusinessKnowledgeModel{ID: s.id, Name: s.name}, reqSvc: []*decisionService{s}})
				d.RequiredKnowledge = append(d.RequiredKnowledge, id)
			} else {
				c.problemIn(kr, d.ID, "decision '%s' requires unknown knowledge '%s'", d.Name, rk.attr("href"))
			}
		}
		d.typ = c.variableType(k)
		d.resultName = d.ID
		if v := c.child(k, "variable"); v != nil && v.attr("name") != "" {
			d.resultName = v.attr("name")
		}
		d.noScope = len(d.reqDec) == 0 && len(d.reqBKM) == 0 && len(d.reqInput) == 0
		logic := c.logicOf(k)
		if logic == nil {
			d.Type = TypeNone
			d.logic = nullExpr{}
			continue
		}
		d.Type = decisionType(logic.Local)
		d.logic = c.expression(logic, d.ID)
	}
	c.checkCycles(m)
	return m
}

func isFEEL(lang string) bool {
	l := strings.ToLower(lang)
	return strings.Contains(l, "feel")
}

// hrefID strips the leading '#' (and any namespace before it) of a reference.
func hrefID(href string) string {
	if i := strings.LastIndexByte(href, '#'); i >= 0 {
		return href[i+1:]
	}
	return href
}

var logicElements = map[string]string{
	"decisionTable":      TypeDecisionTable,
	"literalExpression":  TypeLiteralExpression,
	"context":            TypeContext,
	"list":               TypeList,
	"relation":           TypeRelation,
	"invocation":         TypeInvocation,
	"functionDefinition": TypeFunctionDefinition,
	"conditional":        TypeConditional,
	"filter":             TypeFilter,
	"for":                TypeIteration,
	"some":               TypeQuantified,
	"every":              TypeQuantified,
}

func decisionType(local string) string { return logicElements[local] }

// logicOf returns the first boxed expression child of e.
func (c *compiler) logicOf(e *elem) *elem {
	if e == nil {
		return nil
	}
	for _, k := range c.kids(e) {
		if _, ok := logicElements[k.Local]; ok {
			return k
		}
	}
	return nil
}

func (c *compiler) checkCycles(m *Model) {
	const (
		white = iota
		grey
		black
	)
	color := map[*Decision]int{}
	var visit func(d *Decision) bool
	visit = func(d *Decision) bool {
		switch color[d] {
		case grey:
			return false
		case black:
			return true
		}
		color[d] = grey
		for _, r := range d.reqDec {
			if !visit(r) {
				if color[d] == grey {
					c.problems = append(c.problems, Problem{ElementID: d.ID, Line: d.line, Message: fmt.Sprintf("decision '%s' is part of a cycle of required decisions", d.Name)})
				}
				color[d] = black
				return true
			}
		}
		color[d] = black
		return true
	}
	for _, d := range m.decisions {
		visit(d)
	}
}

// feelExpr compiles an expression; a syntax error is a problem (or, when
// lenient, an expression that evaluates to null).
func (c *compiler) feelExpr(src string, e *elem, owner string) *feel.Expression {
	x, err := feel.CompileWith(src, feel.Options{Names: c.names, Limits: c.opts.Limits, Now: c.opts.Now})
	if err != nil {
		if !c.opts.Lenient {
			c.problemIn(e, owner, "invalid FEEL expression %q: %v", abbreviate(src), err)
		}
		return nil
	}
	return x
}

func (c *compiler) unaryTests(src string, e *elem, owner string) *feel.Expression {
	x, err := feel.CompileUnaryTests(src, feel.Options{Names: c.names, Limits: c.opts.Limits, Now: c.opts.Now})
	if err != nil {
		if !c.opts.Lenient {
			c.problemIn(e, owner, "invalid FEEL unary tests %q: %v", abbreviate(src), err)
		}
		return nil
	}
	return x
}

func abbreviate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// checkLanguage reports a non-FEEL expression language on e.
func (c *compiler) checkLanguage(e *elem, owner string) bool {
	if el := e.attr("expressionLanguage"); el != "" && !isFEEL(el) {
		c.problemIn(e, owner, "expression language %q is not supported (only FEEL)", el)
		return false
	}
	return true
}
