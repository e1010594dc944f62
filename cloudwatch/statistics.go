package cloudwatch

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Basic statistics by name.
var basicStats = map[string]func(Stats) float64{
	"SampleCount": func(s Stats) float64 { return s.Count },
	"Average":     func(s Stats) float64 { return s.Sum / s.Count },
	"Sum":         func(s Stats) float64 { return s.Sum },
	"Minimum":     func(s Stats) float64 { return s.Min },
	"Maximum":     func(s Stats) float64 { return s.Max },
}

// GetMetricStatisticsInput is GetMetricStatistics' request. Exactly one of
// Statistics and ExtendedStatistics is given; Unit "" means every unit
// (one datapoint per period and unit).
type GetMetricStatisticsInput struct {
	Namespace          string
	MetricName         string
	Dimensions         []Dimension
	StartTime          time.Time
	EndTime            time.Time
	Period             int
	Statistics         []string
	ExtendedStatistics []string
	Unit               string
}

// Datapoint is one period (and unit) of GetMetricStatistics. Only the
// statistics asked for are set; ExtendedStatistics holds those the data
// can answer.
type Datapoint struct {
	Timestamp          time.Time
	Unit               string
	SampleCount        *float64
	Average            *float64
	Sum                *float64
	Minimum            *float64
	Maximum            *float64
	ExtendedStatistics map[string]float64
}

// GetMetricStatisticsOutput is GetMetricStatistics' result: Label is the
// metric name, Datapoints come in time order (then unit).
type GetMetricStatisticsOutput struct {
	Label      string
	Datapoints []Datapoint
}

// checkPeriod allows 1, 5, 10, 20, 30 or a multiple of 60 seconds.
func checkPeriod(param string, period int) error {
	if period == 0 {
		return missing(param)
	}
	switch {
	case period < 0:
		return invalid("The parameter %s must be greater than 0.", param)
	case period%60 == 0, period == 1, period == 5, period == 10, period == 20, period == 30:
		return nil
	}
	return invalid("The parameter %s must be a multiple of 60 or one of 1, 5, 10, 20, 30.", param)
}

// window is where a read looks: the stored resolution it reads and the
// rounded start. ok is false when no stored resolution can answer the
// period that far back (CloudWatch returns no data then).
type window struct {
	res        int
	start, end time.Time
	period     int
	ok         bool
}

// plan chooses the finest stored resolution that divides period and whose
// retention still covers start, and rounds start down as CloudWatch does
// (reference B2): to the period for high-resolution periods, else to the
// minute, 5 minutes or hour by the start's age. Only high-resolution data
// has 1 s buckets, so they serve only periods under a minute (every datum
// has 60 s buckets).
func plan(now, start, end time.Time, period int) window {
	w := window{start: start, end: end, period: period}
	age := now.Sub(start)
	for _, r := range Resolutions {
		if r == 1 && period >= 60 {
			continue
		}
		if period%r == 0 && age <= Retention[r] {
			w.res, w.ok = r, true
			break
		}
	}
	round := 60
	switch {
	case period < 60:
		round = period
	case age > Retention[300]:
		round = 3600
	case age > Retention[60]:
		round = 300
	}
	if w.ok && w.res > round {
		round = w.res
	}
	w.start = bucketStart(start, round)
	return w
}

// count is how many periods the window spans.
func (w window) count() int64 {
	d := w.end.Sub(w.start)
	if d <= 0 {
		return 0
	}
	p := time.Duration(w.period) * time.Second
	n := int64(d / p)
	if d%p != 0 {
		n++
	}
	return n
}

// periodStats is one period's aggregate.
type periodStats struct {
	t     time.Time
	unit  string
	stats Stats
}

// aggregate merges buckets into the window's periods, one per period and
// unit when byUnit, else one per period. Distributions are merged only
// when values is set (extended statistics need them). The result is in
// time order (then unit).
func (w window) aggregate(points []Point, byUnit, values bool) []periodStats {
	type k struct {
		idx  int64
		unit string
	}
	at := make(map[k]int)
	var out []periodStats
	for _, p := range points {
		idx := int64(p.Time.Sub(w.start) / (time.Duration(w.period) * time.Second))
		key := k{idx: idx}
		if byUnit {
			key.unit = p.Unit
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, periodStats{t: w.start.Add(time.Duration(idx*int64(w.period)) * time.Second), unit: p.Unit})
		}
		st := p.Stats
		if !values {
			st.Values = nil
		}
		out[i].stats.Merge(st)
	}
	slices.SortFunc(out, func(a, b periodStats) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return strings.Compare(a.unit, b.unit)
	})
	return out
}

