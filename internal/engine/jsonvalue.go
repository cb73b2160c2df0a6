package engine

import "github.com/orcabpm/orca/internal/jsontext"

// decodeJSON decodes a stored variable value for FEEL: objects as
// map[string]any, arrays as []any, numbers as json.Number (their text, no
// precision lost), strings, booleans and null; nil when s is no JSON value.
// It is what encoding/json's Decoder with UseNumber gives, without its
// allocations for the compact, plain JSON the engine stores (a variable is
// decoded each time a command reads it first): jsontext.Decode.
func decodeJSON(s string) any {
	return jsontext.Decode(s)
}
