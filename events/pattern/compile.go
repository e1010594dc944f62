package pattern

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// flavor selects the dialect: EventBridge event patterns, or SNS filter
// policies (a subset of the operators, with their own limits).
type flavor uint8

const (
	eventBridge flavor = iota
	snsAttributes
	snsBody
)

func (f flavor) sns() bool { return f != eventBridge }

// Limits of the languages (the numbers are AWS's).
const (
	// MaxOrCombinations is how many rule combinations $or may expand an
	// EventBridge pattern to.
	MaxOrCombinations = 1000
	// MaxFilterPolicyKeys is how many keys an SNS filter policy may have
	// (for a nested policy, only top-level keys count).
	MaxFilterPolicyKeys = 5
	// MaxFilterPolicyCombinations is the largest total combination of values
	// of an SNS filter policy.
	MaxFilterPolicyCombinations = 150
	// MaxFilterPolicySize is the largest SNS filter policy, in bytes.
	MaxFilterPolicySize = 256 * 1024
	// MaxEventPatternLength is the longest EventPattern the EventBridge API
	// accepts (a ValidationException for the API layer, not checked here).
	MaxEventPatternLength = 4096
)

// Names AWS reserves inside a $or branch: a branch using one as a field name
// means the $or is not the operator (see compile).
var orReserved = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true,
	"regex": true, "not-wildcard": true, "not-equals-ignore-case": true,
	"date-after": true, "date-on-or-after": true, "date-before": true, "date-on-or-before": true,
	"in-date-range": true, "ip-address-in-range": true, "ip-address-not-in-range": true,
}

// compileError is a refusal found while compiling.
type compileError struct {
	msg   string
	final bool // a limit, not a shape problem: no retry without $or
	bare  bool // SNS: the message carries no "FilterPolicy: " prefix
}

func (e *compileError) Error() string { return e.msg }

func refuse(format string, args ...any) *compileError {
	return &compileError{msg: fmt.Sprintf(format, args...)}
}

// leaf is a field's list of alternatives: it matches when one of them does.
type leaf struct {
	matchers    []matcher
	existsTrue  bool
	existsFalse bool
	nvalues     int // elements in the list (SNS complexity)
	depth       int // object nesting level of the key (SNS complexity)
}

// alt is one combination after $or expansion: leaves by dotted path.
type alt struct {
	order  []string
	leaves map[string]*leaf
}

func (a *alt) clone() *alt {
	c := &alt{order: slices.Clone(a.order), leaves: make(map[string]*leaf, len(a.leaves))}
	for k, v := range a.leaves {
		c.leaves[k] = v
	}
	return c
}

type compiler struct {
	fl      flavor
	orAware bool
	alts    []*alt
	wild    map[string][]*wildcard // wildcards per path, for the complexity check
	nested  bool                   // some key holds an object
}

func (c *compiler) limit() *compileError {
	if c.fl.sns() {
		return &compileError{msg: "Filter policy is too complex", final: true}
	}
	return &compileError{msg: fmt.Sprintf("Event pattern contains more than %d rule combinations", MaxOrCombinations), final: true}
}

