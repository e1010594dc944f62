package cloudwatch

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseExtended(t *testing.T) {
	good := []string{"p0", "p50", "p99", "p99.9", "p99.99", "p100", "p0.1", "tm90", "wm99", "tc10", "ts50.5",
		"TM(10%:90%)", "TM(:95%)", "TM(5%:)", "TM(150:1000)", "TM(:500)", "WM(1%:99%)", "TC(0.5:1.5)", "TS(10%:)",
		"PR(:300)", "PR(100:2000)", "PR(-5:5)", "IQM"}
	for _, s := range good {
		if _, ok := parseExtended(s); !ok {
			t.Errorf("%q rejected", s)
		}
	}
	bad := []string{"", "p", "p101", "p-1", "p.5", "p5.", "P50", "p50%", "pr50", "tm", "tm101", "TM(90%:10%)", "TM(:)",
		"TM(10%:90)", "TM(10%-90%)", "TM(10%:90%", "tm(10%:90%)", "PR(10%:50%)", "PR(a:b)", "XX(1:2)", "iqm", "IQM2",
		"TM(1e999:)", "TM(NaN:1)", "p1e1", "Average"}
	for _, s := range bad {
		if _, ok := parseExtended(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

// brute computes an extended statistic over the raw samples.
func brute(name string, samples []float64) (float64, bool) {
	s := slices.Clone(samples)
	slices.Sort(s)
	n := float64(len(s))
	if len(s) == 0 || s[0] < 0 {
		return 0, false
	}
	e, _ := parseExtended(name)
	if e.kind == extPercentile {
		switch {
		case e.p <= 0:
			return s[0], true
		case e.p >= 100:
			return s[len(s)-1], true
		}
		rank := math.Max(1, math.Ceil(e.p*n/100-1e-9))
		return s[int(rank)-1], true
	}
	var w, sum, wins float64
	if e.percent {
		lo, hi := 0.0, n
		if !math.IsNaN(e.lo) {
			lo = e.lo * n / 100
		}
		if !math.IsNaN(e.hi) {
			hi = e.hi * n / 100
		}
		first, last := math.NaN(), math.NaN()
		for i, v := range s {
			o := math.Min(float64(i+1), hi) - math.Max(float64(i), lo)
			if o <= 1e-12 {
				continue
			}
			if math.IsNaN(first) {
				first = v
			}
			last = v
			w += o
			sum += v * o
		}
		wins = (sum + lo*first + (n-hi)*last) / n
	} else {
		for _, v := range s {
			if (math.IsNaN(e.lo) || v > e.lo) && (math.IsNaN(e.hi) || v <= e.hi) {
				w++
				sum += v
			}
			c := v
			if !math.IsNaN(e.lo) {
				c = math.Max(c, e.lo)
			}
			if !math.IsNaN(e.hi) {
				c = math.Min(c, e.hi)
			}
			wins += c
		}
		wins /= n
	}
	switch e.kind {
	case extTrimmedCount:
		return w, true
	case extTrimmedSum:
		return sum, true
	case extPercentileRank:
		return 100 * w / n, true
	case extWinsorizedMean:
		return wins, w > 0 || !e.percent
	}
	return sum / w, w > 0
}

func TestExtendedStatisticsMatchBruteForce(t *testing.T) {
	names := []string{"p0", "p1", "p10", "p25", "p50", "p75", "p90", "p99", "p99.5", "p100",
		"tm90", "tm99", "TM(10%:90%)", "TM(5%:)", "TM(20:60)", "IQM", "wm90", "WM(10%:90%)", "WM(20:60)",
		"tc90", "TC(10%:90%)", "TC(:50)", "ts90", "TS(25%:75%)", "TS(10:)", "PR(:50)", "PR(10:60)"}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		s, _, _ := newTestService(t)
		var samples []float64
		base := t0.Add(-2 * time.Hour)
		for minute := range 30 {
			ts := base.Add(time.Duration(minute) * time.Minute)
			switch rng.IntN(3) {
			case 0:
				v := float64(rng.IntN(100))
				samples = append(samples, v)
				put(t, s, MetricDatum{MetricName: "m", Timestamp: ts, Value: &v})
			default:
				k := 1 + rng.IntN(10)
				vs, cs := make([]float64, k), make([]float64, k)
				for i := range vs {
					vs[i], cs[i] = float64(rng.IntN(100)), float64(1+rng.IntN(4))
					for range int(cs[i]) {
						samples = append(samples, vs[i])
					}
				}
				put(t, s, MetricDatum{MetricName: "m", Timestamp: ts, Values: vs, Counts: cs})
			}
		}
		for i := 0; i < len(names); i += 10 {
			batch := names[i:min(i+10, len(names))]
			out, err := s.GetMetricStatistics(context.Background(), GetMetricStatisticsInput{Namespace: "ns", MetricName: "m",
				StartTime: base, EndTime: base.Add(time.Hour), Period: 3600, ExtendedStatistics: batch})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Datapoints) != 1 {
				t.Fatalf("datapoints: %+v", out.Datapoints)
			}
			for _, name := range batch {
				want, wok := brute(name, samples)
				got, gok := out.Datapoints[0].ExtendedStatistics[name]
				if wok != gok || math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("trial %d %s = %v (%v), want %v (%v)", trial, name, got, gok, want, wok)
				}
			}
		}
	}
}

