package dmn

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// elem is one XML element of a DMN document with the line it starts on.
type elem struct {
	Space, Local string
	Attrs        []xml.Attr
	Children     []*elem
	Text         string
	Line         int
}

func (e *elem) attr(local string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	for _, a := range e.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (e *elem) hasAttr(local string) bool {
	for _, a := range e.Attrs {
		if a.Name.Local == local {
			return true
		}
	}
	return false
}

// maxDepth bounds element nesting so hostile documents cannot exhaust the stack.
const maxDepth = 200

// parseXML reads a document into an element tree, recording line numbers.
func parseXML(data []byte) (*elem, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*elem
	var root *elem
	line := 1
	last := int64(0)
	advance := func(off int64) {
		if off > int64(len(data)) {
			off = int64(len(data))
		}
		if off > last {
			line += bytes.Count(data[last:off], []byte{'\n'})
			last = off
		}
	}
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		advance(start)
		switch t := tok.(type) {
		case xml.StartElement:
			// the token starts after leading whitespace of the raw range
			raw := data[start:min(d.InputOffset(), int64(len(data)))]
			ln := line + bytes.Count(raw[:max(0, bytes.IndexByte(raw, '<'))], []byte{'\n'})
			e := &elem{Space: t.Name.Space, Local: t.Name.Local, Attrs: t.Attr, Line: ln}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, e)
			} else if root == nil {
				root = e
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("line %d: elements nested deeper than %d", ln, maxDepth)
			}
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}
