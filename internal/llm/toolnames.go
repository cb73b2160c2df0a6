package llm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// MaxToolNameLength is the longest tool name OpenAI and Anthropic accept.
const MaxToolNameLength = 64

// toolNameHashLength is the number of hex digits of the name's hash that make
// a shortened name unique.
const toolNameHashLength = 10

// ValidToolName reports whether vendors accept name as it is:
// ^[A-Za-z0-9_-]{1,64}$.
func ValidToolName(name string) bool {
	if name == "" || len(name) > MaxToolNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !toolNameByte(name[i]) {
			return false
		}
	}
	return true
}

func toolNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// VendorToolName returns the name sent to the vendor for a tool named name:
// name itself when it is valid, else a deterministic short form: name with
// every other character (rune) replaced by '_', cut to fit, then '_' and the first
// hex digits of its SHA-256. The same name always gives the same vendor name,
// so tool calls stored in a conversation map the same way on every request.
func VendorToolName(name string) string {
	if ValidToolName(name) {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := hex.EncodeToString(sum[:])[:toolNameHashLength]
	var b strings.Builder
	for _, r := range name {
		if b.Len() == MaxToolNameLength-1-toolNameHashLength {
			break
		}
		if r < 0x80 && toolNameByte(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	b.WriteByte('_')
	b.WriteString(suffix)
	return b.String()
}

// toolNames is the per-request mapping between tool names and vendor names.
type toolNames struct {
	out  map[string]string // name -> vendor name
	back map[string]string // vendor name -> name
}

// newToolNames maps every tool name of req: the tools and the tool calls and
// results in its history. Two names that would reach the vendor as one are an
// error.
func newToolNames(req *Request) (*toolNames, error) {
	m := &toolNames{out: map[string]string{}, back: map[string]string{}}
	add := func(name string) error {
		if _, ok := m.out[name]; ok {
			return nil
		}
		v := VendorToolName(name)
		if other, ok := m.back[v]; ok && other != name {
			return fmt.Errorf("tool names %q and %q both reach the vendor as %q", other, name, v)
		}
		m.out[name], m.back[v] = v, name
		return nil
	}
	for _, t := range req.Tools {
		if err := add(t.Name); err != nil {
			return nil, err
		}
	}
	for _, msg := range req.Messages {
		for _, c := range msg.ToolCalls {
			if err := add(c.Name); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// vendor returns the vendor name of a tool.
func (m *toolNames) vendor(name string) string {
	if v, ok := m.out[name]; ok {
		return v
	}
	return VendorToolName(name)
}

// original returns the tool name of a vendor name. A name the request did not
// define (a model's invention) comes back unchanged.
func (m *toolNames) original(vendor string) string {
	if n, ok := m.back[vendor]; ok {
		return n
	}
	return vendor
}
