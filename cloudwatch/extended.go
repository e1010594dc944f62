package cloudwatch

import (
	"math"
	"strconv"
	"strings"
)

// Extended statistics (reference B2): pNN.NN percentiles, trimmed mean
// (tmNN, TM(a:b)), winsorized mean (wmNN, WM(a:b)), trimmed count (tcNN,
// TC(a:b)), trimmed sum (tsNN, TS(a:b)), percentile rank PR(n:m) and IQM.
// Bounds are percentages ("10%") or absolute values ("150"); either side
// may be left out. The shorthands xxNN mean XX(:NN%).
//
// They are computed from a bucket's distribution (Stats.Values). Rank
// bounds select samples by position: with N samples in order, the samples
// ranked in (a·N/100, b·N/100] (partially, at the edges). Value bounds
// select the samples with a < v <= b. A percentile is the nearest-rank
// value: the smallest v with at least ⌈p·N/100⌉ samples <= v.
//
// As in CloudWatch, an aggregate without a distribution (statistic sets
// with several different values) or with a negative value has no extended
// statistics.

type extKind uint8

const (
	extPercentile extKind = iota
	extTrimmedMean
	extWinsorizedMean
	extTrimmedCount
	extTrimmedSum
	extPercentileRank
)

// extStat is a parsed extended statistic.
type extStat struct {
	kind extKind
	p    float64 // percentile
	// Range bounds; NaN when left out. percent: rank bounds in 0–100.
	lo, hi  float64
	percent bool
}

// parseExtended parses an extended statistic name.
func parseExtended(s string) (extStat, bool) {
	if s == "IQM" {
		return extStat{kind: extTrimmedMean, lo: 25, hi: 75, percent: true}, true
	}
	if len(s) < 2 {
		return extStat{}, false
	}
	if s[0] == 'p' {
		p, ok := parsePercent(s[1:])
		if !ok {
			return extStat{}, false
		}
		return extStat{kind: extPercentile, p: p}, true
	}
	kinds := map[string]extKind{"tm": extTrimmedMean, "wm": extWinsorizedMean, "tc": extTrimmedCount, "ts": extTrimmedSum, "pr": extPercentileRank}
	kind, ok := kinds[strings.ToLower(s[:2])]
	if !ok {
		return extStat{}, false
	}
	rest := s[2:]
	if !strings.HasPrefix(rest, "(") {
		// Shorthand: lower-case name and a percentage (not for PR).
		if s[:2] != strings.ToLower(s[:2]) || kind == extPercentileRank {
			return extStat{}, false
		}
		p, ok := parsePercent(rest)
		if !ok {
			return extStat{}, false
		}
		return extStat{kind: kind, lo: math.NaN(), hi: p, percent: true}, true
	}
	if s[:2] != strings.ToUpper(s[:2]) || !strings.HasSuffix(rest, ")") {
		return extStat{}, false
	}
	a, b, ok := strings.Cut(rest[1:len(rest)-1], ":")
	if !ok {
		return extStat{}, false
	}
	e := extStat{kind: kind, lo: math.NaN(), hi: math.NaN()}
	aPct, bPct := strings.HasSuffix(a, "%"), strings.HasSuffix(b, "%")
	switch {
	case a == "" && b == "":
		return extStat{}, false
	case a != "" && b != "" && aPct != bPct:
		return extStat{}, false
	}
	e.percent = aPct || bPct
	if e.percent && kind == extPercentileRank {
		return extStat{}, false
	}
	for _, side := range []struct {
		text string
		dst  *float64
	}{{a, &e.lo}, {b, &e.hi}} {
		if side.text == "" {
			continue
		}
		var v float64
		var ok bool
		if e.percent {
			v, ok = parsePercent(strings.TrimSuffix(side.text, "%"))
		} else {
			v, ok = parseNumber(side.text)
		}
		if !ok {
			return extStat{}, false
		}
		*side.dst = v
	}
	if !math.IsNaN(e.lo) && !math.IsNaN(e.hi) && e.lo > e.hi {
		return extStat{}, false
	}
	return e, true
}

// parsePercent reads NN or NN.NN…: a plain decimal between 0 and 100.
func parsePercent(s string) (float64, bool) {
	if s == "" || len(s) > 16 {
		return 0, false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 100 {
		return 0, false
	}
	return v, true
}

// parseNumber reads an absolute bound: a finite decimal number.
func parseNumber(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// value computes e over st; false when st cannot answer it.
func (e extStat) value(st Stats) (float64, bool) {
	if st.Count <= 0 || st.Values == nil || st.Min < 0 {
		return 0, false
	}
	if e.kind == extPercentile {
		return percentile(st, e.p), true
	}
	if e.percent {
		return e.rankRange(st)
	}
	return e.valueRange(st)
}

// percentile is the nearest-rank p-th percentile of st, kept within
// [Min, Max] (compacted distributions hold approximate values).
func percentile(st Stats, p float64) float64 {
	if p <= 0 {
		return st.Min
	}
	if p >= 100 {
		return st.Max
	}
	rank := math.Max(1, math.Ceil(p*st.Count/100-1e-9))
	cum := 0.0
	for _, vc := range st.Values {
		cum += vc.Count
		if cum >= rank-1e-9 {
			return math.Min(math.Max(vc.Value, st.Min), st.Max)
		}
	}
	return st.Max
}

func (e extStat) rankRange(st Stats) (float64, bool) {
	n := st.Count
	lo, hi := 0.0, n
	if !math.IsNaN(e.lo) {
		lo = e.lo * n / 100
	}
	if !math.IsNaN(e.hi) {
		hi = e.hi * n / 100
	}
	var w, sum float64
	first, last := math.NaN(), math.NaN()
	cum := 0.0
	for _, vc := range st.Values {
		c0, c1 := cum, cum+vc.Count
		cum = c1
		o := math.Min(c1, hi) - math.Max(c0, lo)
		if o <= 1e-12 {
			continue
		}
		if math.IsNaN(first) {
			first = vc.Value
		}
		last = vc.Value
		w += o
		sum += vc.Value * o
	}
	switch e.kind {
	case extTrimmedCount:
		return w, true
	case extTrimmedSum:
		return sum, true
	}
	if w <= 0 {
		return 0, false
	}
	if e.kind == extWinsorizedMean {
		return (sum + lo*first + (n-hi)*last) / n, true
	}
	return sum / w, true
}

func (e extStat) valueRange(st Stats) (float64, bool) {
	in := func(v float64) bool {
		return (math.IsNaN(e.lo) || v > e.lo) && (math.IsNaN(e.hi) || v <= e.hi)
	}
	var w, sum, wsum float64
	for _, vc := range st.Values {
		v := vc.Value
		if in(v) {
			w += vc.Count
			sum += v * vc.Count
		}
		switch {
		case !math.IsNaN(e.lo) && v < e.lo:
			v = e.lo
		case !math.IsNaN(e.hi) && v > e.hi:
			v = e.hi
		}
		wsum += v * vc.Count
	}
	switch e.kind {
	case extTrimmedCount:
		return w, true
	case extTrimmedSum:
		return sum, true
	case extPercentileRank:
		return 100 * w / st.Count, true
	case extWinsorizedMean:
		return wsum / st.Count, true
	}
	if w <= 0 {
		return 0, false
	}
	return sum / w, true
}
