package mcpgw

import (
	"fmt"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
)

// The simplified search arguments of Camunda's MCP tools and their
// translation into the REST API's search queries: plain values are exact
// matches, date ranges are {$gte: from, $lt: to}, variable filters match
// the serialized JSON value exactly.

// dateRange is {from (inclusive), to (exclusive)}, RFC 3339.
type dateRange struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

// searchPage is Camunda's simplified page: the four fields of the REST
// API's page variants in one object.
type searchPage struct {
	After  *string `json:"after"`
	Before *string `json:"before"`
	From   *int32  `json:"from"`
	Limit  *int32  `json:"limit"`
}

type searchSort struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

type variableValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// argError is an argument that passed the schema but cannot be used; it is
// reported as a validation error ("<argument>: <message>").
type argError struct{ path, msg string }

func (e *argError) Error() string { return e.path + ": " + e.msg }

func (d *dateRange) filter(path string) (*cluster.DateFilter, error) {
	if d == nil || d.From == nil && d.To == nil {
		return nil, nil
	}
	f := &cluster.DateFilter{}
	parse := func(s *string, name string) (*time.Time, error) {
		if s == nil {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, *s)
		if err != nil {
			return nil, &argError{path + "." + name, fmt.Sprintf("'%s' is not an RFC 3339 date-time (e.g. '2024-12-17T10:30:00Z').", *s)}
		}
		return &t, nil
	}
	var err error
	if f.Gte, err = parse(d.From, "from"); err != nil {
		return nil, err
	}
	if f.Lt, err = parse(d.To, "to"); err != nil {
		return nil, err
	}
	return f, nil
}

func (p *searchPage) request() *cluster.PageRequest {
	if p == nil {
		return nil
	}
	return &cluster.PageRequest{After: p.After, Before: p.Before, From: p.From, Limit: p.Limit}
}

func sortRequests(s []searchSort) []cluster.SortRequest {
	out := make([]cluster.SortRequest, 0, len(s))
	for _, x := range s {
		out = append(out, cluster.SortRequest{Field: x.Field, Order: x.Order})
	}
	return out
}

func variableFilters(vs []variableValue) []cluster.VariableValueFilter {
	if len(vs) == 0 {
		return nil
	}
	out := make([]cluster.VariableValueFilter, 0, len(vs))
	for _, v := range vs {
		out = append(out, cluster.VariableValueFilter{Name: v.Name, Value: strEq(&v.Value)})
	}
	return out
}

func strEq(s *string) *cluster.StringFilter {
	if s == nil {
		return nil
	}
	return &cluster.StringFilter{Filter: cluster.Filter[string]{Eq: s}}
}

func keyEq(k *cluster.Key) *cluster.KeyFilter {
	if k == nil {
		return nil
	}
	return &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: k}}
}

func intEq(n *int32) *cluster.IntFilter {
	if n == nil {
		return nil
	}
	v := int64(*n)
	return &cluster.IntFilter{Filter: cluster.Filter[int64]{Eq: &v}}
}

// dates converts date ranges, keeping the first error.
type dates struct{ err error }

func (c *dates) of(d *dateRange, path string) *cluster.DateFilter {
	if c.err != nil {
		return nil
	}
	f, err := d.filter(path)
	c.err = err
	return f
}

func emptyPage[T any]() *cluster.SearchResult[T] {
	return &cluster.SearchResult[T]{Items: []T{}}
}
