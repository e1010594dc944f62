package document

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stewardhq/steward"
)

// writeJSON writes n as JSON. indent "" gives the compact form; otherwise
// nested levels are indented by it. Keys keep document order and <, >, &
// are not escaped (AWS does not escape them either).
func writeJSON(buf *bytes.Buffer, n *node, indent string, depth int) {
	newline := func(d int) {
		if indent != "" {
			buf.WriteByte('\n')
			buf.WriteString(strings.Repeat(indent, d))
		}
	}
	switch n.kind {
	case kindNull:
		buf.WriteString("null")
	case kindBool, kindNumber:
		buf.WriteString(n.text)
	case kindString:
		writeJSONString(buf, n.text)
	case kindArray:
		if len(n.items) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(depth + 1)
			writeJSON(buf, it, indent, depth+1)
		}
		newline(depth)
		buf.WriteByte(']')
	case kindObject:
		if len(n.keys) == 0 {
			buf.WriteString("{}")
			return
		}
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			newline(depth + 1)
			writeJSONString(buf, k)
			buf.WriteByte(':')
			if indent != "" {
				buf.WriteByte(' ')
			}
			writeJSON(buf, n.vals[i], indent, depth+1)
		}
		newline(depth)
		buf.WriteByte('}')
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// compactJSON renders n as compact JSON in document order.
func compactJSON(n *node) string {
	var buf bytes.Buffer
	writeJSON(&buf, n, "", 0)
	return buf.String()
}

// yamlNode converts n to a yaml.Node. Strings carry the !!str tag so the
// encoder quotes any that would read back as another type ("true", "1",
// "<<", "2001-12-14"); other scalars are plain.
func yamlNode(n *node) *yaml.Node {
	switch n.kind {
	case kindNull:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: "null"}
	case kindBool, kindNumber:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: n.text}
	case kindString:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.text}
	case kindArray:
		out := &yaml.Node{Kind: yaml.SequenceNode, Content: make([]*yaml.Node, 0, len(n.items))}
		for _, it := range n.items {
			out.Content = append(out.Content, yamlNode(it))
		}
		return out
	default:
		out := &yaml.Node{Kind: yaml.MappingNode, Content: make([]*yaml.Node, 0, 2*len(n.keys))}
		for i, k := range n.keys {
			out.Content = append(out.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(n.vals[i]))
		}
		return out
	}
}

// writeYAML renders n as a YAML document with two-space indentation.
func writeYAML(n *node) (out string, err error) {
	defer func() { // see parseYAML: third-party code must not crash a request
		if r := recover(); r != nil {
			out, err = "", steward.Internal(fmt.Errorf("render YAML: %v", r))
		}
	}()
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNode(n)); err != nil {
		return "", steward.Internal(fmt.Errorf("render YAML: %w", err))
	}
	if err := enc.Close(); err != nil {
		return "", steward.Internal(fmt.Errorf("render YAML: %w", err))
	}
	return buf.String(), nil
}
