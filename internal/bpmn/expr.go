package bpmn

import (
	"strconv"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// expr reads an attribute value: "=..." is a FEEL expression, compiled now so
// that a wrong expression is reported at deployment; anything else is static.
func (b *builder) expr(id string, line int, field, raw string) Expression {
	x := Expression{Raw: raw}
	src, ok := strings.CutPrefix(strings.TrimSpace(raw), "=")
	if !ok {
		return x
	}
	if strings.TrimSpace(src) == "" {
		b.problem(id, line, "the %s expression is empty", field)
		return x
	}
	c, err := feel.CompileWith(src, feel.Options{Now: b.opts.Now})
	if err != nil {
		b.problem(id, line, "the %s '%s' is not a valid FEEL expression: %v", field, raw, err)
		return x
	}
	x.FEEL = c
	return x
}

func parseInt(s string) (int64, error) {
	return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
}
