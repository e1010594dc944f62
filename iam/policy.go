package iam

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// Policy documents: parsed once into a Policy, then evaluated many times
// (see Evaluate in policy_eval.go). ParsePolicy accepts what the AWS policy
// grammar accepts; the stricter rules IAM applies when a document is written
// (version, vendors, ARN formats, principals) are in policy_check.go.

// Policy language versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect uint8

// The effects.
const (
	EffectAllow Effect = iota + 1
	EffectDeny
)

func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return "?"
}

// Policy is a parsed policy document.
type Policy struct {
	Version    string // "" when the document has none (AWS then reads it as 2008-10-17)
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy. Action, NotAction, Resource and
// NotResource hold the elements as written; nil means the element is
// absent, an empty slice that it is an empty list.
type Statement struct {
	Sid          string
	Effect       Effect
	EffectText   string     // as written (IAM's write-time check is case-sensitive)
	Principal    Principals // nil when absent
	NotPrincipal Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Conditions   []Condition

	// Compiled forms, built by ParsePolicy.
	actions   []pattern // Action or NotAction, lower-cased
	resources []matcher // Resource or NotResource
}

// Principals maps a principal type ("AWS", "Service", "Federated",
// "CanonicalUser") to its values. The bare wildcard "Principal": "*" is
// stored under the type "*".
type Principals map[string][]string

// Principal types.
const (
	PrincipalAWS           = "AWS"
	PrincipalService       = "Service"
	PrincipalFederated     = "Federated"
	PrincipalCanonicalUser = "CanonicalUser"
	principalAny           = "*"
)

// Condition is one test of a Condition block: Operator (as written, with
// its ForAnyValue:/ForAllValues: prefix and IfExists suffix) applied to the
// request's values of Key and the policy's Values. Numbers and booleans in
// the document are kept as their JSON text.
type Condition struct {
	Operator string
	Key      string
	Values   []string

	op       condOp
	set      setOp
	ifExists bool
	keyLower string
	values   []matcher // Values prepared for the operator
}

// PolicyError reports a document that does not follow the policy grammar.
// Msg is IAM's message for the failure.
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return "iam: " + e.Msg }

// msgSyntax is IAM's message for every grammar error.
const msgSyntax = "Syntax errors in policy."

var errSyntax = &PolicyError{Msg: msgSyntax}

// Top-level and statement elements the grammar knows.
var (
	topElements       = []string{"Version", "Id", "Statement"}
	statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	principalTypes    = []string{PrincipalAWS, PrincipalService, PrincipalFederated, PrincipalCanonicalUser}
)

