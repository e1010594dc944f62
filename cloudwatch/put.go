package cloudwatch

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// MetricDatum is one item of PutMetricData. Exactly one of Value,
// StatisticValues and Values (with optional Counts, one per value, default
// 1) is set. A zero Timestamp means now; an empty Unit means "None"; a zero
// StorageResolution means 60.
type MetricDatum struct {
	MetricName        string
	Dimensions        []Dimension
	Timestamp         time.Time
	Value             *float64
	StatisticValues   *StatisticSet
	Values            []float64
	Counts            []float64
	Unit              string
	StorageResolution int
}

// StatisticSet is a pre-aggregated datum.
type StatisticSet struct {
	SampleCount float64
	Sum         float64
	Minimum     float64
	Maximum     float64
}

// PutMetricData stores data of a custom namespace (not AWS/…). Nothing is
// stored unless every datum is valid.
func (s *Service) PutMetricData(ctx context.Context, namespace string, data []MetricDatum) error {
	return s.put(ctx, namespace, data, false)
}

// PutServiceMetricData stores data as an AWS service would: AWS/ namespaces
// are allowed (EventBridge rule metrics, the agent's health metric).
func (s *Service) PutServiceMetricData(ctx context.Context, namespace string, data []MetricDatum) error {
	return s.put(ctx, namespace, data, true)
}

func (s *Service) put(ctx context.Context, namespace string, data []MetricDatum, allowAWS bool) error {
	if err := checkNamespace(namespace, allowAWS); err != nil {
		return err
	}
	if len(data) == 0 {
		return missing("MetricData")
	}
	if len(data) > Limits.MaxData {
		return invalid("The collection MetricData must not have a size greater than %d.", Limits.MaxData)
	}
	now := s.env.Clock.Now()
	stats := make([]Stats, len(data))
	for i := range data {
		st, err := checkDatum(&data[i], "MetricData.member."+itoa(i+1), now)
		if err != nil {
			return err
		}
		stats[i] = st
	}

	type bucketKey struct {
		key, unit string
		t         int64
		res       int
	}
	metrics := make(map[string]Metric)
	buckets := make(map[bucketKey]*Point)
	var order []bucketKey
	for i, d := range data {
		if stats[i].Count == 0 {
			continue // only zero counts: nothing to add
		}
		dims := slices.Clone(d.Dimensions)
		slices.SortFunc(dims, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
		key := MetricKey(namespace, d.MetricName, dims)
		if _, ok := metrics[key]; !ok {
			metrics[key] = Metric{Namespace: namespace, Name: d.MetricName, Dimensions: dims, Key: key, LastPut: now}
		}
		unit := d.Unit
		if unit == "" {
			unit = UnitNone
		}
		ts := d.Timestamp
		if ts.IsZero() {
			ts = now
		}
		for _, res := range Resolutions {
			if res == 1 && d.StorageResolution != 1 {
				continue
			}
			start := bucketStart(ts, res)
			if start.Before(now.Add(-Retention[res])) {
				continue // already past this resolution's retention
			}
			bk := bucketKey{key, unit, start.Unix(), res}
			p, ok := buckets[bk]
			if !ok {
				p = &Point{Key: key, Unit: unit, Time: start, Resolution: res}
				buckets[bk] = p
				order = append(order, bk)
			}
			p.Stats.Merge(stats[i])
		}
	}
	if len(order) == 0 {
		return nil
	}
	ms := make([]Metric, 0, len(metrics))
	for _, m := range metrics {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b Metric) int { return strings.Compare(a.Key, b.Key) })
	points := make([]Point, len(order))
	for i, bk := range order {
		points[i] = *buckets[bk]
	}
	if err := s.store.AddPoints(ctx, ms, points); err != nil {
		return steward.Internal(err)
	}
	return nil
}

// bucketStart is the start of the res-second bucket holding t.
func bucketStart(t time.Time, res int) time.Time {
	sec := t.Unix()
	r := int64(res)
	m := sec % r
	if m < 0 {
		m += r
	}
	return time.Unix(sec-m, 0).UTC()
}

// checkValue rejects NaN, infinities and values beyond ±2^360.
func checkValue(param string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return invalid("The value %v for parameter %s is invalid: NaN and infinite values are not supported.", v, param)
	}
	if math.Abs(v) > Limits.MaxAbsValue {
		return invalid("The value %v for parameter %s is invalid: values must be within -2^360 and 2^360.", v, param)
	}
	return nil
}

