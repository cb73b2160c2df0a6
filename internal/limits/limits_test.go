package limits_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/limits"
)

func TestVariables(t *testing.T) {
	many := map[string]json.RawMessage{}
	for i := 0; i <= limits.MaxVariablesPerCommand; i++ {
		many[fmt.Sprint("v", i)] = json.RawMessage("1")
	}
	big := json.RawMessage(`"` + strings.Repeat("x", limits.MaxVariableBytes) + `"`)
	atLimit := json.RawMessage(`"` + strings.Repeat("x", limits.MaxVariableBytes-2) + `"`)
	five := map[string]json.RawMessage{}
	for i := range 5 {
		five[fmt.Sprint("v", i)] = atLimit
	}
	for _, tc := range []struct {
		name  string
		vars  map[string]json.RawMessage
		limit string // "" = accepted
	}{
		{"none", nil, ""},
		{"a value at the limit", map[string]json.RawMessage{"a": atLimit}, ""},
		{"a value over the limit", map[string]json.RawMessage{"a": big}, "maxVariableBytes"},
		{"too many", many, "maxVariablesPerCommand"},
		{"a long name", map[string]json.RawMessage{strings.Repeat("n", limits.MaxVariableNameBytes+1): json.RawMessage("1")}, "maxVariableNameBytes"},
		{"too much together", five, "maxCommandVariableBytes"},
	} {
		err := limits.Variables(tc.vars)
		var le *limits.Error
		switch {
		case tc.limit == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.limit != "" && (!errors.As(err, &le) || le.Name != tc.limit || !strings.Contains(err.Error(), tc.limit)):
			t.Errorf("%s: err = %v, want the limit %s named", tc.name, err, tc.limit)
		}
	}
}
