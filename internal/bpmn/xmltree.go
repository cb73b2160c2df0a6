package bpmn

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces of the documents Camunda Modeler writes for Camunda 8.
const (
	NSBPMN  = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	NSZeebe = "http://camunda.org/schema/zeebe/1.0"
)

// node is one XML element with the line it starts on. Parsing into a small
// tree first (instead of decoding straight into structs) keeps line numbers
// for error messages and lets the model builder see unknown elements, which
// it must reject rather than silently ignore.
type node struct {
	Space, Local string
	Attrs        []xml.Attr
	Children     []*node
	Text         string
	Line         int
}

func (n *node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local && (a.Name.Space == "" || a.Name.Space == NSBPMN) {
			return a.Value
		}
	}
	return ""
}

// child returns the first child in namespace space with the local name.
func (n *node) child(space, local string) *node {
	for _, c := range n.Children {
		if c.Space == space && c.Local == local {
			return c
		}
	}
	return nil
}

func (n *node) children(space, local string) []*node {
	var out []*node
	for _, c := range n.Children {
		if c.Space == space && c.Local == local {
			out = append(out, c)
		}
	}
	return out
}

// parseTree reads a whole XML document. Comments, processing instructions
// and directives are dropped; character data is kept per element (trimmed).
func parseTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*node
	var root *node
	var text strings.Builder
	line := 1
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &Problem{Line: se.Line, Message: "malformed XML: " + se.Msg}
			}
			return nil, &Problem{Line: line, Message: "malformed XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{Space: t.Name.Space, Local: t.Name.Local, Attrs: append([]xml.Attr(nil), t.Attr...), Line: line}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
			text.Reset()
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, &Problem{Line: line, Message: fmt.Sprintf("malformed XML: unexpected </%s>", t.Name.Local)}
			}
			n := stack[len(stack)-1]
			if len(n.Children) == 0 {
				n.Text = strings.TrimSpace(text.String())
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			text.Write(t)
		}
		// InputPos is the end of the token just read; the next token starts
		// on this line (or later), which is what the next StartElement records.
		line, _ = d.InputPos()
	}
	if root == nil {
		return nil, &Problem{Line: 1, Message: "malformed XML: the document is empty"}
	}
	return root, nil
}
