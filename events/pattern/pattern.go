// Package pattern is the EventBridge event-pattern language: validation with
// AWS's reasons, compilation, and matching against JSON documents. SNS
// filter policies use the same matcher with their own operators and limits.
//
// A pattern is compiled once (Compile, CompileFilterPolicy) and is then safe
// for concurrent use. Matching walks the document once and looks only at the
// fields the pattern names. A Set holds many named patterns and finds the
// ones an event matches without testing each (see Set).
//
// Semantics, in brief (EventBridge's, which SNS shares):
//   - a pattern is a JSON object shaped like the event; a leaf is a
//     non-empty array of alternatives, nested objects are ANDed;
//   - an event field holding an array matches when any element does, and
//     fields of a nested pattern must be met by the same array element;
//   - strings compare exactly; numbers compare by value (300 = 3.0e2);
//   - operators: prefix, suffix (each also {"equals-ignore-case": …}),
//     equals-ignore-case, anything-but (values, or prefix, suffix,
//     equals-ignore-case, wildcard), numeric, exists, cidr, wildcard, and
//     $or between sets of fields;
//   - exists asks whether the field has a leaf value: null is one, an
//     object or an empty array is not;
//   - a key with dots is the same path as the nesting it spells, on both
//     sides ("a.b" and {"a": {"b": …}}).
package pattern

import (
	"errors"
	"fmt"
)

// Error is a pattern AWS would refuse. Reason is the message AWS returns,
// ready for the API layer: for EventBridge "Event pattern is not valid.
// Reason: …" (InvalidEventPatternException); for SNS "FilterPolicy: …",
// which the SNS layer prefixes with "Invalid parameter: " (or "Invalid
// parameter: Attributes Reason: " in Subscribe). Code is the AWS error code.
// Detail is the bare reason without any prefix.
type Error struct {
	Code   string
	Reason string
	Detail string
}

func (e *Error) Error() string { return e.Reason }

// AWS error codes of pattern refusals.
const (
	CodeInvalidEventPattern = "InvalidEventPatternException"
	CodeInvalidParameter    = "InvalidParameter"
)

// ErrInvalidDocument is wrapped by Match when the document is not JSON.
var ErrInvalidDocument = errors.New("document is not valid JSON")

// Scope is where an SNS filter policy applies (the FilterPolicyScope
// subscription attribute).
type Scope string

const (
	// MessageAttributes (the default): a flat policy over the message
	// attributes. The SNS layer builds the document to match: each String
	// attribute as a JSON string, each Number as a JSON number, each
	// String.Array as a JSON array; Binary attributes are left out.
	MessageAttributes Scope = "MessageAttributes"
	// MessageBody: a policy, nested like the payload, over the message body.
	// On AWS a body that is not a JSON object matches no policy; the SNS
	// layer checks that (Match reads a document that is not an object as
	// one with no fields, which only "exists": false accepts).
	MessageBody Scope = "MessageBody"
)

// Pattern is a compiled event pattern or filter policy.
type Pattern struct {
	alts  []*node    // one evaluation tree per $or combination
	trie  *tnode     // every path the pattern reads
	paths [][]string // distinct leaf paths (segments)
	keys  []*indexKey
}

// Compile validates an EventBridge event pattern (JSON) and compiles it. An
// invalid pattern returns an *Error whose Reason reads like AWS's
// InvalidEventPatternException message.
func Compile(src []byte) (*Pattern, error) {
	p, err := compileSource(src, eventBridge)
	if err != nil {
		return nil, &Error{Code: CodeInvalidEventPattern, Reason: "Event pattern is not valid. Reason: " + err.msg, Detail: err.msg}
	}
	return p, nil
}

