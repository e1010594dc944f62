package iam

import (
	"strings"
	"unicode/utf8"
)

// Policy evaluation, as AWS documents it for the policies of one principal:
// a request is allowed when some statement allows it and no statement
// denies it; an explicit Deny wins over any Allow; with no matching
// statement the request is denied by default.
//
// A statement matches a request when all of these hold:
//   - Action: some pattern matches the action (NotAction: none does). Action
//     patterns compare without regard to case.
//   - Resource: some pattern matches the resource (NotResource: none does);
//     a statement with neither (a trust policy) matches every resource.
//     Resource patterns compare case-sensitively, each of the six
//     colon-separated ARN components on its own; missing trailing
//     components of a pattern are "*".
//   - Principal: when the statement names one, it names the request's
//     principal (NotPrincipal: it does not).
//   - Condition: every test holds (see below).
//
// In every pattern, * matches any run of characters and ? exactly one. In a
// 2012-10-17 document, ${key} in a resource or a condition value is the
// request's value of condition key (its only value); ${*}, ${?} and ${$}
// are a literal *, ? and $; ${key, 'default'} falls back to default. A
// pattern whose variable has no value matches nothing.
//
// Conditions: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals,
// ArnLike, ArnNotEquals, ArnNotLike (ArnEquals compares like ArnLike, as
// AWS does), Bool and Null are evaluated, with the ForAnyValue: and
// ForAllValues: prefixes and the IfExists suffix. Keys compare without
// regard to case. A missing key fails a test, except with IfExists, with
// ForAllValues:, or for a negated operator (StringNotEquals, …), which hold.
//
// The other AWS operators (Numeric*, Date*, IpAddress, NotIpAddress,
// BinaryEquals) are parsed but not evaluated, and they fail closed: such a
// test never holds in an Allow statement (it grants nothing) and always
// holds in a Deny statement (it still denies). Operators AWS does not know
// are rejected by ParsePolicy.

// Decision is the outcome of evaluating policies for one request.
type Decision uint8

// The decisions.
const (
	// ImplicitDeny: no statement allowed the request (denied by default).
	ImplicitDeny Decision = iota
	// Allow: some statement allowed it and none denied it.
	Allow
	// ExplicitDeny: a statement denied it.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Request is what is being asked: an action ("ssm:SendCommand") on a
// resource (an ARN, or "*" for actions without resource-level
// permissions), by Principal (for trust and resource policies; nil for
// identity policies), with the values of condition keys in Context (names
// compare without regard to case).
type Request struct {
	Action    string
	Resource  string
	Principal *Principal
	Context   map[string][]string
}

// Principal is who makes a request: a type (PrincipalService, PrincipalAWS,
// …) and an identifier ("events.amazonaws.com", a role or user ARN, an
// account ID).
type Principal struct {
	Type string
	ID   string
}

// evalRequest is a Request prepared once for evaluation.
type evalRequest struct {
	action    string // lower-cased
	resource  string
	principal *Principal
	context   map[string][]string // as given; names compare without regard to case
}

func prepare(req *Request) *evalRequest {
	return &evalRequest{action: toLower(req.Action), resource: req.Resource, principal: req.Principal, context: req.Context}
}

// lookup returns the request's values of a condition key (keyLower is
// lower-cased) and whether it has any.
func (r *evalRequest) lookup(keyLower string) ([]string, bool) {
	if v, ok := r.context[keyLower]; ok {
		return v, len(v) > 0
	}
	for k, v := range r.context {
		if strings.EqualFold(k, keyLower) {
			return v, len(v) > 0
		}
	}
	return nil, false
}

// toLower is strings.ToLower without the copy for strings already in lower
// case (actions and keys usually are not, but the cost matters per request).
func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
	}
	return s
}

// Evaluate decides req against p alone.
func (p *Policy) Evaluate(req *Request) Decision { return Evaluate(req, p) }

// Evaluate decides req against several policies together (nil ones are
// skipped): ExplicitDeny when any statement denies, else Allow when any
// allows, else ImplicitDeny.
func Evaluate(req *Request, policies ...*Policy) Decision {
	return evaluate(prepare(req), policies)
}

