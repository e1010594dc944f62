package cloudwatch

import (
	"strings"
	"testing"
	"time"
)

var evalT0 = time.Date(2026, 1, 21, 10, 0, 0, 0, time.UTC)

// points reads a range like "- - X 0 -", oldest first: X breaches
// (GreaterThanThreshold 10: value 20), 0 does not (value 1), - is missing,
// L is a breaching datapoint with too few samples for its percentile, l a
// non-breaching one.
func points(s string) []EvalPoint {
	var out []EvalPoint
	for i, f := range strings.Fields(s) {
		p := EvalPoint{Time: evalT0.Add(time.Duration(i) * time.Minute)}
		switch f {
		case "X":
			p.Present, p.Value, p.SampleCount = true, 20, 5
		case "0":
			p.Present, p.Value, p.SampleCount = true, 1, 5
		case "L":
			p.Present, p.Value, p.SampleCount, p.LowSample = true, 20, 1, true
		case "l":
			p.Present, p.Value, p.SampleCount, p.LowSample = true, 1, 1, true
		}
		out = append(out, p)
	}
	return out
}

func TestEvaluate(t *testing.T) {
	const (
		ok   = StateOK
		alrm = StateAlarm
		ins  = StateInsufficientData
		keep = "" // no change
	)
	tests := []struct {
		data    string
		n, m    int
		missing string
		from    string
		want    string
		ignLow  bool
	}{
		// B5 table, 3 of 3: the newest N real points, else TreatMissingData.
		{"0 - X - X", 3, 3, "missing", ins, ok, false},
		{"0 - X - X", 3, 3, "ignore", ins, ok, false},
		{"0 - X - X", 3, 3, "breaching", ins, ok, false},
		{"0 - X - X", 3, 3, "notBreaching", ins, ok, false},
		{"- - - - 0", 3, 3, "missing", alrm, ok, false},
		{"- - - - 0", 3, 3, "ignore", alrm, ok, false},
		{"- - - - 0", 3, 3, "breaching", ins, ok, false},
		{"- - - - 0", 3, 2, "breaching", ok, alrm, false},
		{"- - - - 0", 3, 3, "notBreaching", alrm, ok, false},
		{"- - - - -", 3, 3, "missing", ok, ins, false},
		{"- - - - -", 3, 3, "ignore", ok, keep, false},
		{"- - - - -", 3, 3, "ignore", alrm, keep, false},
		{"- - - - -", 3, 3, "breaching", ok, alrm, false},
		{"- - - - -", 3, 3, "notBreaching", alrm, ok, false},
		{"- - - - -", 3, 3, "notBreaching", ok, keep, false},
		{"0 X X - X", 3, 3, "missing", ok, alrm, false},
		{"0 X X - X", 3, 3, "ignore", ok, alrm, false},
		{"0 X X - X", 3, 3, "breaching", ok, alrm, false},
		{"0 X X - X", 3, 3, "notBreaching", ok, alrm, false},
		// Premature-alarm guard: - - X - - goes to ALARM (the breaching point
		// is 3 periods old), - - - - X stays.
		{"- - X - -", 3, 3, "missing", ok, alrm, false},
		{"- - X - -", 3, 3, "ignore", ok, keep, false},
		{"- - X - -", 3, 3, "breaching", ok, alrm, false},
		{"- - X - -", 3, 3, "notBreaching", alrm, ok, false},
		{"- - - - X", 3, 3, "missing", ok, keep, false},
		{"- - - - X", 3, 3, "missing", ins, keep, false},
		{"- - - - X", 3, 3, "ignore", ok, keep, false},
		{"- - - - X", 3, 3, "breaching", ok, alrm, false},
		{"- - - - X", 3, 3, "notBreaching", ok, keep, false},
		{"- - - - X", 3, 3, "notBreaching", alrm, ok, false},
		{"- - - X -", 3, 2, "missing", ok, alrm, false},
		{"- - - X -", 3, 3, "missing", ok, keep, false},
		{"- - 0 X -", 3, 3, "missing", ok, keep, false},
		// M of N, not consecutive.
		{"X 0 X 0 X", 5, 3, "missing", ok, alrm, false},
		{"X 0 X 0 0", 5, 3, "missing", ok, keep, false},
		{"X 0 X 0 0", 5, 3, "missing", alrm, ok, false},
		{"0 0 X 0 X 0 0", 5, 2, "missing", ok, alrm, false},
		{"0 0 X 0 0 0 X", 5, 2, "missing", ins, alrm, false},
		{"0 0 X 0 0 0 X", 4, 2, "missing", ins, ok, false},
		// Gaps with enough real points: the newest N real ones.
		{"X - X - X", 3, 3, "notBreaching", ok, alrm, false},
		{"X - 0 - X", 2, 2, "breaching", alrm, ok, false},
		// Recovery.
		{"X X 0 0 0", 3, 3, "missing", alrm, ok, false},
		{"X X 0 0 0", 3, 1, "missing", alrm, ok, false},
		{"X X X 0 0", 3, 1, "missing", alrm, keep, false},
		{"X X X X 0", 3, 1, "missing", alrm, keep, false},
		{"0 0 0 0 0", 1, 1, "missing", ins, ok, false},
		{"0 0 0 0 X", 1, 1, "missing", ok, alrm, false},
		// Percentiles with too few samples.
		{"0 0 L", 1, 1, "missing", ok, keep, true},
		{"0 0 L", 1, 1, "missing", ok, alrm, false},
		{"X X l", 1, 1, "missing", alrm, keep, true},
		{"X X l", 1, 1, "missing", alrm, ok, false},
		{"0 0 0 X X", 3, 3, "missing", ok, ok, true}, // 3 real points, none low
	}
	for _, tc := range tests {
		in := EvalInput{Points: points(tc.data), N: tc.n, M: tc.m, MofN: true, Comparison: GreaterThanThreshold,
			Threshold: 10, TreatMissing: tc.missing, State: tc.from, IgnoreLowSamp: tc.ignLow}
		res := Evaluate(in)
		want := tc.want
		if want == keep {
			want = tc.from
			if res.Changed {
				t.Errorf("%q %d/%d %s from %s: changed to %s (%s), want no change", tc.data, tc.m, tc.n, tc.missing, tc.from, res.State, res.Reason)
			}
		} else if want == tc.from && res.Changed {
			t.Errorf("%q %d/%d %s from %s: Changed with the same state", tc.data, tc.m, tc.n, tc.missing, tc.from)
		}
		if res.State != want {
			t.Errorf("%q %d/%d %s from %s: %s (%s), want %s", tc.data, tc.m, tc.n, tc.missing, tc.from, res.State, res.Reason, want)
		}
		if res.Changed && res.Reason == "" {
			t.Errorf("%q: no reason", tc.data)
		}
	}
}

