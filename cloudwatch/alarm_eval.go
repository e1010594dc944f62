package cloudwatch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Alarm evaluation (reference B5), as a pure function: Evaluate takes the
// datapoints of the evaluation range, the alarm's rule and its current
// state, and returns the new state with its reason. The engine
// (alarm_engine.go) fetches the data and stores the outcome.
//
// Rules, with N = EvaluationPeriods and M = DatapointsToAlarm:
//
//   - The range holds more than N periods (N+2), oldest first.
//   - With at least N real datapoints in the range, the newest N real ones
//     are evaluated (gaps skipped; TreatMissingData unused): ALARM when at
//     least M breach, else OK.
//   - Otherwise the newest N periods are evaluated with missing ones filled
//     by TreatMissingData: breaching and notBreaching count them as bad or
//     good; ALARM when at least M are bad.
//   - missing: all missing → INSUFFICIENT_DATA. Premature-alarm guard: when
//     the oldest breaching datapoint in the range is at least M periods old
//     and everything newer breaches or is missing, ALARM (`- - X - -`);
//     when a breaching datapoint is followed only by breaching or missing
//     ones but is younger than M periods (`- - - - X`), the state stays.
//   - ignore: all missing → the state stays; a breaching datapoint followed
//     only by breaching or missing ones keeps the state too.
//   - Otherwise OK.
//   - Percentiles with too few samples (LowSample) under
//     EvaluateLowSampleCountPercentile=ignore keep the state.

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// TreatMissingData values.
const (
	MissingMissing      = "missing"
	MissingIgnore       = "ignore"
	MissingBreaching    = "breaching"
	MissingNotBreaching = "notBreaching"
)

// Comparison operators.
const (
	GreaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold"
	GreaterThanThreshold          = "GreaterThanThreshold"
	LessThanThreshold             = "LessThanThreshold"
	LessThanOrEqualToThreshold    = "LessThanOrEqualToThreshold"
)

// comparisons are the operators Steward evaluates with their reason text.
var comparisons = map[string]struct {
	text   string
	breach func(v, t float64) bool
}{
	GreaterThanOrEqualToThreshold: {"greater than or equal to", func(v, t float64) bool { return v >= t }},
	GreaterThanThreshold:          {"greater than", func(v, t float64) bool { return v > t }},
	LessThanThreshold:             {"less than", func(v, t float64) bool { return v < t }},
	LessThanOrEqualToThreshold:    {"less than or equal to", func(v, t float64) bool { return v <= t }},
}

// EvalPoint is one period of the evaluation range: its start, and when
// Present its value, sample count (0 when unknown: metric math) and
// whether a percentile had too few samples.
type EvalPoint struct {
	Time        time.Time
	Present     bool
	Value       float64
	SampleCount float64
	LowSample   bool
}

// EvalInput is what Evaluate decides on. Points is the evaluation range,
// oldest first. M 0 means N (DatapointsToAlarm unset; MofN says whether it
// was set, which selects the reason's wording).
type EvalInput struct {
	Points        []EvalPoint
	N, M          int
	MofN          bool
	Comparison    string
	Threshold     float64
	TreatMissing  string
	IgnoreLowSamp bool
	State         string
}

// EvalResult is Evaluate's answer. Changed is false when the state stays
// (State then repeats the input's); Reason is set only when Changed.
// Evaluated are the periods decided on, newest first; Recent their present
// values, oldest first.
type EvalResult struct {
	State     string
	Changed   bool
	Reason    string
	Evaluated []EvalPoint
	Recent    []float64
}

