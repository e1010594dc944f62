package cloudwatch

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward"
)

// memAlarms is an in-memory AlarmStore for the domain's tests (the SQL
// stores are checked by storetest).
type memAlarms struct {
	mu      sync.Mutex
	alarms  map[string]Alarm
	history []HistoryItem
	events  []*steward.Event
}

func (m *memAlarms) GetAlarm(_ context.Context, name string) (*Alarm, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.alarms[name]
	if !ok {
		return nil, nil
	}
	return &a, nil
}

func (m *memAlarms) ListAlarms(_ context.Context, q AlarmQuery) ([]*Alarm, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Alarm
	for _, a := range m.alarms {
		if (len(q.Names) > 0 && !slices.Contains(q.Names, a.Name)) || !strings.HasPrefix(a.Name, q.Prefix) ||
			(q.State != "" && a.State.Value != q.State) || a.Name <= q.After {
			continue
		}
		out = append(out, &a)
	}
	slices.SortFunc(out, func(a, b *Alarm) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memAlarms) Write(_ context.Context, w AlarmWrite) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := w.Put; a != nil {
		cur, ok := m.alarms[a.Name]
		if ok != (w.Expect != 0) || (ok && cur.Version != w.Expect) {
			return ErrAlarmConflict
		}
		b := *a
		b.Version = w.Expect + 1
		m.alarms[a.Name] = b
	}
	for _, n := range w.Delete {
		delete(m.alarms, n)
	}
	for _, h := range w.History {
		h.ID = int64(len(m.history) + 1)
		m.history = append(m.history, h)
	}
	m.events = append(m.events, w.Events...)
	return nil
}

func (m *memAlarms) Reschedule(_ context.Context, name string, version int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.alarms[name]; ok && a.Version == version {
		a.NextEvaluation = at
		m.alarms[name] = a
	}
	return nil
}

func (m *memAlarms) ClaimDue(_ context.Context, now, lease time.Time, limit int) ([]*Alarm, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Alarm
	for n, a := range m.alarms {
		if !a.NextEvaluation.After(now) && len(out) < limit {
			a.NextEvaluation = lease
			m.alarms[n] = a
			out = append(out, &a)
		}
	}
	return out, nil
}

func (m *memAlarms) History(_ context.Context, q HistoryQuery) ([]HistoryItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []HistoryItem
	for _, h := range m.history {
		if (q.AlarmName == "" || h.AlarmName == q.AlarmName) && (q.Type == "" || h.Type == q.Type) && (q.AlarmType == "" || h.AlarmType == q.AlarmType) {
			out = append(out, h)
		}
	}
	if q.Descending {
		slices.Reverse(out)
	}
	return out, nil
}

func (m *memAlarms) PurgeHistory(context.Context, time.Time) (int, error) { return 0, nil }

type fakePublisher struct {
	mu   sync.Mutex
	sent []struct{ topic, subject, message string }
}

func (p *fakePublisher) PublishAlarm(_ context.Context, topic, subject, message string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, struct{ topic, subject, message string }{topic, subject, message})
	return nil
}

func newAlarmService(t *testing.T) (*Service, *memAlarms, *fakePublisher, *steward.FakeClock) {
	t.Helper()
	s, _, clk := newTestService(t)
	st := &memAlarms{alarms: map[string]Alarm{}}
	pub := &fakePublisher{}
	s.UseAlarms(st, pub)
	return s, st, pub, clk
}

const topic = "arn:aws:sns:us-east-1:000000000000:ops"

func cpuAlarm() PutMetricAlarmInput {
	return PutMetricAlarmInput{AlarmName: "web-01-cpu-high", AlarmDescription: "CPU above 90%", Namespace: "CWAgent",
		MetricName: "cpu_usage_active", Dimensions: []Dimension{{Name: "InstanceId", Value: "mi-0123456789abcdef0"}},
		Statistic: "Average", Period: 60, EvaluationPeriods: 1, Threshold: f(90), ComparisonOperator: GreaterThanThreshold,
		AlarmActions: []string{topic}, OKActions: []string{topic}}
}

