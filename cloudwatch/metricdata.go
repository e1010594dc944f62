package cloudwatch

import (
	"context"
	"encoding/base64"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Scan orders of GetMetricData.
const (
	ScanDescending = "TimestampDescending"
	ScanAscending  = "TimestampAscending"
)

// Status codes of a MetricDataResult.
const (
	StatusComplete    = "Complete"
	StatusPartialData = "PartialData"
)

var queryID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// MetricDataQuery is one query of GetMetricData. Exactly one of MetricStat
// and Expression is set (a subset of metric math, math.go). ReturnData nil
// means true. Period is the expression's period (unused: expressions take
// their referenced metrics' timestamps). The default label is the metric
// name, or the Id for an expression.
type MetricDataQuery struct {
	ID         string
	MetricStat *MetricStat
	Expression string
	Label      string
	ReturnData *bool
	Period     int
}

// MetricStat names a metric (Metric's Namespace, Name and Dimensions; Key
// and LastPut unused), the period, the statistic (a basic or an extended
// one) and optionally the unit (empty: data of every unit together).
type MetricStat struct {
	Metric Metric
	Period int
	Stat   string
	Unit   string
}

// GetMetricDataInput is GetMetricData's request. ScanBy defaults to
// TimestampDescending, MaxDatapoints (0) to 100,800.
type GetMetricDataInput struct {
	Queries       []MetricDataQuery
	StartTime     time.Time
	EndTime       time.Time
	ScanBy        string
	MaxDatapoints int
	NextToken     string
}

// MetricDataResult is the answer to one query: Timestamps and Values pair
// up, in ScanBy order. StatusCode is PartialData when more datapoints wait
// behind the NextToken.
type MetricDataResult struct {
	ID         string
	Label      string
	Timestamps []time.Time
	Values     []float64
	StatusCode string
}

// GetMetricDataOutput is a page of GetMetricData.
type GetMetricDataOutput struct {
	Results   []MetricDataResult
	NextToken string
}

// stat is a statistic of GetMetricData: a basic one or an extended one.
type stat struct {
	basic func(Stats) float64
	ext   extStat
}

func parseStat(name string) (stat, bool) {
	if f := basicStats[name]; f != nil {
		return stat{basic: f}, true
	}
	e, ok := parseExtended(name)
	return stat{ext: e}, ok
}

func (st stat) value(s Stats) (float64, bool) {
	if st.basic != nil {
		return st.basic(s), true
	}
	return st.ext.value(s)
}

// GetMetricData answers metric queries a page at a time. Pages hold at
// most MaxDatapoints datapoints over all queries, taken in query order.
func (s *Service) GetMetricData(ctx context.Context, in GetMetricDataInput) (*GetMetricDataOutput, error) {
	if len(in.Queries) == 0 {
		return nil, missing("MetricDataQueries")
	}
	if len(in.Queries) > Limits.MaxQueries {
		return nil, invalid("The collection MetricDataQueries must not have a size greater than %d.", Limits.MaxQueries)
	}
	if in.StartTime.IsZero() {
		return nil, missing("StartTime")
	}
	if in.EndTime.IsZero() {
		return nil, missing("EndTime")
	}
	if !in.StartTime.Before(in.EndTime) {
		return nil, invalid("The parameter StartTime must be less than the parameter EndTime.")
	}
	scan := in.ScanBy
	switch scan {
	case "":
		scan = ScanDescending
	case ScanDescending, ScanAscending:
	default:
		return nil, invalid("The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].")
	}
	limit := in.MaxDatapoints
	switch {
	case limit == 0:
		limit = Limits.DefaultMaxPoints
	case limit < 0:
		return nil, invalid("The parameter MaxDatapoints must be greater than 0.")
	}
	offset := 0
	if in.NextToken != "" {
		var ok bool
		if offset, ok = parseOffsetToken(in.NextToken); !ok {
			return nil, steward.Errorf(CodeInvalidNextToken, "The NextToken is not valid.")
		}
	}
	stats := make([]stat, len(in.Queries))
	ids := make(map[string]bool, len(in.Queries))
	exprs := make(map[string]*mathNode)
	for i, q := range in.Queries {
		p := "MetricDataQueries.member." + itoa(i+1)
		if q.ID == "" {
			return nil, missing(p + ".Id")
		}
		if len(q.ID) > 255 || !queryID.MatchString(q.ID) {
			return nil, invalid("The value %s for parameter %s.Id is invalid: it must start with a lower-case letter and contain only letters, digits and underscores.", q.ID, p)
		}
		if ids[q.ID] {
			return nil, invalid("The value %s for parameter %s.Id is not unique.", q.ID, p)
		}
		ids[q.ID] = true
		switch {
		case q.MetricStat != nil && q.Expression != "":
			return nil, combination("The parameters %s.MetricStat and %s.Expression are mutually exclusive and you have specified both.", p, p)
		case q.Expression != "":
			if len(q.Expression) > Limits.MaxExpression {
				return nil, invalid("The parameter %s.Expression must be shorter than %d characters.", p, Limits.MaxExpression+1)
			}
			n, ok := parseMath(q.Expression)
			if !ok {
				return nil, invalid("The expression %q of %s is not supported: Steward's metric math has numbers, query Ids, + - * / and SUM, AVG, MIN, MAX over METRICS() or [a, b, …].", q.Expression, p)
			}
			exprs[q.ID] = n
			continue
		case q.MetricStat == nil:
			return nil, combination("Exactly one of the parameters %s.MetricStat and %s.Expression must be specified.", p, p)
		}
		ms := q.MetricStat
		if err := checkNamespace(ms.Metric.Namespace, true); err != nil {
			if steward.ErrorCode(err) == CodeMissingParameter {
				return nil, missing(p + ".MetricStat.Metric.Namespace")
			}
			return nil, err
		}
		if err := checkMetricName(p+".MetricStat.Metric.MetricName", ms.Metric.Name); err != nil {
			return nil, err
		}
		if err := checkDimensions(p+".MetricStat.Metric.Dimensions", ms.Metric.Dimensions); err != nil {
			return nil, err
		}
		if err := checkPeriod(p+".MetricStat.Period", ms.Period); err != nil {
			return nil, err
		}
		if err := checkUnit(p+".MetricStat.Unit", ms.Unit); err != nil {
			return nil, err
		}
		if ms.Stat == "" {
			return nil, missing(p + ".MetricStat.Stat")
		}
		st, ok := parseStat(ms.Stat)
		if !ok {
			return nil, invalid("The value %s for parameter %s.MetricStat.Stat is not a valid statistic.", ms.Stat, p)
		}
		stats[i] = st
	}

	for id, n := range exprs {
		for _, ref := range n.ids(nil) {
			if !ids[ref] {
				return nil, invalid("The expression of query %s refers to %s, which is not a query Id of this request.", id, ref)
			}
		}
	}

	// Every MetricStat query's series (expressions may use hidden ones).
	now := s.env.Clock.Now()
	metrics := make(map[string]series)
	var metricList []series
	for i, q := range in.Queries {
		ms := q.MetricStat
		if ms == nil {
			continue
		}
		w := plan(now, in.StartTime, in.EndTime, ms.Period)
		points, err := s.read(ctx, MetricKey(ms.Metric.Namespace, ms.Metric.Name, ms.Metric.Dimensions), w, ms.Unit, stats[i].basic == nil)
		if err != nil {
			return nil, err
		}
		ser := series{}
		for _, ps := range w.aggregate(points, false, stats[i].basic == nil) {
			if v, ok := stats[i].value(ps.stats); ok {
				ser[ps.t.Unix()] = v
			}
		}
		metrics[q.ID] = ser
		metricList = append(metricList, ser)
	}
	ev := &mathEval{metrics: metrics, list: metricList, exprs: exprs, done: map[string]series{}, busy: map[string]bool{}}

	var all []MetricDataResult
	total := 0
	for _, q := range in.Queries {
		if q.ReturnData != nil && !*q.ReturnData {
			continue
		}
		ser, err := ev.series(q.ID)
		if err != nil {
			return nil, err
		}
		r := MetricDataResult{ID: q.ID, Label: q.Label, Timestamps: []time.Time{}, Values: []float64{}}
		if r.Label == "" {
			r.Label = q.ID
			if q.MetricStat != nil {
				r.Label = q.MetricStat.Metric.Name
			}
		}
		times := make([]int64, 0, len(ser))
		for t, v := range ser {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				times = append(times, t)
			}
		}
		slices.Sort(times)
		if scan == ScanDescending {
			slices.Reverse(times)
		}
		for _, t := range times {
			r.Timestamps = append(r.Timestamps, time.Unix(t, 0).UTC())
			r.Values = append(r.Values, ser[t])
		}
		total += len(r.Values)
		all = append(all, r)
	}
	return paginate(all, total, offset, limit), nil
}