// ParsePolicy parses a policy document: a JSON object with Version ("2012-10-17"
// or "2008-10-17", optional here), Id, and Statement (one object or a
// non-empty list); each statement has an Effect (Allow or Deny, any case),
// at most one of Action/NotAction, of Resource/NotResource and of
// Principal/NotPrincipal (strings or lists of strings; principals also
// "*" or a map of types), and a Condition block. Condition operators outside
// the AWS set are rejected; known operators this package does not evaluate
// are kept (see Evaluate). It returns a *PolicyError for anything else.
func ParsePolicy(doc string) (*Policy, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, errSyntax
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errSyntax // trailing data
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, errSyntax
	}
	for k := range top {
		if !contains(topElements, k) {
			return nil, errSyntax
		}
	}
	p := &Policy{}
	if v, ok := top["Version"]; ok {
		s, ok := v.(string)
		if !ok || (s != Version2012 && s != Version2008) {
			return nil, errSyntax
		}
		p.Version = s
	}
	if v, ok := top["Id"]; ok {
		s, ok := v.(string)
		if !ok {
			return nil, errSyntax
		}
		p.ID = s
	}
	var raw []any
	switch st := top["Statement"].(type) {
	case map[string]any:
		raw = []any{st}
	case []any:
		raw = st
	default:
		return nil, errSyntax
	}
	if len(raw) == 0 {
		return nil, errSyntax
	}
	p.Statements = make([]Statement, 0, len(raw))
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, errSyntax
		}
		st, err := parseStatement(m, p.Version == Version2012)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(m map[string]any, vars bool) (Statement, error) {
	var st Statement
	for k := range m {
		if !contains(statementElements, k) {
			return st, errSyntax
		}
	}
	if both(m, "Action", "NotAction") || both(m, "Resource", "NotResource") || both(m, "Principal", "NotPrincipal") {
		return st, errSyntax
	}
	if v, ok := m["Sid"]; ok {
		s, ok := v.(string)
		if !ok {
			return st, errSyntax
		}
		st.Sid = s
	}
	eff, ok := m["Effect"].(string)
	switch {
	case !ok:
		return st, errSyntax
	case strings.EqualFold(eff, "Allow"):
		st.Effect = EffectAllow
	case strings.EqualFold(eff, "Deny"):
		st.Effect = EffectDeny
	default:
		return st, errSyntax
	}
	st.EffectText = eff
	var err error
	if st.Action, err = stringList(m, "Action"); err != nil {
		return st, err
	}
	if st.NotAction, err = stringList(m, "NotAction"); err != nil {
		return st, err
	}
	if st.Resource, err = stringList(m, "Resource"); err != nil {
		return st, err
	}
	if st.NotResource, err = stringList(m, "NotResource"); err != nil {
		return st, err
	}
	if st.Principal, err = principals(m, "Principal"); err != nil {
		return st, err
	}
	if st.NotPrincipal, err = principals(m, "NotPrincipal"); err != nil {
		return st, err
	}
	if c, ok := m["Condition"]; ok {
		if st.Conditions, err = conditions(c, vars); err != nil {
			return st, err
		}
	}
	acts := st.Action
	if acts == nil {
		acts = st.NotAction
	}
	st.actions = make([]pattern, len(acts))
	for i, a := range acts {
		st.actions[i] = newPattern(strings.ToLower(a), false, true)
	}
	res := st.Resource
	if res == nil {
		res = st.NotResource
	}
	st.resources = make([]matcher, len(res))
	for i, r := range res {
		st.resources[i] = arnMatcher(r, vars)
	}
	return st, nil
}

func both(m map[string]any, a, b string) bool {
	_, x := m[a]
	_, y := m[b]
	return x && y
}

// stringList reads an element that is a string or a list of strings; nil
// when absent.
func stringList(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, errSyntax
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, errSyntax
}

func principals(m map[string]any, key string) (Principals, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	switch t := v.(type) {
	case string:
		if t != "*" {
			return nil, errSyntax
		}
		return Principals{principalAny: {"*"}}, nil
	case map[string]any:
		out := make(Principals, len(t))
		for typ := range t {
			if !contains(principalTypes, typ) {
				return nil, errSyntax
			}
			list, err := stringList(t, typ)
			if err != nil {
				return nil, err
			}
			out[typ] = list
		}
		return out, nil
	}
	return nil, errSyntax
}

// conditions reads a Condition block: operator → key → value(s). The
// result is sorted by operator and key, so evaluation order does not
// depend on map iteration.
func conditions(v any, vars bool) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, errSyntax
	}
	var out []Condition
	for opText, keys := range block {
		km, ok := keys.(map[string]any)
		if !ok {
			return nil, errSyntax
		}
		op, set, ifExists, known := parseOperator(opText)
		if !known && len(km) > 0 {
			return nil, errSyntax
		}
		for key, val := range km {
			vals, err := conditionValues(val)
			if err != nil {
				return nil, err
			}
			c := Condition{Operator: opText, Key: key, Values: vals, op: op, set: set, ifExists: ifExists, keyLower: strings.ToLower(key)}
			c.values = make([]matcher, len(vals))
			for i, s := range vals {
				c.values[i] = conditionMatcher(op, s, vars)
			}
			out = append(out, c)
		}
	}
	sortConditions(out)
	return out, nil
}

func sortConditions(cs []Condition) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && (cs[j].Operator < cs[j-1].Operator || cs[j].Operator == cs[j-1].Operator && cs[j].Key < cs[j-1].Key); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// conditionValues reads a condition value: a string, number or boolean, or
// a list of them.
func conditionValues(v any) ([]string, error) {
	scalar := func(v any) (string, bool) {
		switch t := v.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			if t {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, len(list))
		for i, e := range list {
			s, ok := scalar(e)
			if !ok {
				return nil, errSyntax
			}
			out[i] = s
		}
		return out, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, errSyntax
	}
	return []string{s}, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// DocumentSize is the size IAM counts against its policy quotas: the number
// of characters that are not white space.
func DocumentSize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}