// CompileFilterPolicy validates an SNS filter policy for the given scope
// ("" means MessageAttributes) and compiles it. An invalid policy returns an
// *Error (code InvalidParameter) with SNS's reason.
func CompileFilterPolicy(src []byte, scope Scope) (*Pattern, error) {
	fl := snsAttributes
	switch scope {
	case "", MessageAttributes:
	case MessageBody:
		fl = snsBody
	default:
		r := fmt.Sprintf("Invalid value [%s]. Please use either MessageBody or MessageAttributes", scope)
		return nil, &Error{Code: CodeInvalidParameter, Reason: "FilterPolicyScope: " + r, Detail: r}
	}
	if len(src) > MaxFilterPolicySize {
		r := fmt.Sprintf("Filter policy is larger than %d bytes", MaxFilterPolicySize)
		return nil, &Error{Code: CodeInvalidParameter, Reason: "FilterPolicy: " + r, Detail: r}
	}
	p, err := compileSource(src, fl)
	if err != nil {
		if err.bare {
			return nil, &Error{Code: CodeInvalidParameter, Reason: err.msg, Detail: err.msg}
		}
		return nil, &Error{Code: CodeInvalidParameter, Reason: "FilterPolicy: " + err.msg, Detail: err.msg}
	}
	return p, nil
}

// compileSource parses and compiles. A $or that turns out not to be the
// operator (not an array of at least two objects, or a branch using an
// operator name as a field) is, as in AWS, an ordinary field name: the
// pattern is compiled again that way, and the first refusal stands only if
// that fails too.
func compileSource(src []byte, fl flavor) (*Pattern, *compileError) {
	v, err := parseJSON(string(src))
	if err != nil {
		return nil, &compileError{msg: err.Error()}
	}
	p, err := compileTree(v, fl, true)
	if err == nil {
		return p, nil
	}
	ce := err.(*compileError)
	if !ce.final {
		if p, err2 := compileTree(v, fl, false); err2 == nil {
			return p, nil
		}
	}
	return nil, ce
}

// Match reports whether the JSON document doc (an event, an SNS message body
// or an SNS attribute document) matches. The error wraps ErrInvalidDocument
// when doc is not JSON.
func (p *Pattern) Match(doc []byte) (bool, error) {
	d := getDoc()
	defer putDoc(d)
	root, err := d.extractJSON(string(doc), p.trie)
	if err != nil {
		return false, fmt.Errorf("pattern: %w: %v", ErrInvalidDocument, err)
	}
	return p.eval(d, root), nil
}

// MatchValue reports whether a decoded document matches: v as decoded by
// encoding/json with Decoder.UseNumber (map[string]any, []any, string,
// json.Number, bool, nil); float64 and Go integers are accepted too.
func (p *Pattern) MatchValue(v any) bool {
	d := getDoc()
	defer putDoc(d)
	return p.eval(d, d.extractValue(v, p.trie))
}

func (p *Pattern) eval(d *xdoc, root int32) bool {
	for _, n := range p.alts {
		if d.evalObjects(n, root) {
			return true
		}
	}
	return false
}

// evalObjects reports whether some object held by field f satisfies every
// field of n (one object: array consistency). With no object there, the
// fields are tested against nothing, which only "exists": false accepts.
func (d *xdoc) evalObjects(n *node, f int32) bool {
	if f < 0 || d.fields[f].oHead < 0 {
		return d.evalObject(n, -1)
	}
	for r := d.fields[f].oHead; r >= 0; r = d.refs[r].next {
		if d.evalObject(n, d.refs[r].obj) {
			return true
		}
	}
	return false
}

func (d *xdoc) evalObject(n *node, o int32) bool {
	for _, c := range n.children {
		f := int32(-1)
		if o >= 0 {
			f = d.lookup(o, c.name)
		}
		if c.n.leaf != nil && !d.evalLeaf(c.n.leaf, f) {
			return false
		}
		if len(c.n.children) > 0 && !d.evalObjects(c.n, f) {
			return false
		}
	}
	return true
}

// evalLeaf tests a field's value list against the field's leaf values.
func (d *xdoc) evalLeaf(l *leaf, f int32) bool {
	has := f >= 0 && d.fields[f].sHead >= 0
	if has && l.existsTrue || !has && l.existsFalse {
		return true
	}
	if !has {
		return false
	}
	for s := d.fields[f].sHead; s >= 0; s = d.scalars[s].next {
		v := &d.scalars[s]
		for i := range l.matchers {
			if l.matchers[i].match(d, v) {
				return true
			}
		}
	}
	return false
}
