package document

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/stewardhq/steward"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// node is the ordered tree both formats parse into. Objects keep their keys in
// document order, which encoding/json's map[string]any cannot.
type node struct {
	kind  kind
	text  string  // bool: "true"/"false"; number: its JSON literal; string: the value
	items []*node // array elements
	keys  []string
	vals  []*node // object values, parallel to keys
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// str returns the node's text when it is a string, else "".
func (n *node) str() string {
	if n == nil || n.kind != kindString {
		return ""
	}
	return n.text
}

// value converts the node to the plain Go form Document.Raw uses: nil, bool,
// json.Number, string, []any, map[string]any.
func (n *node) value() any {
	switch n.kind {
	case kindBool:
		return n.text == "true"
	case kindNumber:
		return json.Number(n.text)
	case kindString:
		return n.text
	case kindArray:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			out[i] = it.value()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			out[k] = n.vals[i].value()
		}
		return out
	}
	return nil
}

// ---- JSON -------------------------------------------------------------------

// parseJSON parses strict JSON (one value, nothing after it) into a tree.
// Duplicate keys and non-finite numbers are rejected.
func parseJSON(src string) (*node, error) {
	p := &jsonParser{src: src, dec: json.NewDecoder(strings.NewReader(src))}
	p.dec.UseNumber()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	root, err := p.value(tok, 0)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, p.syntax(err)
		}
		return nil, p.errorAt(p.dec.InputOffset()-1, "unexpected data after the end of the document")
	}
	return root, nil
}

type jsonParser struct {
	src string
	dec *json.Decoder
}

func (p *jsonParser) value(tok json.Token, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, p.errorAt(p.dec.InputOffset()-1, fmt.Sprintf("nesting deeper than %d levels", maxDepth))
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull}, nil
	case bool:
		return &node{kind: kindBool, text: strconv.FormatBool(t)}, nil
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		if f, err := strconv.ParseFloat(string(t), 64); err != nil || math.IsInf(f, 0) {
			return nil, p.errorAt(p.dec.InputOffset()-int64(len(t)), fmt.Sprintf("number %s is out of range", t))
		}
		return &node{kind: kindNumber, text: string(t)}, nil
	case json.Delim:
		switch t {
		case '[':
			n := &node{kind: kindArray}
			for p.dec.More() {
				tok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err)
				}
				it, err := p.value(tok, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, it)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.syntax(err)
			}
			return n, nil
		case '{':
			n := &node{kind: kindObject}
			seen := map[string]bool{}
			for p.dec.More() {
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err)
				}
				key, ok := ktok.(string)
				if !ok { // the decoder reports this itself; kept for safety
					return nil, p.errorAt(p.dec.InputOffset()-1, "object key must be a string")
				}
				if seen[key] {
					return nil, p.errorAt(p.dec.InputOffset()-int64(len(key))-2, fmt.Sprintf("duplicate key %q", key))
				}
				seen[key] = true
				vtok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err)
				}
				v, err := p.value(vtok, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.syntax(err)
			}
			return n, nil
		}
	}
	return nil, p.errorAt(p.dec.InputOffset()-1, fmt.Sprintf("unexpected %v", tok))
}

// syntax turns a decoder error into AWS's "JSON not well-formed" message.
// The streaming decoder reports some offsets relative to the value it was
// reading, so the position comes from a whole-input check (json.Unmarshal
// validates the full text first and counts from its start).
func (p *jsonParser) syntax(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return p.errorAt(int64(len(p.src)), "unexpected end of JSON input")
	}
	var se *json.SyntaxError
	if errors.As(json.Unmarshal([]byte(p.src), new(json.RawMessage)), &se) {
		return p.errorAt(se.Offset-1, se.Error())
	}
	return p.errorAt(p.dec.InputOffset(), err.Error())
}

func (p *jsonParser) errorAt(offset int64, reason string) error {
	line, col := position(p.src, offset)
	return steward.Errorf(CodeInvalidDocumentContent,
		"JSON not well-formed. at Line: %d, Column: %d (%s)", line, col, reason)
}

// position converts a byte offset to a 1-based line and column (in characters).
func position(src string, offset int64) (line, col int) {
	off := int(max(0, min(offset, int64(len(src)))))
	before := src[:off]
	line = 1 + strings.Count(before, "\n")
	col = 1 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	return line, col
}

// ---- YAML -------------------------------------------------------------------

// parseYAML parses a single YAML document into a tree, expanding aliases and
// merge keys (<<) under a size budget.
func parseYAML(src string) (root *node, err error) {
	// The YAML library is third-party code fed untrusted input: a panic in it
	// must become a validation error, not a crashed request.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, steward.Errorf(CodeInvalidDocumentContent, "YAML not well-formed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, steward.Errorf(CodeInvalidDocumentContent, "Invalid document content: the document is empty")
		}
		return nil, yamlSyntax(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		return nil, yamlSyntax(err)
	default:
		return nil, steward.Errorf(CodeInvalidDocumentContent,
			"YAML not well-formed: a second document starts at Line: %d; a document must be a single YAML document", extra.Line)
	}
	b := &yamlBuilder{open: map[*yaml.Node]bool{}}
	return b.build(&doc, 0)
}