func evaluate(r *evalRequest, policies []*Policy) Decision {
	d := ImplicitDeny
	for _, p := range policies {
		if p == nil {
			continue
		}
		for i := range p.Statements {
			st := &p.Statements[i]
			if !st.matches(r) {
				continue
			}
			if st.Effect == EffectDeny {
				return ExplicitDeny
			}
			d = Allow
		}
	}
	return d
}

func (st *Statement) matches(r *evalRequest) bool {
	switch {
	case st.Principal != nil:
		if r.principal == nil || !st.Principal.match(r.principal) {
			return false
		}
	case st.NotPrincipal != nil:
		if r.principal == nil || st.NotPrincipal.match(r.principal) {
			return false
		}
	}
	switch {
	case st.Action != nil:
		if !anyPattern(st.actions, r.action, r) {
			return false
		}
	case st.NotAction != nil:
		if anyPattern(st.actions, r.action, r) {
			return false
		}
	default:
		return false
	}
	switch {
	case st.Resource != nil:
		if !anyMatcher(st.resources, r.resource, r) {
			return false
		}
	case st.NotResource != nil:
		if anyMatcher(st.resources, r.resource, r) {
			return false
		}
	}
	for i := range st.Conditions {
		if !st.Conditions[i].holds(r, st.Effect) {
			return false
		}
	}
	return true
}

func anyPattern(ps []pattern, s string, r *evalRequest) bool {
	for i := range ps {
		if ps[i].match(s, r) {
			return true
		}
	}
	return false
}

func anyMatcher(ms []matcher, s string, r *evalRequest) bool {
	for i := range ms {
		if ms[i].match(s, r) {
			return true
		}
	}
	return false
}

// match reports whether the principal p is one of ps. "*" (bare, or as an
// AWS value) matches anyone of the type; an AWS account ID or its root
// ARN matches every principal of that account.
func (ps Principals) match(p *Principal) bool {
	if _, ok := ps[principalAny]; ok {
		return true
	}
	for _, v := range ps[p.Type] {
		if v == "*" || strings.EqualFold(v, p.ID) {
			return true
		}
		if p.Type == PrincipalAWS {
			if acct := principalAccount(v); acct != "" && acct == principalAccount(p.ID) {
				return true
			}
		}
	}
	return false
}

// principalAccount is the account of an AWS principal value: the value
// itself when it is a 12-digit account ID, else the account field of an
// ARN ("" when neither).
func principalAccount(v string) string {
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		return v
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" {
		return parts[4]
	}
	return ""
}

// Condition operators.

type condOp uint8

const (
	opUnsupported condOp = iota // an AWS operator this package does not evaluate
	opStringEquals
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opArnEquals
	opArnLike
	opArnNotEquals
	opArnNotLike
	opBool
	opNull
)

// operators are the condition operators of the AWS policy language.
var operators = map[string]condOp{
	"StringEquals":              opStringEquals,
	"StringNotEquals":           opStringNotEquals,
	"StringEqualsIgnoreCase":    opStringEqualsIgnoreCase,
	"StringNotEqualsIgnoreCase": opStringNotEqualsIgnoreCase,
	"StringLike":                opStringLike,
	"StringNotLike":             opStringNotLike,
	"ArnEquals":                 opArnEquals,
	"ArnLike":                   opArnLike,
	"ArnNotEquals":              opArnNotEquals,
	"ArnNotLike":                opArnNotLike,
	"Bool":                      opBool,
	"Null":                      opNull,
	"NumericEquals":             opUnsupported,
	"NumericNotEquals":          opUnsupported,
	"NumericLessThan":           opUnsupported,
	"NumericLessThanEquals":     opUnsupported,
	"NumericGreaterThan":        opUnsupported,
	"NumericGreaterThanEquals":  opUnsupported,
	"DateEquals":                opUnsupported,
	"DateNotEquals":             opUnsupported,
	"DateLessThan":              opUnsupported,
	"DateLessThanEquals":        opUnsupported,
	"DateGreaterThan":           opUnsupported,
	"DateGreaterThanEquals":     opUnsupported,
	"BinaryEquals":              opUnsupported,
	"IpAddress":                 opUnsupported,
	"NotIpAddress":              opUnsupported,
}

