package cloudwatch

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// A small subset of CloudWatch metric math for GetMetricData: numbers,
// other queries' Ids, + - * / with parentheses and unary minus, and
// SUM, AVG, MIN, MAX over METRICS() (every MetricStat query of the
// request), a list [a, b, …] or one expression. Series combine by
// timestamp: arithmetic keeps the timestamps both sides have, the
// functions the timestamps any member has. Non-finite results (division by
// zero) are left out. Anything else is refused as unsupported.

// series is a time series: value by period start (Unix seconds).
type series map[int64]float64

// mathNode is a parsed expression.
type mathNode struct {
	op   byte // 'n' number, 'i' id, 'f' function, 'u' unary minus, or + - * /
	num  float64
	id   string
	fn   string      // SUM AVG MIN MAX
	all  bool        // function over METRICS()
	args []*mathNode // operands, function members
}

// mathValue is a scalar or a series.
type mathValue struct {
	scalar   float64
	s        series
	isSeries bool
}

const maxMathDepth = 64

type mathParser struct {
	src   string
	pos   int
	depth int
}

// parseMath parses an expression of the supported subset.
func parseMath(src string) (*mathNode, bool) {
	p := &mathParser{src: src}
	n, ok := p.expr()
	p.space()
	if !ok || p.pos != len(p.src) {
		return nil, false
	}
	return n, true
}

func (p *mathParser) space() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *mathParser) peek() byte {
	p.space()
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *mathParser) expr() (*mathNode, bool) {
	if p.depth++; p.depth > maxMathDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	left, ok := p.term()
	for ok {
		c := p.peek()
		if c != '+' && c != '-' {
			break
		}
		p.pos++
		var right *mathNode
		if right, ok = p.term(); ok {
			left = &mathNode{op: c, args: []*mathNode{left, right}}
		}
	}
	return left, ok
}

func (p *mathParser) term() (*mathNode, bool) {
	left, ok := p.unary()
	for ok {
		c := p.peek()
		if c != '*' && c != '/' {
			break
		}
		p.pos++
		var right *mathNode
		if right, ok = p.unary(); ok {
			left = &mathNode{op: c, args: []*mathNode{left, right}}
		}
	}
	return left, ok
}

func (p *mathParser) unary() (*mathNode, bool) {
	if p.peek() == '-' {
		p.pos++
		if p.depth++; p.depth > maxMathDepth {
			return nil, false
		}
		defer func() { p.depth-- }()
		n, ok := p.unary()
		return &mathNode{op: 'u', args: []*mathNode{n}}, ok
	}
	return p.primary()
}

func (p *mathParser) primary() (*mathNode, bool) {
	c := p.peek()
	switch {
	case c == '(':
		p.pos++
		n, ok := p.expr()
		if !ok || p.peek() != ')' {
			return nil, false
		}
		p.pos++
		return n, true
	case c >= '0' && c <= '9' || c == '.':
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.') {
			p.pos++
		}
		v, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, false
		}
		return &mathNode{op: 'n', num: v}, true
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		start := p.pos
		for p.pos < len(p.src) && isIDByte(p.src[p.pos]) {
			p.pos++
		}
		word := p.src[start:p.pos]
		if p.peek() != '(' {
			if !queryID.MatchString(word) {
				return nil, false
			}
			return &mathNode{op: 'i', id: word}, true
		}
		return p.function(word)
	}
	return nil, false
}

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// function parses FN(METRICS()), FN([a, b, …]) or FN(expr); p is at "(".
func (p *mathParser) function(name string) (*mathNode, bool) {
	switch name {
	case "SUM", "AVG", "MIN", "MAX":
	default:
		return nil, false
	}
	p.pos++ // (
	n := &mathNode{op: 'f', fn: name}
	switch {
	case p.peek() == 'M' && strings.HasPrefix(p.src[p.pos:], "METRICS()"):
		p.pos += len("METRICS()")
		n.all = true
	case p.peek() == '[':
		p.pos++
		for {
			arg, ok := p.expr()
			if !ok {
				return nil, false
			}
			n.args = append(n.args, arg)
			if c := p.peek(); c == ',' {
				p.pos++
				continue
			} else if c == ']' {
				p.pos++
				break
			}
			return nil, false
		}
	default:
		arg, ok := p.expr()
		if !ok {
			return nil, false
		}
		n.args = []*mathNode{arg}
	}
	if p.peek() != ')' {
		return nil, false
	}
	p.pos++
	return n, true
}

