package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// Key is an engine key (a Java long). On the wire it is a decimal string,
// as in Camunda's REST API v2; a JSON integer is accepted too.
type Key int64

// ParseKey parses a key from its decimal form.
func ParseKey(s string) (Key, error) {
	if s == "" || len(s) > 25 {
		return 0, fmt.Errorf("%q is not a valid key", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a valid key", s)
	}
	return Key(n), nil
}

func (k Key) String() string { return strconv.FormatInt(int64(k), 10) }

// MarshalJSON writes the key as a string.
func (k Key) MarshalJSON() ([]byte, error) {
	return []byte(`"` + k.String() + `"`), nil
}

// UnmarshalJSON reads a decimal string or an integer.
func (k *Key) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseKey(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: keyType}
	}
	*k = v
	return nil
}

var keyType = reflect.TypeFor[Key]()

// keyRef is a nullable key in a response: nil for none (0).
func keyRef(k int64) *Key {
	if k == 0 {
		return nil
	}
	v := Key(k)
	return &v
}