func (op condOp) negated() bool {
	switch op {
	case opStringNotEquals, opStringNotEqualsIgnoreCase, opStringNotLike, opArnNotEquals, opArnNotLike:
		return true
	}
	return false
}

type setOp uint8

const (
	setNone setOp = iota
	setAnyValue
	setAllValues
)

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts;
// known is false for operators outside the AWS language.
func parseOperator(s string) (op condOp, set setOp, ifExists, known bool) {
	switch {
	case strings.HasPrefix(s, "ForAnyValue:"):
		set, s = setAnyValue, s[len("ForAnyValue:"):]
	case strings.HasPrefix(s, "ForAllValues:"):
		set, s = setAllValues, s[len("ForAllValues:"):]
	}
	if base, ok := strings.CutSuffix(s, "IfExists"); ok && base != "Null" {
		s, ifExists = base, true
	}
	op, known = operators[s]
	return op, set, ifExists, known
}

// holds evaluates one condition test for a statement of effect eff.
func (c *Condition) holds(r *evalRequest, eff Effect) bool {
	if c.op == opUnsupported {
		return eff == EffectDeny // fail closed, see the file comment
	}
	vals, present := r.lookup(c.keyLower)
	if c.op == opNull {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") && !present || strings.EqualFold(v, "false") && present {
				return true
			}
		}
		return false
	}
	if !present {
		return c.ifExists || c.set == setAllValues || c.op.negated()
	}
	neg := c.op.negated()
	test := func(v string) bool { return c.matchesAny(v, r) != neg }
	switch c.set {
	case setAnyValue:
		for _, v := range vals {
			if test(v) {
				return true
			}
		}
		return false
	case setAllValues:
		for _, v := range vals {
			if !test(v) {
				return false
			}
		}
		return true
	}
	if neg { // no request value matches any policy value
		for _, v := range vals {
			if !test(v) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if test(v) {
			return true
		}
	}
	return false
}

// matchesAny reports whether the request value v matches one of the
// policy's values under the operator's (positive) comparison.
func (c *Condition) matchesAny(v string, r *evalRequest) bool {
	switch c.op {
	case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
		v = strings.ToLower(v)
	case opBool:
		for _, pv := range c.Values {
			if strings.EqualFold(pv, v) {
				return true
			}
		}
		return false
	}
	return anyMatcher(c.values, v, r)
}

// conditionMatcher prepares one policy value of a condition.
func conditionMatcher(op condOp, s string, vars bool) matcher {
	switch op {
	case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
		return matcher{comps: []pattern{newPattern(strings.ToLower(s), vars, false)}}
	case opStringLike, opStringNotLike:
		return matcher{comps: []pattern{newPattern(s, vars, true)}}
	case opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
		return arnMatcher(s, vars)
	}
	return matcher{comps: []pattern{newPattern(s, vars, false)}}
}

// Matching.

// matcher matches a whole string: everything (any), an ARN component by
// component (six comps), or a single pattern.
type matcher struct {
	any   bool
	comps []pattern
}

// arnMatcher compiles a Resource element or an Arn* condition value: "*"
// matches everything; a value starting with "arn:" is matched component by
// component (missing trailing components are "*"); anything else as one
// pattern.
func arnMatcher(s string, vars bool) matcher {
	if s == "*" {
		return matcher{any: true}
	}
	if !strings.HasPrefix(s, "arn:") {
		return matcher{comps: []pattern{newPattern(s, vars, true)}}
	}
	parts := splitARN(s)
	m := matcher{comps: make([]pattern, 6)}
	for i := range m.comps {
		p := "*"
		if i < len(parts) {
			p = parts[i]
		}
		m.comps[i] = newPattern(p, vars, true)
	}
	return m
}