func TestEvaluateReasons(t *testing.T) {
	in := EvalInput{Points: points("0 0 X"), N: 1, M: 1, MofN: true, Comparison: GreaterThanThreshold, Threshold: 90, State: StateOK}
	in.Points[2].Value = 97.5
	res := Evaluate(in)
	want := "Threshold Crossed: 1 out of the last 1 datapoints [97.5 (21/01/26 10:02:00)] was greater than the threshold (90.0) (minimum 1 datapoint for OK -> ALARM transition)."
	if res.Reason != want {
		t.Errorf("reason\n got %s\nwant %s", res.Reason, want)
	}

	in = EvalInput{Points: points("X 0 0 0 0"), N: 3, M: 2, MofN: true, Comparison: GreaterThanOrEqualToThreshold, Threshold: 10, State: StateAlarm}
	res = Evaluate(in)
	want = "Threshold Crossed: 3 out of the last 3 datapoints [1.0 (21/01/26 10:04:00), 1.0 (21/01/26 10:03:00), 1.0 (21/01/26 10:02:00)] were not greater than or equal to the threshold (10.0) (minimum 2 datapoints for ALARM -> OK transition)."
	if res.Reason != want {
		t.Errorf("reason\n got %s\nwant %s", res.Reason, want)
	}

	in = EvalInput{Points: points("0 X"), N: 1, Comparison: LessThanThreshold, Threshold: 10, State: StateInsufficientData}
	res = Evaluate(in)
	want = "Threshold Crossed: 1 datapoint [20.0 (21/01/26 10:01:00)] was not less than the threshold (10.0)."
	if res.Reason != want || res.State != StateOK {
		t.Errorf("short form\n got %s %s\nwant %s", res.State, res.Reason, want)
	}

	in = EvalInput{Points: points("- - - - -"), N: 3, Comparison: GreaterThanThreshold, TreatMissing: MissingBreaching, State: StateOK}
	res = Evaluate(in)
	want = "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching]."
	if res.Reason != want {
		t.Errorf("missing\n got %s\nwant %s", res.Reason, want)
	}
	if len(res.Evaluated) != 3 || res.Evaluated[0].Time != evalT0.Add(4*time.Minute) {
		t.Errorf("evaluated %v", res.Evaluated)
	}
}

func TestJavaDouble(t *testing.T) {
	for v, want := range map[float64]string{90: "90.0", 0.5: "0.5", 1e7: "1.0E7", 1.5e-4: "1.5E-4", -3: "-3.0", 0: "0.0", 123456.25: "123456.25"} {
		if got := JavaDouble(v); got != want {
			t.Errorf("JavaDouble(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestLowSample(t *testing.T) {
	for _, tc := range []struct {
		p, n float64
		low  bool
	}{{99, 999, true}, {99, 1000, false}, {50, 19, true}, {50, 20, false}, {10, 99, true}, {10, 100, false}} {
		if got := lowSample(tc.p, tc.n); got != tc.low {
			t.Errorf("lowSample(p%v, %v) = %v", tc.p, tc.n, got)
		}
	}
}

// FuzzEvaluate: any range, rule and state gives a valid state, and a
// reason exactly when it changes.
func FuzzEvaluate(f *testing.F) {
	f.Add("- - X - -", 3, 3, "missing", "OK", 10.0)
	f.Add("X 0 L l -", 5, 2, "ignore", "ALARM", -1.0)
	f.Fuzz(func(t *testing.T, data string, n, m int, missing, state string, threshold float64) {
		if len(data) > 200 {
			return
		}
		pts := points(data)
		for i, c := range data {
			if i < len(pts) && c >= '1' && c <= '9' {
				pts[i].Present, pts[i].Value = true, float64(c-'0')
			}
		}
		res := Evaluate(EvalInput{Points: pts, N: n, M: m, MofN: m > 0, Comparison: GreaterThanThreshold, Threshold: threshold, TreatMissing: missing, State: state})
		if res.Changed != (res.Reason != "") {
			t.Fatalf("Changed %v with reason %q", res.Changed, res.Reason)
		}
		if res.Changed && res.State != StateOK && res.State != StateAlarm && res.State != StateInsufficientData {
			t.Fatalf("state %q", res.State)
		}
	})
}

// FuzzReasonData: SetAlarmState's StateReasonData check never panics and
// accepts only JSON objects.
func FuzzReasonData(f *testing.F) {
	f.Add(`{"a":1}`)
	f.Add(`[1]`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckReasonData(s)
		if err == nil && s != "" && (s[0] == '[' || len(s) > AlarmLimits.MaxReasonData) {
			t.Fatalf("accepted %q", s)
		}
	})
}