// Evaluate applies the alarm rule to the datapoints.
func Evaluate(in EvalInput) EvalResult {
	n, m := max(in.N, 1), in.M
	if m <= 0 || m > n {
		m = n
	}
	cmp, ok := comparisons[in.Comparison]
	if !ok {
		return EvalResult{State: in.State}
	}
	breach := func(p EvalPoint) bool { return cmp.breach(p.Value, in.Threshold) }
	keep := EvalResult{State: in.State}

	var real []EvalPoint
	for _, p := range in.Points {
		if p.Present {
			real = append(real, p)
		}
	}
	var evaluated []EvalPoint // oldest first
	filled := len(real) < n
	if !filled {
		evaluated = real[len(real)-n:]
	} else {
		evaluated = in.Points[max(len(in.Points)-n, 0):]
	}
	res := EvalResult{}
	for i := len(evaluated) - 1; i >= 0; i-- {
		res.Evaluated = append(res.Evaluated, evaluated[i])
	}
	for _, p := range evaluated {
		if p.Present {
			res.Recent = append(res.Recent, p.Value)
			if p.LowSample && in.IgnoreLowSamp {
				return keep
			}
		}
	}
	decide := func(state, reason string) EvalResult {
		if state == in.State {
			return keep
		}
		res.State, res.Changed, res.Reason = state, true, reason
		return res
	}

	bad, good, missing := 0, 0, 0
	var badPts, goodPts []EvalPoint // newest first
	for i := len(evaluated) - 1; i >= 0; i-- {
		p := evaluated[i]
		switch {
		case !p.Present:
			missing++
		case breach(p):
			bad++
			badPts = append(badPts, p)
		default:
			good++
			goodPts = append(goodPts, p)
		}
	}
	switch {
	case !filled:
	case in.TreatMissing == MissingBreaching:
		if bad == 0 && good == 0 {
			return decide(StateAlarm, fmt.Sprintf("Threshold Crossed: no datapoints were received for %d period%s and %d missing datapoint%s %s treated as [Breaching].", missing, plural(missing), missing, plural(missing), wasWere(missing)))
		}
		bad += missing
	case in.TreatMissing == MissingNotBreaching:
		if bad == 0 && good == 0 {
			return decide(StateOK, fmt.Sprintf("Threshold Crossed: no datapoints were received for %d period%s and %d missing datapoint%s %s treated as [NonBreaching].", missing, plural(missing), missing, plural(missing), wasWere(missing)))
		}
		good += missing
	}
	if bad >= m {
		return decide(StateAlarm, thresholdReason(in, cmp.text, bad, n, m, badPts, StateAlarm))
	}
	if filled && (in.TreatMissing == MissingMissing || in.TreatMissing == MissingIgnore || in.TreatMissing == "") {
		if len(real) == 0 {
			if in.TreatMissing == MissingIgnore {
				return keep
			}
			u := len(evaluated)
			return decide(StateInsufficientData, fmt.Sprintf("Insufficient Data: %d datapoint%s %s unknown.", u, plural(u), wasWere(u)))
		}
		// The oldest breaching datapoint after which nothing is good.
		oldest := -1
		for i := len(in.Points) - 1; i >= 0; i-- {
			p := in.Points[i]
			if !p.Present {
				continue
			}
			if !breach(p) {
				break
			}
			oldest = i
		}
		if oldest >= 0 {
			age := len(in.Points) - oldest // the newest period is 1 old
			if age >= m && in.TreatMissing != MissingIgnore {
				var pts []EvalPoint
				for i := len(in.Points) - 1; i >= oldest; i-- {
					if in.Points[i].Present {
						pts = append(pts, in.Points[i])
					}
				}
				return decide(StateAlarm, thresholdReason(in, cmp.text, len(pts), n, m, pts, StateAlarm))
			}
			return keep
		}
	}
	return decide(StateOK, thresholdReason(in, "not "+cmp.text, good, n, n-m+1, goodPts, StateOK))
}

// thresholdReason is the "Threshold Crossed" reason (reference B6): the
// M-of-N form when DatapointsToAlarm was set, else the short form.
func thresholdReason(in EvalInput, cmpText string, count, n, k int, pts []EvalPoint, to string) string {
	var list []string
	for _, p := range pts {
		list = append(list, JavaDouble(p.Value)+" ("+p.Time.UTC().Format("02/01/06 15:04:05")+")")
	}
	vals := "[" + strings.Join(list, ", ") + "]"
	if !in.MofN {
		return fmt.Sprintf("Threshold Crossed: %d datapoint%s %s %s %s the threshold (%s).",
			count, plural(count), vals, wasWere(count), cmpText, JavaDouble(in.Threshold))
	}
	from := in.State
	if from == "" {
		from = StateInsufficientData
	}
	return fmt.Sprintf("Threshold Crossed: %d out of the last %d datapoints %s %s %s the threshold (%s) (minimum %d datapoint%s for %s -> %s transition).",
		count, n, vals, wasWere(count), cmpText, JavaDouble(in.Threshold), k, plural(k), from, to)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// JavaDouble formats v as Java's Double.toString does (AWS prints
// thresholds and values that way): "90.0", "0.5", "1.0E7", "1.0E-4".
func JavaDouble(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	case v == 0:
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(v)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'E', -1, 64) // 1E+07, 1.5E-04
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// lowSample reports whether a percentile (0–100) over count samples has too
// few of them: fewer than 10/(1−p) for p ≥ 0.5, fewer than 10/p below.
func lowSample(p, count float64) bool {
	q := p / 100
	switch {
	case q <= 0 || q >= 1:
		return false
	case q >= 0.5:
		return count < 10/(1-q)
	default:
		return count < 10/q
	}
}