func TestExtendedStatisticsNeedDistribution(t *testing.T) {
	s, _, _ := newTestService(t)
	base := t0.Add(-time.Hour)
	put(t, s, MetricDatum{MetricName: "set", Timestamp: base, StatisticValues: &StatisticSet{3, 6, 1, 3}})
	put(t, s, MetricDatum{MetricName: "same", Timestamp: base, StatisticValues: &StatisticSet{3, 6, 2, 2}})
	put(t, s, MetricDatum{MetricName: "mixed", Timestamp: base, StatisticValues: &StatisticSet{3, 6, 1, 3}},
		MetricDatum{MetricName: "mixed", Timestamp: base.Add(time.Minute), Value: f(5)})
	put(t, s, MetricDatum{MetricName: "negative", Timestamp: base, Values: []float64{-1, 2}})
	for name, want := range map[string]bool{"set": false, "same": true, "mixed": false, "negative": false} {
		out, err := s.GetMetricStatistics(context.Background(), GetMetricStatisticsInput{Namespace: "ns", MetricName: name,
			StartTime: base, EndTime: base.Add(5 * time.Minute), Period: 300, ExtendedStatistics: []string{"p50"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Datapoints) != 1 {
			t.Fatalf("%s: %+v", name, out.Datapoints)
		}
		v, ok := out.Datapoints[0].ExtendedStatistics["p50"]
		if ok != want || ok && v != 2 {
			t.Errorf("%s: p50 = %v, %v; want present %v", name, v, ok, want)
		}
	}
}

func FuzzExtendedStatistic(f *testing.F) {
	for _, s := range []string{"p99", "p99.99", "tm90", "TM(10%:90%)", "TM(:500)", "PR(100:2000)", "IQM", "WM(1%:)", "TS(-1e5:1e5)"} {
		f.Add(s)
	}
	st := Stats{Count: 6, Sum: 21, Min: 1, Max: 6, Values: []ValueCount{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}}}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := parseExtended(s)
		if !ok {
			return
		}
		if e.kind == extPercentile && (e.p < 0 || e.p > 100) {
			t.Fatalf("%q: percentile %v", s, e.p)
		}
		if e.percent && (e.lo < 0 || e.lo > 100 || e.hi < 0 || e.hi > 100) {
			t.Fatalf("%q: bounds %v %v", s, e.lo, e.hi)
		}
		if strings.HasPrefix(s, "PR") && e.percent {
			t.Fatalf("%q: percentile rank with percentages", s)
		}
		v, ok := e.value(st)
		if ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("%q = %v", s, v)
		}
	})
}