// read returns the buckets of a metric in the window, with their
// distributions when values (extended statistics need them).
func (s *Service) read(ctx context.Context, key string, w window, unit string, values bool) ([]Point, error) {
	if !w.ok || !w.start.Before(w.end) {
		return nil, nil
	}
	ps, err := s.store.ReadPoints(ctx, key, w.res, w.start, w.end, unit, values)
	if err != nil {
		return nil, steward.Internal(err)
	}
	return ps, nil
}

// GetMetricStatistics aggregates one metric's data per period.
func (s *Service) GetMetricStatistics(ctx context.Context, in GetMetricStatisticsInput) (*GetMetricStatisticsOutput, error) {
	if err := checkNamespace(in.Namespace, true); err != nil {
		return nil, err
	}
	if err := checkMetricName("MetricName", in.MetricName); err != nil {
		return nil, err
	}
	if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
		return nil, err
	}
	if in.StartTime.IsZero() {
		return nil, missing("StartTime")
	}
	if in.EndTime.IsZero() {
		return nil, missing("EndTime")
	}
	if err := checkPeriod("Period", in.Period); err != nil {
		return nil, err
	}
	if err := checkUnit("Unit", in.Unit); err != nil {
		return nil, err
	}
	switch {
	case len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0,
		len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0:
		return nil, combination("Must specify either Statistics or ExtendedStatistics, but not both.")
	case len(in.Statistics) > Limits.MaxStatistics:
		return nil, invalid("The collection Statistics must not have a size greater than %d.", Limits.MaxStatistics)
	case len(in.ExtendedStatistics) > Limits.MaxExtended:
		return nil, invalid("The collection ExtendedStatistics must not have a size greater than %d.", Limits.MaxExtended)
	}
	for i, st := range in.Statistics {
		if basicStats[st] == nil {
			return nil, invalid("The parameter Statistics.member.%d must be a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ].", i+1)
		}
	}
	ext := make([]extStat, len(in.ExtendedStatistics))
	for i, name := range in.ExtendedStatistics {
		e, ok := parseExtended(name)
		if !ok {
			return nil, invalid("The value %s for parameter ExtendedStatistics.member.%d is not a valid extended statistic.", name, i+1)
		}
		ext[i] = e
	}
	if !in.StartTime.Before(in.EndTime) {
		return nil, invalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	w := plan(s.env.Clock.Now(), in.StartTime, in.EndTime, in.Period)
	if n := w.count(); n > int64(Limits.MaxDatapoints) {
		return nil, combination("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", n, Limits.MaxDatapoints)
	}
	points, err := s.read(ctx, MetricKey(in.Namespace, in.MetricName, in.Dimensions), w, in.Unit, len(ext) > 0)
	if err != nil {
		return nil, err
	}
	out := &GetMetricStatisticsOutput{Label: in.MetricName, Datapoints: []Datapoint{}}
	for _, ps := range w.aggregate(points, true, len(ext) > 0) {
		dp := Datapoint{Timestamp: ps.t, Unit: ps.unit}
		for _, name := range in.Statistics {
			v := basicStats[name](ps.stats)
			switch name {
			case "SampleCount":
				dp.SampleCount = &v
			case "Average":
				dp.Average = &v
			case "Sum":
				dp.Sum = &v
			case "Minimum":
				dp.Minimum = &v
			case "Maximum":
				dp.Maximum = &v
			}
		}
		if len(ext) > 0 {
			dp.ExtendedStatistics = make(map[string]float64, len(ext))
			for i, e := range ext {
				if v, ok := e.value(ps.stats); ok {
					dp.ExtendedStatistics[in.ExtendedStatistics[i]] = v
				}
			}
		}
		out.Datapoints = append(out.Datapoints, dp)
	}
	return out, nil
}
