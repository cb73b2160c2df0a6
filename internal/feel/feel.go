// Package feel implements FEEL (Friendly Enough Expression Language) with the
// semantics of Camunda's feel-scala as used by Zeebe: expressions are parsed
// once, compiled to Go closures and evaluated against JSON-shaped variables.
//
// A missing variable or a failing sub-expression evaluates to null and is
// reported as a Warning; Evaluate returns an error only for cancellation,
// exceeded execution limits and failed assert() calls.
package feel

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Variables resolves top-level names. Values are JSON-shaped Go values as
// produced by encoding/json with UseNumber (nil, bool, string, json.Number,
// float64, int, int64, map[string]any, []any) or FEEL Values.
type Variables interface {
	Lookup(name string) (any, bool)
}

// MapVariables is a Variables backed by a map.
type MapVariables map[string]any

// Lookup implements Variables.
func (m MapVariables) Lookup(name string) (any, bool) {
	v, ok := m[name]
	return v, ok
}

type noVariables struct{}

func (noVariables) Lookup(string) (any, bool) { return nil, false }

// WarningKind classifies why a sub-expression became null, after
// feel-scala's suppressed failure types.
type WarningKind string

// Warning kinds.
const (
	NoVariableFound           WarningKind = "NO_VARIABLE_FOUND"
	NoFunctionFound           WarningKind = "NO_FUNCTION_FOUND"
	NoContextEntryFound       WarningKind = "NO_CONTEXT_ENTRY_FOUND"
	NoPropertyFound           WarningKind = "NO_PROPERTY_FOUND"
	InvalidType               WarningKind = "INVALID_TYPE"
	NotComparable             WarningKind = "NOT_COMPARABLE"
	FunctionInvocationFailure WarningKind = "FUNCTION_INVOCATION_FAILURE"
	InvalidArgument           WarningKind = "INVALID_ARGUMENT"
)

// Warning explains why part of an expression evaluated to null.
type Warning struct {
	Kind    WarningKind
	Message string
}

func (w Warning) String() string { return string(w.Kind) + ": " + w.Message }

// ErrLimitExceeded is wrapped by errors returned when an evaluation exceeds
// its step, recursion or memory budget.
var ErrLimitExceeded = errors.New("feel: execution limit exceeded")

// AssertionError is returned when assert(...) fails.
type AssertionError struct {
	Message string
}

func (e *AssertionError) Error() string { return "assertion failed: " + e.Message }

// Limits bound the work of one evaluation.
type Limits struct {
	MaxSteps int // iterations, filter items and function calls; 0 = default (1,000,000)
	MaxDepth int // nested function calls; 0 = default (256)
	// MaxValueBytes bounds one string, list or context the evaluation builds
	// or returns, measured roughly as its JSON text; 0 = default (16 MiB).
	MaxValueBytes int
	// MaxTotalBytes bounds all strings, lists and contexts one evaluation
	// builds together; 0 = default (256 MiB).
	MaxTotalBytes int64
}

// Options configure compilation.
type Options struct {
	// Names lists variable names that contain spaces or operator characters
	// (e.g. "Monthly Salary", "income/expenses") so the parser can resolve them.
	Names []string
	// Limits bound evaluation; zero values select the defaults.
	Limits Limits
	// Now overrides the clock for now() and today(); nil means time.Now.
	Now func() time.Time
}

// Expression is a compiled FEEL expression, safe for concurrent use.
type Expression struct {
	src    string
	root   node
	fn     evalFn
	limits Limits
	now    func() time.Time
	unary  bool
}

// Compile parses and compiles a FEEL expression (without Zeebe's leading '=').
// Syntax errors are *SyntaxError.
func Compile(src string) (*Expression, error) {
	return CompileWith(src, Options{})
}

// CompileWith is Compile with options.
func CompileWith(src string, opts Options) (*Expression, error) {
	root, err := parse(src, opts.Names)
	if err != nil {
		return nil, err
	}
	c := &compiler{src: src}
	fn := c.compile(root)
	return newExpression(src, root, fn, opts), nil
}

// CompileUnaryTests compiles DMN unary tests ("< 5", "[1..3]", "\"a\",\"b\"",
// "not(1, 2)", "-") into an expression that tests the input value bound to
// '?' and evaluates to a boolean. Use EvaluateTest to run it.
func CompileUnaryTests(src string, opts Options) (*Expression, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := newParser(src, toks, opts.Names)
	if p.peek().kind == tEOF {
		return nil, p.errAt(0, "empty unary tests")
	}
	tests, negated, err := p.parseUnaryTests()
	if err != nil {
		return nil, err
	}
	pos, _ := tests[0].span()
	_, end := tests[len(tests)-1].span()
	var root node = &inExpr{base: base{pos, end}, x: &nameRef{base: base{pos, pos}, name: "?"}, tests: tests}
	if negated {
		root = &notTest{base: base{pos, end}, tests: []node{root}}
	}
	c := &compiler{src: src}
	fn := c.compile(root)
	x := newExpression(src, root, fn, opts)
	x.unary = true
	return x, nil
}

func newExpression(src string, root node, fn evalFn, opts Options) *Expression {
	lim := opts.Limits
	if lim.MaxSteps <= 0 {
		lim.MaxSteps = 1_000_000
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = 256
	}
	if lim.MaxValueBytes <= 0 {
		lim.MaxValueBytes = DefaultMaxValueBytes
	}
	if lim.MaxTotalBytes <= 0 {
		lim.MaxTotalBytes = DefaultMaxTotalBytes
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Expression{src: src, root: root, fn: fn, limits: lim, now: now}
}

// Source returns the expression text.
func (x *Expression) Source() string { return x.src }

// String returns the expression text.
func (x *Expression) String() string { return x.src }

// Evaluate evaluates the expression.
func (x *Expression) Evaluate(ctx context.Context, vars Variables) (Value, error) {
	v, _, err := x.eval(ctx, vars, nil, false)
	return v, err
}

// EvaluateDetailed evaluates the expression and also returns the warnings
// explaining why sub-expressions became null.
func (x *Expression) EvaluateDetailed(ctx context.Context, vars Variables) (Value, []Warning, error) {
	return x.eval(ctx, vars, nil, false)
}

// EvaluateTest evaluates unary tests (see CompileUnaryTests) against input.
func (x *Expression) EvaluateTest(ctx context.Context, input Value, vars Variables) (Value, []Warning, error) {
	if input == nil {
		input = Null{}
	}
	return x.eval(ctx, vars, input, true)
}

func (x *Expression) eval(ctx context.Context, vars Variables, input Value, hasInput bool) (v Value, warns []Warning, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if vars == nil {
		vars = noVariables{}
	}
	e := &env{ctx: ctx, vars: vars, limits: x.limits, now: x.now}
	if hasInput {
		e.input = input
		e.hasInput = true
	}
	defer func() {
		if r := recover(); r != nil {
			v, warns, err = nil, e.warnings, fmt.Errorf("feel: internal error evaluating %q: %v", x.src, r)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("feel: evaluation cancelled: %w", err)
	}
	v = x.fn(e)
	if e.err == nil {
		if n := deepSize(v, e.limits.MaxValueBytes); n > e.limits.MaxValueBytes {
			e.fail(memoryError("a result", int64(n), int64(e.limits.MaxValueBytes)))
		}
	}
	if e.err != nil {
		return nil, e.warnings, e.err
	}
	if v == nil {
		v = Null{}
	}
	return v, e.warnings, nil
}
