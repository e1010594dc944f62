package cloudwatch

import (
	"strings"
	"unicode"
)

// Composite alarm rules (reference B4): ALARM(x), OK(x), INSUFFICIENT_DATA(x)
// with x an alarm name or ARN, bare or in double quotes; TRUE, FALSE; NOT,
// AND, OR (NOT binds tightest, then AND, then OR; keywords in capitals);
// parentheses.

// ruleNode is a parsed rule.
type ruleNode struct {
	op    string // "state", "const", "not", "and", "or"
	state string // for "state": OK, ALARM, INSUFFICIENT_DATA
	alarm string // for "state": the alarm name (an ARN is reduced to it)
	val   bool   // for "const"
	l, r  *ruleNode
}

// eval evaluates the rule with the states of the alarms it names; an alarm
// without a state (deleted) is in none.
func (n *ruleNode) eval(state func(name string) string) bool {
	switch n.op {
	case "state":
		return state(n.alarm) == n.state
	case "const":
		return n.val
	case "not":
		return !n.l.eval(state)
	case "and":
		return n.l.eval(state) && n.r.eval(state)
	default:
		return n.l.eval(state) || n.r.eval(state)
	}
}

// alarms lists the alarm names the rule refers to, in order, once each.
func (n *ruleNode) alarms(out []string) []string {
	if n == nil {
		return out
	}
	if n.op == "state" {
		for _, a := range out {
			if a == n.alarm {
				return out
			}
		}
		return append(out, n.alarm)
	}
	return n.r.alarms(n.l.alarms(out))
}

type ruleParser struct {
	s      string
	pos    int
	prefix string // the ARN prefix of this account's alarms
	depth  int
}

// parseRule parses an alarm rule; ok is false when it is not one.
// arnPrefix ("arn:aws:cloudwatch:<region>:<account>:alarm:") turns ARNs
// into names.
func parseRule(s, arnPrefix string) (*ruleNode, bool) {
	p := &ruleParser{s: s, prefix: arnPrefix}
	n, ok := p.or()
	p.space()
	if !ok || p.pos != len(p.s) {
		return nil, false
	}
	return n, true
}

func (p *ruleParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

// keyword consumes kw when it comes next as a whole word.
func (p *ruleParser) keyword(kw string) bool {
	p.space()
	if !strings.HasPrefix(p.s[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	if end < len(p.s) {
		c := rune(p.s[end])
		if unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' {
			return false
		}
	}
	p.pos = end
	return true
}

func (p *ruleParser) or() (*ruleNode, bool) {
	l, ok := p.and()
	for ok && p.keyword("OR") {
		var r *ruleNode
		if r, ok = p.and(); ok {
			l = &ruleNode{op: "or", l: l, r: r}
		}
	}
	return l, ok
}

func (p *ruleParser) and() (*ruleNode, bool) {
	l, ok := p.not()
	for ok && p.keyword("AND") {
		var r *ruleNode
		if r, ok = p.not(); ok {
			l = &ruleNode{op: "and", l: l, r: r}
		}
	}
	return l, ok
}

func (p *ruleParser) not() (*ruleNode, bool) {
	if p.depth++; p.depth > 100 {
		return nil, false
	}
	defer func() { p.depth-- }()
	if p.keyword("NOT") {
		n, ok := p.not()
		return &ruleNode{op: "not", l: n}, ok
	}
	return p.primary()
}

func (p *ruleParser) primary() (*ruleNode, bool) {
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		p.pos++
		n, ok := p.or()
		p.space()
		if !ok || p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, false
		}
		p.pos++
		return n, true
	}
	switch {
	case p.keyword("TRUE"):
		return &ruleNode{op: "const", val: true}, true
	case p.keyword("FALSE"):
		return &ruleNode{op: "const", val: false}, true
	}
	for _, st := range []string{StateInsufficientData, StateAlarm, StateOK} {
		if !p.keyword(st) {
			continue
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != '(' {
			return nil, false
		}
		p.pos++
		p.space()
		var name string
		if p.pos < len(p.s) && p.s[p.pos] == '"' {
			end := strings.IndexByte(p.s[p.pos+1:], '"')
			if end < 0 {
				return nil, false
			}
			name = p.s[p.pos+1 : p.pos+1+end]
			p.pos += end + 2
		} else {
			start := p.pos
			for p.pos < len(p.s) && p.s[p.pos] != ')' {
				p.pos++
			}
			name = strings.TrimSpace(p.s[start:p.pos])
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, false
		}
		p.pos++
		if strings.HasPrefix(name, "arn:") {
			var ok bool
			if name, ok = strings.CutPrefix(name, p.prefix); !ok {
				return nil, false
			}
		}
		if name == "" || len(name) > AlarmLimits.MaxName {
			return nil, false
		}
		return &ruleNode{op: "state", state: st, alarm: name}, true
	}
	return nil, false
}