func TestPutMetricAlarmValidation(t *testing.T) {
	s, _, _, _ := newAlarmService(t)
	ctx := context.Background()
	tests := []struct {
		name string
		mod  func(*PutMetricAlarmInput)
		code string
	}{
		{"no name", func(in *PutMetricAlarmInput) { in.AlarmName = "" }, CodeMissingParameter},
		{"long name", func(in *PutMetricAlarmInput) { in.AlarmName = strings.Repeat("a", 256) }, CodeInvalidParameterValue},
		{"long description", func(in *PutMetricAlarmInput) { in.AlarmDescription = strings.Repeat("a", 1025) }, CodeInvalidParameterValue},
		{"six actions", func(in *PutMetricAlarmInput) { in.AlarmActions = slices.Repeat([]string{topic}, 6) }, CodeLimitExceeded},
		{"ec2 action", func(in *PutMetricAlarmInput) {
			in.AlarmActions = []string{"arn:aws:automate:us-east-1:ec2:stop"}
		}, CodeInvalidParameterValue},
		{"lambda action", func(in *PutMetricAlarmInput) {
			in.OKActions = []string{"arn:aws:lambda:us-east-1:000000000000:function:f"}
		}, CodeInvalidParameterValue},
		{"not an arn", func(in *PutMetricAlarmInput) { in.InsufficientDataActions = []string{"ops"} }, CodeInvalidParameterValue},
		{"no operator", func(in *PutMetricAlarmInput) { in.ComparisonOperator = "" }, CodeMissingParameter},
		{"bad operator", func(in *PutMetricAlarmInput) { in.ComparisonOperator = "Above" }, CodeInvalidParameterValue},
		{"band operator", func(in *PutMetricAlarmInput) { in.ComparisonOperator = "LessThanLowerThreshold" }, CodeInvalidParameterValue},
		{"no threshold", func(in *PutMetricAlarmInput) { in.Threshold = nil }, CodeMissingParameter},
		{"no periods", func(in *PutMetricAlarmInput) { in.EvaluationPeriods = 0 }, CodeMissingParameter},
		{"m > n", func(in *PutMetricAlarmInput) { in.DatapointsToAlarm = 2 }, CodeInvalidParameterValue},
		{"period 45", func(in *PutMetricAlarmInput) { in.Period = 45 }, CodeInvalidParameterValue},
		{"period 1", func(in *PutMetricAlarmInput) { in.Period = 1 }, CodeInvalidParameterValue},
		{"window > 1 day", func(in *PutMetricAlarmInput) { in.Period, in.EvaluationPeriods = 3600, 25 }, CodeInvalidParameterValue},
		{"treat missing", func(in *PutMetricAlarmInput) { in.TreatMissingData = "zero" }, CodeInvalidParameterValue},
		{"both statistics", func(in *PutMetricAlarmInput) { in.ExtendedStatistic = "p99" }, CodeInvalidParameterCombination},
		{"no statistic", func(in *PutMetricAlarmInput) { in.Statistic = "" }, CodeMissingParameter},
		{"bad statistic", func(in *PutMetricAlarmInput) { in.Statistic = "Median" }, CodeInvalidParameterValue},
		{"low sample without percentile", func(in *PutMetricAlarmInput) { in.EvaluateLowSampleCountPercentile = "ignore" }, CodeInvalidParameterCombination},
		{"no namespace", func(in *PutMetricAlarmInput) { in.Namespace = "" }, CodeMissingParameter},
		{"both forms", func(in *PutMetricAlarmInput) {
			in.Metrics = []MetricDataQuery{{ID: "e1", Expression: "1"}}
		}, CodeInvalidParameterCombination},
		{"aws tag", func(in *PutMetricAlarmInput) { in.Tags = []Tag{{Key: "aws:x", Value: "y"}} }, CodeInvalidParameterValue},
		{"anomaly", func(in *PutMetricAlarmInput) { in.ThresholdMetricID = "ad1" }, CodeInvalidParameterValue},
	}
	for _, tc := range tests {
		in := cpuAlarm()
		tc.mod(&in)
		if code := steward.ErrorCode(s.PutMetricAlarm(ctx, in)); code != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, code, tc.code)
		}
	}

	math := func(mod func([]MetricDataQuery) []MetricDataQuery) PutMetricAlarmInput {
		no := false
		in := cpuAlarm()
		in.Namespace, in.MetricName, in.Dimensions, in.Statistic, in.Period = "", "", nil, "", 0
		in.Metrics = mod([]MetricDataQuery{
			{ID: "m1", ReturnData: &no, MetricStat: &MetricStat{Metric: Metric{Namespace: "App", Name: "errors"}, Period: 60, Stat: "Sum"}},
			{ID: "m2", ReturnData: &no, MetricStat: &MetricStat{Metric: Metric{Namespace: "App", Name: "requests"}, Period: 60, Stat: "Sum"}},
			{ID: "e1", Expression: "m1 / m2 * 100", Label: "error rate"},
		})
		return in
	}
	if err := s.PutMetricAlarm(ctx, math(func(q []MetricDataQuery) []MetricDataQuery { return q })); err != nil {
		t.Fatalf("metric math alarm: %v", err)
	}
	for name, mod := range map[string]func([]MetricDataQuery) []MetricDataQuery{
		"two return": func(q []MetricDataQuery) []MetricDataQuery { q[0].ReturnData = nil; return q },
		"none return": func(q []MetricDataQuery) []MetricDataQuery {
			no := false
			q[2].ReturnData = &no
			return q
		},
		"unknown id":  func(q []MetricDataQuery) []MetricDataQuery { q[2].Expression = "m3 * 2"; return q },
		"bad period":  func(q []MetricDataQuery) []MetricDataQuery { q[0].MetricStat.Period = 45; return q },
		"eleven":      func(q []MetricDataQuery) []MetricDataQuery { return append(q, slices.Repeat(q[:1], 9)...) },
		"bad stat":    func(q []MetricDataQuery) []MetricDataQuery { q[1].MetricStat.Stat = "Median"; return q },
		"bad id char": func(q []MetricDataQuery) []MetricDataQuery { q[2].ID = "E1"; return q },
	} {
		if code := steward.ErrorCode(s.PutMetricAlarm(ctx, math(mod))); code != CodeInvalidParameterValue && code != CodeInvalidParameterCombination {
			t.Errorf("metric math %s: code %q", name, code)
		}
	}

	wantCode(t, s.SetAlarmState(ctx, "nope", StateAlarm, "test", ""), CodeResourceNotFound)
	wantCode(t, s.SetAlarmState(ctx, "web-01-cpu-high", "FIRE", "test", ""), CodeInvalidParameterValue)
	wantCode(t, s.PutMetricAlarm(ctx, cpuAlarm()), "")
	wantCode(t, s.SetAlarmState(ctx, "web-01-cpu-high", StateAlarm, "test", "{not json"), CodeInvalidFormat)
	wantCode(t, s.SetAlarmState(ctx, "web-01-cpu-high", StateAlarm, strings.Repeat("r", 1024), ""), CodeInvalidParameterValue)
	_, _, err := s.DescribeAlarms(ctx, DescribeAlarmsInput{MaxRecords: 101})
	wantCode(t, err, CodeInvalidParameterValue)
	_, _, err = s.DescribeAlarms(ctx, DescribeAlarmsInput{NextToken: "!!"})
	wantCode(t, err, CodeInvalidNextToken)
	_, _, err = s.DescribeAlarms(ctx, DescribeAlarmsInput{AlarmNames: slices.Repeat([]string{"a"}, 101)})
	wantCode(t, err, CodeInvalidParameterValue)
	_, _, err = s.DescribeAlarmHistory(ctx, DescribeAlarmHistoryInput{HistoryItemType: "Everything"})
	wantCode(t, err, CodeInvalidParameterValue)
	_, err = s.ListTagsForResource(ctx, "arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope")
	wantCode(t, err, CodeResourceNotFoundException)
}

