package input

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Path is a compiled JSONPath of the subset EventBridge evaluates: the root
// $, dot members ($.detail.instance-id, $.detail-type — names may hold
// dashes, underscores, slashes, colons and any letter or digit), bracketed
// members ($['a.b']), array indexes ($.resources[0]) and wildcards
// ($.detail.items[*].id, $.detail.*). A path with a wildcard selects a JSON
// array of everything it reaches.
type Path struct {
	text     string
	segs     []segment
	wildcard bool
}

type segKind uint8

const (
	segMember segKind = iota
	segIndex
	segWildcard
)

type segment struct {
	kind  segKind
	name  string
	index int
}

// MaxPathLength is the longest InputPath / InputPathsMap value the API takes.
const MaxPathLength = 256

// ParsePath compiles a JSONPath. An error carries a reason fit for a
// ValidationException message.
func ParsePath(s string) (*Path, error) {
	if len(s) > MaxPathLength {
		return nil, fmt.Errorf("JSONPath %q is longer than %d characters", s, MaxPathLength)
	}
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("JSONPath %q must start with $", s)
	}
	p := &Path{text: s}
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			i++
			if i < len(s) && s[i] == '*' {
				p.segs = append(p.segs, segment{kind: segWildcard})
				p.wildcard = true
				i++
				continue
			}
			j := i
			for j < len(s) && nameChar(s, j) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("JSONPath %q has an empty member name at offset %d", s, i)
			}
			p.segs = append(p.segs, segment{kind: segMember, name: s[i:j]})
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("JSONPath %q has an unclosed [", s)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			switch {
			case inner == "*":
				p.segs = append(p.segs, segment{kind: segWildcard})
				p.wildcard = true
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				name := inner[1 : len(inner)-1]
				if strings.ContainsAny(name, `'"\`) {
					return nil, fmt.Errorf("JSONPath %q has an invalid bracketed member name", s)
				}
				p.segs = append(p.segs, segment{kind: segMember, name: name})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 || inner[0] == '+' {
					return nil, fmt.Errorf("JSONPath %q has an invalid array index [%s]", s, inner)
				}
				p.segs = append(p.segs, segment{kind: segIndex, index: n})
			}
			i += end + 1
		default:
			return nil, fmt.Errorf("JSONPath %q is not valid at offset %d", s, i)
		}
	}
	return p, nil
}

// nameChar reports whether s[i] may be part of a dotted member name.
func nameChar(s string, i int) bool {
	c := s[i]
	switch {
	case c == '.' || c == '[' || c == ']' || c == '\'' || c == '"' || c == '\\':
		return false
	case c < 0x80:
		return c > ' ' && c != 0x7f
	}
	return true // any other letter
}

// String returns the path as written.
func (p *Path) String() string { return p.text }

// Select returns the JSON text the path selects in doc, and false when it
// selects nothing. A wildcard path returns an array (false when empty).
// doc must be JSON; an error reports one that is not.
func (p *Path) Select(doc []byte) ([]byte, bool, error) {
	if !p.wildcard {
		s, e, ok, err := p.walk(doc, 0, 0)
		if err != nil || !ok {
			return nil, false, err
		}
		return doc[s:e], true, nil
	}
	var found [][2]int
	if err := p.collect(doc, skipSpace(doc, 0), 0, &found); err != nil {
		return nil, false, err
	}
	if len(found) == 0 {
		return nil, false, nil
	}
	out := []byte{'['}
	for k, f := range found {
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, doc[f[0]:f[1]]...)
	}
	return append(out, ']'), true, nil
}

// walk follows a path without wildcards from the value at i.
func (p *Path) walk(doc []byte, i, from int) (int, int, bool, error) {
	start := skipSpace(doc, i)
	end, err := skipValue(doc, start)
	if err != nil {
		return 0, 0, false, err
	}
	for _, sg := range p.segs[from:] {
		switch sg.kind {
		case segMember:
			s, e, ok, err := member(doc, start, sg.name)
			if err != nil || !ok {
				return 0, 0, false, err
			}
			start, end = s, e
		case segIndex:
			els, ok, err := elements(doc, start)
			if err != nil || !ok || sg.index >= len(els) {
				return 0, 0, false, err
			}
			start, end = els[sg.index][0], els[sg.index][1]
		}
	}
	return start, end, true, nil
}

// collect gathers every value reached from i by segs[from:].
func (p *Path) collect(doc []byte, i, from int, found *[][2]int) error {
	if from == len(p.segs) {
		e, err := skipValue(doc, i)
		if err != nil {
			return err
		}
		*found = append(*found, [2]int{i, e})
		return nil
	}
	sg := p.segs[from]
	switch sg.kind {
	case segMember:
		s, _, ok, err := member(doc, i, sg.name)
		if err != nil || !ok {
			return err
		}
		return p.collect(doc, s, from+1, found)
	case segIndex:
		els, ok, err := elements(doc, i)
		if err != nil || !ok || sg.index >= len(els) {
			return err
		}
		return p.collect(doc, els[sg.index][0], from+1, found)
	}
	vals, ok, err := elements(doc, i)
	if err == nil && !ok {
		vals, _, err = members(doc, i)
	}
	if err != nil {
		return err
	}
	for _, v := range vals {
		if err := p.collect(doc, v[0], from+1, found); err != nil {
			return err
		}
	}
	return nil
}

// SelectValue is Select with the value decoded (json.Number for numbers),
// for callers that need Go values.
func (p *Path) SelectValue(doc []byte) (any, bool, error) {
	raw, ok, err := p.Select(doc)
	if err != nil || !ok {
		return nil, ok, err
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false, err
	}
	return v, true, nil
}