func yamlSyntax(err error) error {
	return steward.Errorf(CodeInvalidDocumentContent, "YAML not well-formed: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

type yamlBuilder struct {
	cost int                 // expanded size so far, bounded by maxExpanded
	open map[*yaml.Node]bool // collections being built (alias cycle detection)
}

func yamlError(n *yaml.Node, format string, args ...any) error {
	return steward.Errorf(CodeInvalidDocumentContent, "YAML not well-formed. at Line: %d, Column: %d (%s)",
		n.Line, n.Column, fmt.Sprintf(format, args...))
}

func (b *yamlBuilder) build(n *yaml.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, yamlError(n, "nesting deeper than %d levels", maxDepth)
	}
	b.cost += 16 + len(n.Value)
	if b.cost > maxExpanded {
		return nil, yamlError(n, "the document expands to more than %d bytes (too many aliases)", maxExpanded)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &node{kind: kindNull}, nil
		}
		return b.build(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, yamlError(n, "unknown anchor %q", n.Value)
		}
		if b.open[n.Alias] {
			return nil, yamlError(n, "anchor %q contains itself", n.Value)
		}
		return b.build(n.Alias, depth+1)
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.SequenceNode:
		b.open[n] = true
		defer delete(b.open, n)
		out := &node{kind: kindArray, items: make([]*node, 0, len(n.Content))}
		for _, c := range n.Content {
			it, err := b.build(c, depth+1)
			if err != nil {
				return nil, err
			}
			out.items = append(out.items, it)
		}
		return out, nil
	case yaml.MappingNode:
		b.open[n] = true
		defer delete(b.open, n)
		return b.mapping(n, depth)
	}
	return nil, yamlError(n, "unsupported YAML node")
}

// mapping builds an object. Explicit keys win over merged (<<) ones; merged
// keys take the position of the << entry; earlier merge sources win over later.
func (b *yamlBuilder) mapping(n *yaml.Node, depth int) (*node, error) {
	if len(n.Content)%2 != 0 {
		return nil, yamlError(n, "malformed mapping")
	}
	explicit := map[string]bool{}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMerge(k) {
			continue
		}
		name, err := keyText(k)
		if err != nil {
			return nil, err
		}
		if explicit[name] {
			return nil, yamlError(k, "duplicate key %q", name)
		}
		explicit[name] = true
	}
	out := &node{kind: kindObject}
	added := map[string]bool{}
	add := func(k string, v *node) {
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, v)
		added[k] = true
	}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		val, err := b.build(v, depth+1)
		if err != nil {
			return nil, err
		}
		if !isMerge(k) {
			name, _ := keyText(k)
			add(name, val)
			continue
		}
		sources := []*node{val}
		if val.kind == kindArray {
			sources = val.items
		}
		for _, src := range sources {
			if src.kind != kindObject {
				return nil, yamlError(v, "a merge key (<<) needs a mapping or a list of mappings")
			}
			for j, mk := range src.keys {
				if !explicit[mk] && !added[mk] {
					add(mk, src.vals[j])
				}
			}
		}
	}
	return out, nil
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}

func keyText(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", yamlError(k, "a mapping key must be a scalar")
	}
	return k.Value, nil
}

// scalar resolves a YAML scalar the way yaml.v3 does (YAML 1.2 core schema,
// plus yaml.v3's extras such as 0x1F and 1_000). Timestamps, binary and
// custom tags stay strings; .inf and .nan, which JSON cannot hold, too.
func scalar(n *yaml.Node) (*node, error) {
	switch n.ShortTag() {
	case "!!null":
		return &node{kind: kindNull}, nil
	case "!!bool":
		var v bool
		if err := n.Decode(&v); err != nil {
			return nil, yamlError(n, "%v", err)
		}
		return &node{kind: kindBool, text: strconv.FormatBool(v)}, nil
	case "!!int", "!!float":
		if isJSONNumber(n.Value) {
			return &node{kind: kindNumber, text: n.Value}, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, yamlError(n, "%v", err)
		}
		switch x := v.(type) {
		case int:
			return &node{kind: kindNumber, text: strconv.Itoa(x)}, nil
		case int64:
			return &node{kind: kindNumber, text: strconv.FormatInt(x, 10)}, nil
		case uint64:
			return &node{kind: kindNumber, text: strconv.FormatUint(x, 10)}, nil
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return &node{kind: kindString, text: n.Value}, nil
			}
			return &node{kind: kindNumber, text: strconv.FormatFloat(x, 'g', -1, 64)}, nil
		}
		return &node{kind: kindString, text: n.Value}, nil
	}
	return &node{kind: kindString, text: n.Value}, nil
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