// splitARN splits s into at most six colon-separated components, not
// splitting inside ${…} policy variables.
func splitARN(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s) && len(out) < 5; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func (m *matcher) match(s string, r *evalRequest) bool {
	if m.any {
		return true
	}
	if len(m.comps) == 1 {
		return m.comps[0].match(s, r)
	}
	// Walk the value's components without splitting it: the first five
	// end at a colon, the sixth is the rest (colons included); missing ones
	// are empty.
	rest, more := s, true
	for i := range m.comps {
		v := ""
		if more {
			if i < len(m.comps)-1 {
				v, rest, more = strings.Cut(rest, ":")
			} else {
				v = rest
			}
		}
		if !m.comps[i].match(v, r) {
			return false
		}
	}
	return true
}

// pattern is one policy string compiled for matching: with wildcards (*
// and ?) or without, and with policy variables expanded per request when
// the document allows them.
type pattern struct {
	toks  []token // the compiled pattern, when it has no variables
	parts []part  // the pattern split around its variables, otherwise
	wild  bool
}

type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokOne
)

type token struct {
	kind tokKind
	lit  string
}

// part is literal pattern text or a policy variable.
type part struct {
	text     string // pattern text, or the variable's key (lower-cased)
	isVar    bool
	fallback *string // ${key, 'default'}
}

func newPattern(s string, vars, wild bool) pattern {
	p := pattern{wild: wild}
	if vars && strings.Contains(s, "${") {
		p.parts = splitVars(s)
		return p
	}
	p.toks = compileTokens(nil, s, wild)
	return p
}

// compileTokens appends the tokens of pattern text s.
func compileTokens(toks []token, s string, wild bool) []token {
	if !wild {
		if s != "" {
			toks = append(toks, token{kind: tokLit, lit: s})
		}
		return toks
	}
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '*' && s[i] != '?' {
			continue
		}
		if i > start {
			toks = append(toks, token{kind: tokLit, lit: s[start:i]})
		}
		if s[i] == '*' {
			if n := len(toks); n == 0 || toks[n-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
		} else {
			toks = append(toks, token{kind: tokOne})
		}
		start = i + 1
	}
	if start < len(s) {
		toks = append(toks, token{kind: tokLit, lit: s[start:]})
	}
	return toks
}

// splitVars splits s around ${…} variables; an unterminated ${ is text.
func splitVars(s string) []part {
	var out []part
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			out = append(out, part{text: s[:i]})
		}
		out = append(out, variable(s[i+2:i+j]))
		s = s[i+j+1:]
	}
	if s != "" {
		out = append(out, part{text: s})
	}
	return out
}

func variable(body string) part {
	v := part{isVar: true}
	key, def, ok := strings.Cut(body, ",")
	if ok {
		def = strings.TrimSpace(def)
		if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			d := def[1 : len(def)-1]
			v.fallback = &d
		}
	}
	v.text = strings.ToLower(strings.TrimSpace(key))
	return v
}

func (p *pattern) match(s string, r *evalRequest) bool {
	if p.parts == nil {
		return matchTokens(p.toks, s)
	}
	toks := make([]token, 0, 2*len(p.parts))
	for _, pt := range p.parts {
		if !pt.isVar {
			toks = compileTokens(toks, pt.text, p.wild)
			continue
		}
		switch pt.text {
		case "*", "?", "$":
			toks = append(toks, token{kind: tokLit, lit: pt.text})
			continue
		}
		vals, ok := r.lookup(pt.text)
		switch {
		case ok && len(vals) == 1:
			toks = append(toks, token{kind: tokLit, lit: vals[0]})
		case !ok && pt.fallback != nil:
			toks = append(toks, token{kind: tokLit, lit: *pt.fallback})
		default:
			return false // no single value: the pattern matches nothing
		}
	}
	return matchTokens(toks, s)
}

// matchTokens matches s against a compiled pattern. A star backtracks to
// the most recent star only, which is enough for glob patterns and keeps
// the cost at O(len(pattern)·len(s)) in the worst case.
func matchTokens(toks []token, s string) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokLit:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
}
