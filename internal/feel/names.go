package feel

// Names returns the names the expression reads from its context (the
// variables it depends on), each once, in source order; for a path such as
// order.total, the first name (order). The functions it calls are not
// among them. Names bound inside the expression (by for, some, every or a
// function definition) may be: the list errs on the side of more.
func (x *Expression) Names() []string {
	called := map[node]bool{}
	walk(x.root, func(n node) bool {
		if c, ok := n.(*callExpr); ok {
			if _, isName := c.fn.(*nameRef); isName {
				called[c.fn] = true
			}
		}
		return true
	})
	var out []string
	seen := map[string]bool{}
	walk(x.root, func(n node) bool {
		if r, ok := n.(*nameRef); ok && !called[n] && !seen[r.name] {
			seen[r.name] = true
			out = append(out, r.name)
		}
		return true
	})
	return out
}