// checkDatum validates one datum and returns its aggregate. Percentiles
// need the values, so Stats carries a distribution for Value and
// Values/Counts data, and for statistic sets whose values are known
// (SampleCount 1 or Minimum = Maximum, AWS's rule); other statistic sets
// carry none.
func checkDatum(d *MetricDatum, p string, now time.Time) (Stats, error) {
	if err := checkMetricName(p+".MetricName", d.MetricName); err != nil {
		return Stats{}, err
	}
	if err := checkDimensions(p+".Dimensions", d.Dimensions); err != nil {
		return Stats{}, err
	}
	if err := checkUnit(p+".Unit", d.Unit); err != nil {
		return Stats{}, err
	}
	if d.StorageResolution != 0 && d.StorageResolution != 1 && d.StorageResolution != 60 {
		return Stats{}, invalid("The value %d for parameter %s.StorageResolution is invalid: it must be 1 or 60.", d.StorageResolution, p)
	}
	if !d.Timestamp.IsZero() {
		if d.Timestamp.Before(now.Add(-Limits.MaxAge)) {
			return Stats{}, invalid("The parameter %s.Timestamp must specify a time no more than two weeks in the past.", p)
		}
		if d.Timestamp.After(now.Add(Limits.MaxAhead)) {
			return Stats{}, invalid("The parameter %s.Timestamp must specify a time no more than two hours in the future.", p)
		}
	}
	given := 0
	if d.Value != nil {
		given++
	}
	if d.StatisticValues != nil {
		given++
	}
	if len(d.Values) > 0 {
		given++
	}
	if len(d.Counts) > 0 && len(d.Values) == 0 {
		return Stats{}, combination("The parameter %s.Counts may only be given with %s.Values.", p, p)
	}
	switch {
	case given == 0:
		return Stats{}, combination("One of the parameters %s.Value, %s.StatisticValues or %s.Values must be specified.", p, p, p)
	case given > 1:
		return Stats{}, combination("The parameters %s.Value, %s.StatisticValues and %s.Values are mutually exclusive and you have specified more than one.", p, p, p)
	case d.Value != nil:
		v := *d.Value
		if err := checkValue(p+".Value", v); err != nil {
			return Stats{}, err
		}
		return Stats{Count: 1, Sum: v, Min: v, Max: v, Values: []ValueCount{{v, 1}}}, nil
	case d.StatisticValues != nil:
		return statSet(p+".StatisticValues", *d.StatisticValues)
	}
	return distribution(p, d.Values, d.Counts)
}

func statSet(p string, ss StatisticSet) (Stats, error) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"SampleCount", ss.SampleCount}, {"Sum", ss.Sum}, {"Minimum", ss.Minimum}, {"Maximum", ss.Maximum}} {
		if err := checkValue(p+"."+f.name, f.v); err != nil {
			return Stats{}, err
		}
	}
	if ss.SampleCount <= 0 {
		return Stats{}, invalid("The parameter %s.SampleCount must be greater than 0.", p)
	}
	if ss.Minimum > ss.Maximum {
		return Stats{}, invalid("The parameter %s.Minimum must not be greater than %s.Maximum.", p, p)
	}
	st := Stats{Count: ss.SampleCount, Sum: ss.Sum, Min: ss.Minimum, Max: ss.Maximum}
	switch {
	case ss.Minimum == ss.Maximum:
		st.Values = []ValueCount{{ss.Minimum, ss.SampleCount}}
	case ss.SampleCount == 1:
		st.Values = []ValueCount{{ss.Sum, 1}}
	}
	return st, nil
}

func distribution(p string, values, counts []float64) (Stats, error) {
	if len(values) > Limits.MaxValues {
		return Stats{}, invalid("The collection %s.Values must not have a size greater than %d.", p, Limits.MaxValues)
	}
	if counts != nil && len(counts) != len(values) {
		return Stats{}, invalid("The parameters %s.Values and %s.Counts must be of the same size.", p, p)
	}
	vs := make([]ValueCount, 0, len(values))
	for i, v := range values {
		if err := checkValue(p+".Values.member."+itoa(i+1), v); err != nil {
			return Stats{}, err
		}
		c := 1.0
		if counts != nil {
			c = counts[i]
			if err := checkValue(p+".Counts.member."+itoa(i+1), c); err != nil {
				return Stats{}, err
			}
			if c < 0 {
				return Stats{}, invalid("The parameter %s.Counts.member.%d must not be negative.", p, i+1)
			}
		}
		if c > 0 {
			vs = append(vs, ValueCount{v, c})
		}
	}
	if len(vs) == 0 {
		return Stats{}, nil
	}
	slices.SortFunc(vs, func(a, b ValueCount) int {
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return 0
	})
	out := vs[:1]
	for _, v := range vs[1:] {
		if last := &out[len(out)-1]; last.Value == v.Value {
			last.Count += v.Count
		} else {
			out = append(out, v)
		}
	}
	st := Stats{Min: out[0].Value, Max: out[len(out)-1].Value, Values: out}
	for _, v := range out {
		st.Count += v.Count
		st.Sum += v.Value * v.Count
	}
	return st, nil
}
