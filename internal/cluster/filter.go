package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Filter is a condition on one property of a search: an advanced filter
// with Camunda's operators. Unset operators do not apply; several set ones
// must all hold. In JSON a plain value stands for {"$eq": value}.
type Filter[T any] struct {
	Eq     *T      `json:"$eq,omitempty"`
	Neq    *T      `json:"$neq,omitempty"`
	Exists *bool   `json:"$exists,omitempty"`
	Gt     *T      `json:"$gt,omitempty"`
	Gte    *T      `json:"$gte,omitempty"`
	Lt     *T      `json:"$lt,omitempty"`
	Lte    *T      `json:"$lte,omitempty"`
	In     []T     `json:"$in,omitempty"`
	NotIn  []T     `json:"$notIn,omitempty"`
	Like   *string `json:"$like,omitempty"` // * any run, ? one character, \ escapes
}

// The operators each kind of property takes, as the 8.9 spec lists them.
const (
	opEq = 1 << iota
	opNeq
	opExists
	opGt
	opGte
	opLt
	opLte
	opIn
	opNotIn
	opLike

	stringOps = opEq | opNeq | opExists | opIn | opNotIn | opLike
	rangeOps  = opEq | opNeq | opExists | opGt | opGte | opLt | opLte | opIn
	keyOps    = opEq | opNeq | opExists | opIn | opNotIn
)

var opBits = map[string]int{"$eq": opEq, "$neq": opNeq, "$exists": opExists, "$gt": opGt, "$gte": opGte,
	"$lt": opLt, "$lte": opLte, "$in": opIn, "$notIn": opNotIn, "$like": opLike}

// opSet names the operators a property kind accepts.
type opSet interface{ ops() int }

type (
	stringKind struct{}
	rangeKind  struct{}
	keyKind    struct{}
)

func (stringKind) ops() int { return stringOps }
func (rangeKind) ops() int  { return rangeOps }
func (keyKind) ops() int    { return keyOps }

// Prop is a filter property of one kind: the operators O allows on values T.
type Prop[T any, O opSet] struct{ Filter[T] }

// Filter property kinds of the REST API.
type (
	// StringFilter: $eq $neq $exists $in $notIn $like.
	StringFilter = Prop[string, stringKind]
	// EnumFilter is a StringFilter whose values must be in an enumeration.
	EnumFilter = Prop[string, stringKind]
	// IntFilter: $eq $neq $exists $gt $gte $lt $lte $in.
	IntFilter = Prop[int64, rangeKind]
	// DateFilter: as IntFilter, on RFC 3339 date-times.
	DateFilter = Prop[time.Time, rangeKind]
	// KeyFilter: $eq $neq $exists $in $notIn.
	KeyFilter = Prop[Key, keyKind]
)

// Eq makes a filter property that matches v.
func Eq[T any, O opSet](v T) *Prop[T, O] { return &Prop[T, O]{Filter[T]{Eq: &v}} }

// UnmarshalJSON reads a plain value or an object of operators.
func (p *Prop[T, O]) UnmarshalJSON(b []byte) error {
	var o O
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("expected a value or an object of filter operators: %w", err)
		}
		p.Filter = Filter[T]{Eq: &v}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var f Filter[T]
	for name, v := range raw {
		bit, known := opBits[name]
		if !known || o.ops()&bit == 0 {
			return fmt.Errorf("the filter operator %q is not supported here", name)
		}
		var dst any
		switch bit {
		case opEq:
			dst = &f.Eq
		case opNeq:
			dst = &f.Neq
		case opExists:
			dst = &f.Exists
		case opGt:
			dst = &f.Gt
		case opGte:
			dst = &f.Gte
		case opLt:
			dst = &f.Lt
		case opLte:
			dst = &f.Lte
		case opIn:
			dst = &f.In
		case opNotIn:
			dst = &f.NotIn
		case opLike:
			dst = &f.Like
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("filter operator %s: %w", name, err)
		}
	}
	p.Filter = f
	return nil
}

// MarshalJSON writes a plain value when only $eq is set.
func (p Prop[T, O]) MarshalJSON() ([]byte, error) {
	f := p.Filter
	if f.Eq != nil && f.Neq == nil && f.Exists == nil && f.Gt == nil && f.Gte == nil && f.Lt == nil &&
		f.Lte == nil && f.In == nil && f.NotIn == nil && f.Like == nil {
		return json.Marshal(*f.Eq)
	}
	return json.Marshal(f)
}

// VariableValueFilter is a condition on a variable: its name, and a
// StringFilter on its value serialized as JSON.
type VariableValueFilter struct {
	Name  string        `json:"name"`
	Value *StringFilter `json:"value"`
}