func (c *compiler) maxAlts() int {
	if c.fl.sns() {
		return MaxFilterPolicyCombinations // each combination counts at least 1
	}
	return MaxOrCombinations
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// write records a leaf at path in every combination; a later write to the
// same path replaces an earlier one, as in AWS.
func (c *compiler) write(path string, l *leaf) {
	if len(c.alts) == 0 {
		c.alts = append(c.alts, &alt{leaves: map[string]*leaf{}})
	}
	for _, a := range c.alts {
		if _, ok := a.leaves[path]; !ok {
			a.order = append(a.order, path)
		}
		a.leaves[path] = l
	}
}

func (c *compiler) object(path string, depth int, v jvalue, insideOr bool) error {
	if len(v.obj) == 0 {
		return refuse("Empty objects are not allowed")
	}
	for _, m := range v.obj {
		if m.key == "$or" && c.orAware {
			if err := c.or(path, depth, m.val); err != nil {
				return err
			}
			continue
		}
		if insideOr && orReserved[m.key] {
			return refuse("%s is Ruler reserved fieldName which cannot be used inside $or.", m.key)
		}
		p := join(path, m.key)
		switch m.val.kind {
		case jObject:
			c.nested = true
			if err := c.object(p, depth+1, m.val, insideOr); err != nil {
				return err
			}
		case jArray:
			l, err := c.leaf(p, m.val)
			if err != nil {
				return err
			}
			l.depth = depth
			c.write(p, l)
		default:
			return refuse("%q must be an object or an array", m.key)
		}
	}
	return nil
}

func (c *compiler) or(path string, depth int, v jvalue) error {
	if v.kind != jArray {
		return refuse("It must be an Array followed with $or.")
	}
	prefix := c.alts
	c.alts = nil
	for _, el := range v.arr {
		if el.kind != jObject {
			return refuse("Only JSON object is allowed in array of $or relationship.")
		}
		done := c.alts
		c.alts = make([]*alt, 0, max(len(prefix), 1))
		for _, a := range prefix {
			c.alts = append(c.alts, a.clone())
		}
		if err := c.object(path, depth, el, true); err != nil {
			return err
		}
		c.alts = append(done, c.alts...)
		if len(c.alts) > c.maxAlts() {
			return c.limit()
		}
	}
	if len(v.arr) < 2 {
		return refuse("There must have at least 2 Objects in $or relationship.")
	}
	return nil
}

func (c *compiler) leaf(path string, v jvalue) (*leaf, error) {
	if len(v.arr) == 0 {
		return nil, refuse("Empty arrays are not allowed")
	}
	l := &leaf{nvalues: len(v.arr)}
	for _, el := range v.arr {
		switch el.kind {
		case jObject:
			m, err := c.expression(path, el)
			if err != nil {
				return nil, err
			}
			if m.op == opExists {
				if m.exist {
					l.existsTrue = true
				} else {
					l.existsFalse = true
				}
				continue
			}
			l.matchers = append(l.matchers, m)
		case jString:
			if a, st := parseIP(el.s); st == ipOK {
				l.matchers = append(l.matchers, matcher{op: opIP, s: el.s, addr: a})
			} else {
				l.matchers = append(l.matchers, matcher{op: opString, s: el.s})
			}
		case jNumber:
			l.matchers = append(l.matchers, matcher{op: opNumber, text: el.s, s: canonString(el.s)})
		case jTrue, jFalse, jNull:
			l.matchers = append(l.matchers, matcher{op: opLiteral, kind: el.kind})
		default:
			return nil, refuse("Match value must be String, number, true, false, or null")
		}
	}
	return l, nil
}

// expression compiles one {"operator": operand} object.
func (c *compiler) expression(path string, v jvalue) (matcher, error) {
	if len(v.obj) == 0 {
		return matcher{}, refuse("Match expression name not found")
	}
	name, arg := v.obj[0].key, v.obj[0].val
	extra := "Only one key allowed in match expression"
	var m matcher
	var err error
	switch name {
	case "exactly":
		if c.fl.sns() {
			return matcher{}, refuse("Unrecognized match type %s", name)
		}
		if arg.kind != jString {
			return matcher{}, refuse("exact match pattern must be a string")
		}
		m = matcher{op: opString, s: arg.s}
	case "prefix", "suffix":
		m, err = c.affix(name, arg)
	case "equals-ignore-case":
		if arg.kind != jString {
			return matcher{}, refuse("equals-ignore-case match pattern must be a string")
		}
		m = matcher{op: opEqualsIgnoreCase, strs: []string{arg.s}}
	case "wildcard":
		if c.fl.sns() {
			return matcher{}, refuse("Unrecognized match type %s", name)
		}
		if arg.kind != jString {
			return matcher{}, refuse("wildcard match pattern must be a string")
		}
		w, reason := parseWildcard(arg.s)
		if reason != "" {
			return matcher{}, refuse("%s", reason)
		}
		c.wild[path] = append(c.wild[path], w)
		m = matcher{op: opWildcard, wild: []*wildcard{w}}
	case "numeric":
		extra = "Too many elements in numeric expression"
		if arg.kind != jArray {
			return matcher{}, refuse("Value of numeric must be an array.")
		}
		m, err = numeric(arg.arr)
	case "anything-but":
		m, extra, err = c.anythingBut(path, arg)
	case "exists":
		if arg.kind != jTrue && arg.kind != jFalse {
			return matcher{}, refuse("exists match pattern must be either true or false.")
		}
		m = matcher{op: opExists, exist: arg.kind == jTrue}
	case "cidr":
		if arg.kind != jString {
			return matcher{}, refuse("prefix match pattern must be a string") // sic: AWS's wording
		}
		lo, hi, reason := parseCIDR(arg.s)
		if reason != "" {
			return matcher{}, refuse("%s", reason)
		}
		m = matcher{op: opCIDR, ipLo: lo, ipHi: hi}
	default:
		return matcher{}, refuse("Unrecognized match type %s", name)
	}
	if err != nil {
		return matcher{}, err
	}
	if len(v.obj) > 1 {
		return matcher{}, refuse("%s", extra)
	}
	return m, nil
}

// affix compiles prefix and suffix: a string, or (EventBridge) an object
// {"equals-ignore-case": "..."} for a case-insensitive affix.
func (c *compiler) affix(name string, arg jvalue) (matcher, error) {
	o := opPrefix
	if name == "suffix" {
		o = opSuffix
	}
	switch {
	case arg.kind == jString:
		return matcher{op: o, strs: []string{arg.s}}, nil
	case arg.kind == jObject && !c.fl.sns():
		if len(arg.obj) == 0 {
			return matcher{}, refuse("%s%s expression name not found", strings.ToUpper(name[:1]), name[1:])
		}
		in := arg.obj[0]
		if in.key != "equals-ignore-case" {
			return matcher{}, refuse("Unsupported %s pattern: %s", name, in.key)
		}
		if in.val.kind != jString {
			return matcher{}, refuse("equals-ignore-case match pattern must be a string")
		}
		if len(arg.obj) > 1 {
			return matcher{}, refuse("Only one key allowed in match expression")
		}
		return matcher{op: o, strs: []string{in.val.s}, fold: true}, nil
	}
	return matcher{}, refuse("%s match pattern must be a string", name)
}

func (c *compiler) anythingBut(path string, arg jvalue) (matcher, string, error) {
	tooMany := "Too many elements in numeric expression" // sic: AWS's wording
	switch arg.kind {
	case jString:
		return matcher{op: opNotStrings, set: map[string]struct{}{arg.s: {}}}, tooMany, nil
	case jNumber:
		if _, err := threshold("anything-but", arg); err != nil {
			return matcher{}, "", err
		}
		return matcher{op: opNotNumbers, set: map[string]struct{}{canonString(arg.s): {}}}, tooMany, nil
	case jArray:
		set := map[string]struct{}{}
		nums, strs := false, false
		for _, el := range arg.arr {
			switch el.kind {
			case jString:
				strs = true
				set[el.s] = struct{}{}
			case jNumber:
				if _, err := threshold("anything-but", el); err != nil {
					return matcher{}, "", err
				}
				nums = true
				set[canonString(el.s)] = struct{}{}
			default:
				return matcher{}, "", refuse("Inside anything but list, start|null|boolean is not supported.")
			}
		}
		if nums == strs {
			return matcher{}, "", refuse("Inside anything but list, either all values are number or string, mixed type is not supported")
		}
		if nums {
			return matcher{op: opNotNumbers, set: set}, tooMany, nil
		}
		return matcher{op: opNotStrings, set: set}, tooMany, nil
	case jObject:
	default:
		return matcher{}, "", refuse("Value of anything-but must be an array or single string/number value.")
	}
	if len(arg.obj) == 0 {
		return matcher{}, "", refuse("Anything-But expression name not found")
	}
	name, operand := arg.obj[0].key, arg.obj[0].val
	allowed := name == "prefix" || !c.fl.sns() && (name == "suffix" || name == "equals-ignore-case" || name == "wildcard")
	if !allowed {
		return matcher{}, "", refuse("Unsupported anything-but pattern: %s", name)
	}
	items := []jvalue{operand}
	if operand.kind == jArray && !c.fl.sns() {
		items = operand.arr
		if len(items) == 0 {
			return matcher{}, "", refuse("Empty arrays are not allowed")
		}
	}
	m := matcher{}
	switch name {
	case "prefix", "suffix":
		m.op = opNotPrefix
		if name == "suffix" {
			m.op = opNotSuffix
		}
		for _, it := range items {
			if it.kind != jString {
				return matcher{}, "", refuse("prefix/suffix match pattern must be a string")
			}
			if it.s == "" {
				return matcher{}, "", refuse("Null prefix/suffix not allowed")
			}
			m.strs = append(m.strs, it.s)
		}
	case "equals-ignore-case":
		m.op = opNotEqualsIgnoreCase
		for _, it := range items {
			switch {
			case it.kind == jString:
				m.strs = append(m.strs, it.s)
			case operand.kind == jArray:
				return matcher{}, "", refuse("Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported.") // sic
			case it.kind == jNumber:
				return matcher{}, "", refuse("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
			default:
				return matcher{}, "", refuse("Value of anything-but must be an array or single string/number value.")
			}
		}
	case "wildcard":
		m.op = opNotWildcard
		for _, it := range items {
			if it.kind != jString {
				return matcher{}, "", refuse("wildcard match pattern must be a string")
			}
			w, reason := parseWildcard(it.s)
			if reason != "" {
				return matcher{}, "", refuse("%s", reason)
			}
			m.wild = append(m.wild, w)
			c.wild[path] = append(c.wild[path], w)
		}
	}
	if len(arg.obj) > 1 {
		return matcher{}, "", refuse("Only one key allowed in match expression")
	}
	extra := tooMany
	if name == "prefix" || name == "suffix" {
		extra = "Only one key allowed in match expression"
	}
	return m, extra, nil
}

// threshold reads a number operand of a numeric comparison.
func threshold(name string, v jvalue) (float64, error) {
	if v.kind != jNumber {
		return 0, refuse("Value of %s must be numeric", name)
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, refuse("Cannot compare number : %s", v.s)
	}
	return f, nil
}

// numeric compiles a numeric operand: one comparison ("=", "<", "<=", ">",
// ">=" and a number), or a range: a lower bound (">" or ">=") followed by an
// upper bound ("<" or "<=").
func numeric(ops []jvalue) (matcher, error) {
	at := func(i int) jvalue {
		if i < len(ops) {
			return ops[i]
		}
		return jvalue{kind: jArray} // the closing bracket, as AWS's parser sees it
	}
	closeText := func(i int) string {
		if i < len(ops) {
			return ops[i].text()
		}
		return "]"
	}
	if len(ops) == 0 || ops[0].kind != jString {
		return matcher{}, refuse("Invalid member in numeric match: %s", closeText(0))
	}
	m := matcher{op: opNumeric, lo: math.Inf(-1), hi: math.Inf(1)}
	switch o := ops[0].s; o {
	case "=":
		f, err := threshold("equals", at(1))
		if err != nil {
			return matcher{}, err
		}
		if len(ops) > 2 {
			return matcher{}, refuse("Too many elements in numeric expression")
		}
		m.lo, m.hi = f, f
		return m, nil
	case "<", "<=":
		f, err := threshold(o, at(1))
		if err != nil {
			return matcher{}, err
		}
		if len(ops) > 2 {
			return matcher{}, refuse("Too many elements in numeric expression")
		}
		m.hi, m.hiOpen = f, o == "<"
		return m, nil
	case ">", ">=":
		f, err := threshold(o, at(1))
		if err != nil {
			return matcher{}, err
		}
		m.lo, m.loOpen = f, o == ">"
		if len(ops) == 2 {
			return m, nil
		}
	default:
		return matcher{}, refuse("Unrecognized numeric range operator: %s", o)
	}
	if ops[2].kind != jString {
		return matcher{}, refuse("Bad value in numeric range: %s", ops[2].text())
	}
	o := ops[2].s
	if o != "<" && o != "<=" {
		return matcher{}, refuse("Bad numeric range operator: %s", o)
	}
	f, err := threshold(o, at(3))
	if err != nil {
		return matcher{}, err
	}
	if len(ops) > 4 {
		return matcher{}, refuse("Too many terms in numeric range expression")
	}
	if m.lo >= f {
		return matcher{}, refuse("Bottom must be less than top")
	}
	m.hi, m.hiOpen = f, o == "<"
	return m, nil
}

// compileTree compiles a parsed pattern.
func compileTree(v jvalue, fl flavor, orAware bool) (*Pattern, error) {
	if v.kind != jObject {
		return nil, refuse("Filter is not an object")
	}
	c := &compiler{fl: fl, orAware: orAware, wild: map[string][]*wildcard{}}
	if err := c.object("", 1, v, false); err != nil {
		return nil, err
	}
	for _, path := range slices.Sorted(maps.Keys(c.wild)) {
		if wildcardComplexity(c.wild[path]) > wildcardComplexityLimit {
			return nil, &compileError{msg: "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character", final: true}
		}
	}
	if fl == snsAttributes && c.nested {
		// Checked after the shape, as AWS does: a malformed nested policy
		// gets the shape error.
		return nil, &compileError{msg: "Filter policy scope MessageAttributes does not support nested filter policy", bare: true, final: true}
	}
	if fl.sns() {
		if err := snsLimits(c.alts); err != nil {
			return nil, err
		}
	}
	return build(c.alts), nil
}

// snsLimits applies SNS's key-count and complexity limits. Keys are the
// top-level names of a combination. The complexity of a combination is the
// product over its fields of (number of values × nesting level), and of a
// policy the sum over its $or combinations: the formula of the SNS developer
// guide, which AWS applies with $or as observed by LocalStack's recorded
// tests (150 accepted, 152 and 160 refused).
func snsLimits(alts []*alt) error {
	total := 0
	for _, a := range alts {
		top := map[string]bool{}
		product := 1
		for _, path := range a.order {
			first, _, _ := strings.Cut(path, ".")
			top[first] = true
			l := a.leaves[path]
			product = min(product*l.nvalues*l.depth, MaxFilterPolicyCombinations+1)
		}
		if len(top) > MaxFilterPolicyKeys {
			return &compileError{msg: "Filter policy can not have more than 5 keys", final: true}
		}
		total = min(total+product, MaxFilterPolicyCombinations+1)
	}
	if total > MaxFilterPolicyCombinations {
		return &compileError{msg: "Filter policy is too complex", final: true}
	}
	return nil
}

// node is a pattern object in evaluation form: a leaf (the field's value
// list) and/or nested fields.
type node struct {
	leaf     *leaf
	children []child
}

type child struct {
	name string
	n    *node
}

func (n *node) at(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c.n
		}
	}
	c := &node{}
	n.children = append(n.children, child{name: name, n: c})
	return c
}

// build turns the combinations into evaluation trees and the trie of paths
// to extract.
func build(alts []*alt) *Pattern {
	p := &Pattern{trie: &tnode{}}
	seen := map[string]bool{}
	for _, a := range alts {
		root := &node{}
		for _, path := range a.order {
			n := root
			segs := strings.Split(path, ".")
			for _, s := range segs {
				n = n.at(s)
			}
			n.leaf = a.leaves[path]
			if !seen[path] {
				seen[path] = true
				p.paths = append(p.paths, segs)
			}
		}
		sortChildren(root)
		p.alts = append(p.alts, root)
		p.keys = append(p.keys, indexKeyOf(a))
	}
	for _, segs := range p.paths {
		p.trie.add(segs)
	}
	return p
}

// sortChildren puts plain leaves before nested objects, so cheap tests run
// first.
func sortChildren(n *node) {
	slices.SortStableFunc(n.children, func(a, b child) int {
		return cmp.Compare(len(a.n.children), len(b.n.children))
	})
	for _, c := range n.children {
		sortChildren(c.n)
	}
}