// ids lists the query Ids an expression refers to.
func (n *mathNode) ids(out []string) []string {
	if n.op == 'i' {
		out = append(out, n.id)
	}
	for _, a := range n.args {
		out = a.ids(out)
	}
	return out
}

// eval computes n; lookup returns a referenced query's series, metrics
// every MetricStat query's.
func (n *mathNode) eval(lookup func(string) series, metrics []series) mathValue {
	switch n.op {
	case 'n':
		return mathValue{scalar: n.num}
	case 'i':
		return mathValue{s: lookup(n.id), isSeries: true}
	case 'u':
		return apply('-', mathValue{}, n.args[0].eval(lookup, metrics))
	case 'f':
		var vals []mathValue
		if n.all {
			for _, s := range metrics {
				vals = append(vals, mathValue{s: s, isSeries: true})
			}
		}
		for _, a := range n.args {
			vals = append(vals, a.eval(lookup, metrics))
		}
		return reduce(n.fn, vals)
	}
	return apply(n.op, n.args[0].eval(lookup, metrics), n.args[1].eval(lookup, metrics))
}

func arith(op byte, a, b float64) float64 {
	switch op {
	case '+':
		return a + b
	case '-':
		return a - b
	case '*':
		return a * b
	}
	return a / b
}

func apply(op byte, a, b mathValue) mathValue {
	switch {
	case !a.isSeries && !b.isSeries:
		return mathValue{scalar: arith(op, a.scalar, b.scalar)}
	case !a.isSeries:
		out := make(series, len(b.s))
		for t, v := range b.s {
			out[t] = arith(op, a.scalar, v)
		}
		return mathValue{s: out, isSeries: true}
	case !b.isSeries:
		out := make(series, len(a.s))
		for t, v := range a.s {
			out[t] = arith(op, v, b.scalar)
		}
		return mathValue{s: out, isSeries: true}
	}
	out := make(series)
	for t, v := range a.s {
		if w, ok := b.s[t]; ok {
			out[t] = arith(op, v, w)
		}
	}
	return mathValue{s: out, isSeries: true}
}

// reduce combines values per timestamp (scalars count at every one).
func reduce(fn string, vals []mathValue) mathValue {
	fold := func(xs []float64) float64 {
		switch fn {
		case "SUM", "AVG":
			sum := 0.0
			for _, x := range xs {
				sum += x
			}
			if fn == "AVG" {
				return sum / float64(len(xs))
			}
			return sum
		case "MIN":
			return slices.Min(xs)
		}
		return slices.Max(xs)
	}
	var scalars []float64
	anySeries := false
	times := map[int64]bool{}
	for _, v := range vals {
		if !v.isSeries {
			scalars = append(scalars, v.scalar)
			continue
		}
		anySeries = true
		for t := range v.s {
			times[t] = true
		}
	}
	if !anySeries {
		if len(scalars) == 0 {
			return mathValue{s: series{}, isSeries: true}
		}
		return mathValue{scalar: fold(scalars)}
	}
	out := make(series, len(times))
	for t := range times {
		xs := slices.Clone(scalars)
		for _, v := range vals {
			if x, ok := v.s[t]; v.isSeries && ok {
				xs = append(xs, x)
			}
		}
		out[t] = fold(xs)
	}
	return mathValue{s: out, isSeries: true}
}