// paginate cuts the page [offset, offset+limit) out of the datapoints of
// all results laid end to end. The first page names every result (empty
// when its datapoints come later), later pages those with datapoints in
// them.
func paginate(all []MetricDataResult, total, offset, limit int) *GetMetricDataOutput {
	out := &GetMetricDataOutput{Results: []MetricDataResult{}}
	end := offset + limit
	pos := 0
	for _, r := range all {
		n := len(r.Values)
		lo, hi := max(offset-pos, 0), min(end-pos, n)
		pos += n
		if lo >= hi {
			if offset > 0 {
				continue
			}
			lo, hi = 0, 0 // the first page names every result
		}
		page := MetricDataResult{ID: r.ID, Label: r.Label, Timestamps: r.Timestamps[lo:hi], Values: r.Values[lo:hi], StatusCode: StatusComplete}
		if hi < n {
			page.StatusCode = StatusPartialData
		}
		out.Results = append(out.Results, page)
	}
	if end < total {
		out.NextToken = offsetToken(end)
	}
	return out
}

func offsetToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o/" + strconv.Itoa(offset)))
}

func parseOffsetToken(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "o/")
	if !ok {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	if err != nil || off <= 0 {
		return 0, false
	}
	return off, true
}

// mathEval evaluates expressions over the request's metric series,
// memoised, refusing cycles.
type mathEval struct {
	metrics map[string]series
	list    []series
	exprs   map[string]*mathNode
	done    map[string]series
	busy    map[string]bool
	err     error
}

func (e *mathEval) series(id string) (series, error) {
	if s, ok := e.metrics[id]; ok {
		return s, nil
	}
	if s, ok := e.done[id]; ok {
		return s, e.err
	}
	if e.busy[id] {
		if e.err == nil {
			e.err = invalid("The expression of query %s depends on itself.", id)
		}
		return series{}, e.err
	}
	e.busy[id] = true
	v := e.exprs[id].eval(func(ref string) series {
		s, _ := e.series(ref)
		return s
	}, e.list)
	e.busy[id] = false
	if !v.isSeries && e.err == nil {
		e.err = invalid("The expression of query %s must produce a time series (it refers to no metric).", id)
	}
	e.done[id] = v.s
	return v.s, e.err
}