// TestAlarmLifecycle drives one alarm OK → ALARM → OK with a fake clock
// and checks states, history, events and notifications.
func TestAlarmLifecycle(t *testing.T) {
	s, st, pub, clk := newAlarmService(t)
	ctx := context.Background()
	in := cpuAlarm()
	in.Tags = []Tag{{Key: "team", Value: "web"}}
	if err := s.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	a, _ := st.GetAlarm(ctx, in.AlarmName)
	if a.State.Value != StateInsufficientData || a.State.Reason != "Unchecked: Initial alarm creation" {
		t.Fatalf("new alarm state %+v", a.State)
	}
	put := func(v float64) {
		t.Helper()
		if err := s.PutMetricData(ctx, "CWAgent", []MetricDatum{{MetricName: "cpu_usage_active", Dimensions: in.Dimensions, Value: &v, Unit: "Percent", Timestamp: clk.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	eval := func() string {
		t.Helper()
		if _, err := s.EvaluateAlarms(ctx); err != nil {
			t.Fatal(err)
		}
		a, _ := st.GetAlarm(ctx, in.AlarmName)
		return a.State.Value
	}
	// Created: evaluated at once; no data → INSUFFICIENT_DATA stays.
	if got := eval(); got != StateInsufficientData {
		t.Fatalf("initial evaluation: %s", got)
	}
	put(10)
	clk.Advance(time.Minute)
	if got := eval(); got != StateOK {
		t.Fatalf("after 10%%: %s", got)
	}
	put(97.5)
	clk.Advance(time.Minute)
	if got := eval(); got != StateAlarm {
		t.Fatalf("after 97.5%%: %s", got)
	}
	a, _ = st.GetAlarm(ctx, in.AlarmName)
	want := "Threshold Crossed: 1 datapoint [97.5 (21/01/26 10:01:00)] was greater than the threshold (90.0)."
	if a.State.Reason != want {
		t.Errorf("reason %q, want %q", a.State.Reason, want)
	}
	var rd map[string]any
	if err := json.Unmarshal([]byte(a.State.ReasonData), &rd); err != nil || rd["statistic"] != "Average" || rd["period"] != 60.0 ||
		!strings.Contains(a.State.ReasonData, `"threshold":90.0`) || !strings.HasSuffix(rd["queryDate"].(string), "+0000") {
		t.Errorf("reason data %s (%v)", a.State.ReasonData, err)
	}
	// Not due yet: nothing happens within the minute.
	put(5)
	clk.Advance(30 * time.Second)
	if got := eval(); got != StateAlarm {
		t.Fatalf("evaluated early: %s", got)
	}
	clk.Advance(30 * time.Second)
	if got := eval(); got != StateOK {
		t.Fatalf("after recovery: %s", got)
	}
	if len(pub.sent) != 3 { // OK, ALARM, OK (INSUFFICIENT_DATA → OK included: OKActions)
		t.Fatalf("notifications %d", len(pub.sent))
	}
	n := pub.sent[1]
	if n.topic != topic || n.subject != `ALARM: "web-01-cpu-high" in US East (N. Virginia)` {
		t.Errorf("notification %s %s", n.topic, n.subject)
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(n.message), &msg); err != nil {
		t.Fatal(err)
	}
	trig := msg["Trigger"].(map[string]any)
	if msg["NewStateValue"] != "ALARM" || msg["OldStateValue"] != "OK" || msg["Region"] != "US East (N. Virginia)" ||
		trig["Statistic"] != "AVERAGE" || trig["StatisticType"] != "Statistic" || trig["Unit"] != nil ||
		!strings.Contains(n.message, `"Threshold":90.0`) || !strings.Contains(n.message, `"Dimensions":[{"value":"mi-0123456789abcdef0","name":"InstanceId"}]`) {
		t.Errorf("message %s", n.message)
	}

	// Events: create, then three state changes.
	var kinds []string
	for _, e := range st.events {
		kinds = append(kinds, e.DetailType)
	}
	if len(kinds) != 4 || kinds[0] != DetailTypeConfigChange || kinds[3] != DetailTypeStateChange {
		t.Fatalf("events %v", kinds)
	}
	var detail struct {
		AlarmName string
		State     struct{ Value, Reason, ReasonData, Timestamp string }
		Previous  struct{ Value string } `json:"previousState"`
		Config    struct {
			Description string
			Metrics     []struct {
				ID         string
				MetricStat struct {
					Metric struct {
						Namespace, Name string
						Dimensions      map[string]string
					}
					Period int
					Stat   string
				}
				ReturnData bool
			}
		} `json:"configuration"`
	}
	ev := st.events[2]
	if err := json.Unmarshal(ev.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.cloudwatch" || ev.Resources[0] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:web-01-cpu-high" ||
		detail.State.Value != "ALARM" || detail.Previous.Value != "OK" || !strings.HasSuffix(detail.State.Timestamp, ".000+0000") ||
		detail.Config.Metrics[0].MetricStat.Metric.Dimensions["InstanceId"] != "mi-0123456789abcdef0" || !detail.Config.Metrics[0].ReturnData ||
		!json.Valid([]byte(detail.State.ReasonData)) || detail.Config.Description != "CPU above 90%" {
		t.Errorf("state change event %s", ev.Detail)
	}

	// History: create, 3 state updates, 3 actions; newest first.
	items, _, err := s.DescribeAlarmHistory(ctx, DescribeAlarmHistoryInput{AlarmName: in.AlarmName})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 7 || items[len(items)-1].Type != HistoryConfigurationUpdate {
		t.Fatalf("history %d items", len(items))
	}
	updates, _, _ := s.DescribeAlarmHistory(ctx, DescribeAlarmHistoryInput{AlarmName: in.AlarmName, HistoryItemType: HistoryStateUpdate, ScanBy: ScanAscending})
	if len(updates) != 3 || updates[1].Summary != "Alarm updated from OK to ALARM" {
		t.Fatalf("state updates %+v", updates)
	}
	var hd struct {
		Version  string
		OldState struct{ StateValue string }
		NewState struct {
			StateValue      string
			StateReasonData map[string]any
		}
	}
	if err := json.Unmarshal([]byte(updates[1].Data), &hd); err != nil || hd.NewState.StateValue != "ALARM" || hd.NewState.StateReasonData["version"] != "1.0" {
		t.Errorf("history data %s", updates[1].Data)
	}

	// SetAlarmState fires like a transition and lasts until the next
	// evaluation; disabled actions publish nothing.
	if err := s.SetAlarmState(ctx, in.AlarmName, StateAlarm, "test", `{"by":"hand"}`); err != nil {
		t.Fatal(err)
	}
	if len(pub.sent) != 4 {
		t.Fatalf("set-alarm-state published %d", len(pub.sent))
	}
	if err := s.SetAlarmActions(ctx, []string{in.AlarmName}, false); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if got := eval(); got != StateOK {
		t.Fatalf("after set-alarm-state and evaluation: %s", got)
	}
	if len(pub.sent) != 4 {
		t.Fatalf("disabled actions published")
	}

	// Update keeps state and tags; delete leaves history.
	in.Threshold = f(1)
	in.Tags = nil
	if err := s.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	a, _ = st.GetAlarm(ctx, in.AlarmName)
	if a.State.Value != StateOK || len(a.Tags) != 1 || !a.ActionsEnabled {
		t.Fatalf("after update %+v", a)
	}
	tags, _ := s.ListTagsForResource(ctx, s.AlarmARN(in.AlarmName))
	if len(tags) != 1 {
		t.Fatalf("tags %v", tags)
	}
	if err := s.DeleteAlarms(ctx, []string{in.AlarmName, "nope"}); err != nil {
		t.Fatal(err)
	}
	if as, _, _ := s.DescribeAlarms(ctx, DescribeAlarmsInput{}); len(as) != 0 {
		t.Fatalf("alarms after delete: %d", len(as))
	}
	last := st.events[len(st.events)-1]
	if !strings.Contains(string(last.Detail), `"operation":"delete"`) {
		t.Errorf("delete event %s", last.Detail)
	}
}

func TestDescribeAlarmsPaging(t *testing.T) {
	s, _, _, _ := newAlarmService(t)
	ctx := context.Background()
	for _, n := range []string{"a1", "a2", "a3", "b1"} {
		in := cpuAlarm()
		in.AlarmName = n
		if n == "b1" {
			in.AlarmActions, in.OKActions = nil, nil
		}
		if err := s.PutMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	page, next, err := s.DescribeAlarms(ctx, DescribeAlarmsInput{AlarmNamePrefix: "a", MaxRecords: 2})
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(page), next, err)
	}
	page, next, _ = s.DescribeAlarms(ctx, DescribeAlarmsInput{AlarmNamePrefix: "a", MaxRecords: 2, NextToken: next})
	if len(page) != 1 || page[0].Name != "a3" || next != "" {
		t.Fatalf("page 2: %d %q", len(page), next)
	}
	page, _, _ = s.DescribeAlarms(ctx, DescribeAlarmsInput{ActionPrefix: "arn:aws:sns:us-east-1:000000000000:op"})
	if len(page) != 3 {
		t.Fatalf("action prefix: %d", len(page))
	}
	page, _, _ = s.DescribeAlarms(ctx, DescribeAlarmsInput{AlarmTypes: []string{"CompositeAlarm"}})
	if len(page) != 0 {
		t.Fatalf("composite: %d", len(page))
	}
	ms, err := s.DescribeAlarmsForMetric(ctx, DescribeAlarmsForMetricInput{Namespace: "CWAgent", MetricName: "cpu_usage_active",
		Dimensions: []Dimension{{Name: "InstanceId", Value: "mi-0123456789abcdef0"}}, Statistic: "Average"})
	if err != nil || len(ms) != 4 {
		t.Fatalf("for metric: %d %v", len(ms), err)
	}
}

// TestMetricMathAlarm evaluates an expression alarm through GetMetricData.
func TestMetricMathAlarm(t *testing.T) {
	s, st, _, clk := newAlarmService(t)
	ctx := context.Background()
	no := false
	in := PutMetricAlarmInput{AlarmName: "error-rate", EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: f(10),
		ComparisonOperator: GreaterThanOrEqualToThreshold, TreatMissingData: MissingNotBreaching,
		Metrics: []MetricDataQuery{
			{ID: "m1", ReturnData: &no, MetricStat: &MetricStat{Metric: Metric{Namespace: "App", Name: "errors"}, Period: 60, Stat: "Sum"}},
			{ID: "m2", ReturnData: &no, MetricStat: &MetricStat{Metric: Metric{Namespace: "App", Name: "requests"}, Period: 60, Stat: "Sum"}},
			{ID: "e1", Expression: "m1 / m2 * 100", Label: "error rate"},
		}}
	if err := s.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		e, r := 5.0, 20.0
		if err := s.PutMetricData(ctx, "App", []MetricDatum{{MetricName: "errors", Value: &e, Timestamp: clk.Now()}, {MetricName: "requests", Value: &r, Timestamp: clk.Now()}}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	if _, err := s.EvaluateAlarms(ctx); err != nil {
		t.Fatal(err)
	}
	a, _ := st.GetAlarm(ctx, "error-rate")
	if a.State.Value != StateAlarm || strings.Contains(a.State.ReasonData, "statistic") {
		t.Fatalf("state %s %s %s", a.State.Value, a.State.Reason, a.State.ReasonData)
	}
	ev := st.events[len(st.events)-1]
	if !strings.Contains(string(ev.Detail), `"expression":"m1 / m2 * 100"`) {
		t.Errorf("event %s", ev.Detail)
	}
}

// FuzzPutMetricAlarm: any name, description, action, statistic, period and
// operator is either accepted or refused with a validation code, never a
// panic or an internal error.
func FuzzPutMetricAlarm(fz *testing.F) {
	fz.Add("cpu-high", "CPU", topic, "Average", 60, 3, 2, "GreaterThanThreshold", "missing")
	fz.Add("", "\x00", "arn:aws:ec2:x", "p99.9", 10, 0, 5, "LessThanLowerThreshold", "zero")
	fz.Fuzz(func(t *testing.T, name, desc, action, stat string, period, n, m int, op, missing string) {
		s, _, _, _ := newAlarmService(t)
		in := PutMetricAlarmInput{AlarmName: name, AlarmDescription: desc, AlarmActions: []string{action}, Namespace: "NS",
			MetricName: "m", Statistic: stat, Period: period, EvaluationPeriods: n, DatapointsToAlarm: m, Threshold: f(1),
			ComparisonOperator: op, TreatMissingData: missing}
		if strings.HasPrefix(stat, "p") || strings.Contains(stat, "(") {
			in.Statistic, in.ExtendedStatistic = "", stat
		}
		err := s.PutMetricAlarm(context.Background(), in)
		switch steward.ErrorCode(err) {
		case "", CodeInvalidParameterValue, CodeInvalidParameterCombination, CodeMissingParameter, CodeLimitExceeded:
		default:
			t.Fatalf("error %v", err)
		}
		if err == nil {
			if _, err := s.EvaluateAlarms(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	})
}
