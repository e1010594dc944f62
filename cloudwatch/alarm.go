package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Metric alarms: PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric,
// DeleteAlarms, SetAlarmState and Enable/DisableAlarmActions (reference
// B4); DescribeAlarmHistory is alarm_history.go, tagging alarm_tags.go,
// composite alarms alarm_composite.go. Evaluation is alarm_eval.go (the
// rule) and alarm_engine.go (the schedule, events and actions).
//
// Choices: actions must be SNS topic ARNs; EC2, Auto Scaling, Lambda,
// Systems Manager (OpsItem, Incident Manager) actions are refused with
// InvalidParameterValue, as Steward cannot run them. Anomaly-detection
// alarms (ThresholdMetricId, the band operators) and PromQL alarms
// (EvaluationCriteria) are refused too. Deleting an alarm that does not
// exist is not an error.

// AlarmLimits are the alarm bounds (botocore model, reference B4).
var AlarmLimits = struct {
	MaxName          int
	MaxDescription   int
	MaxActions       int // per action list
	MaxActionARN     int
	MaxWindow        int // Period × EvaluationPeriods, seconds
	MaxMetrics       int // Metrics[] of one alarm
	MaxNames         int // AlarmNames of DescribeAlarms, DeleteAlarms …
	MaxRecords       int // DescribeAlarms, DescribeAlarmHistory page
	MaxReason        int
	MaxReasonData    int
	MaxTags          int
	MaxTagKey        int
	MaxTagValue      int
	HistoryRetention time.Duration
}{
	MaxName: 255, MaxDescription: 1024, MaxActions: 5, MaxActionARN: 1024, MaxWindow: 86400,
	MaxMetrics: 10, MaxNames: 100, MaxRecords: 100, MaxReason: 1023, MaxReasonData: 4000,
	MaxTags: 50, MaxTagKey: 128, MaxTagValue: 256, HistoryRetention: 14 * 24 * time.Hour,
}

// UseAlarms turns on metric alarms over store, publishing SNS actions with
// pub (nil: actions are recorded as failed). Call it before Open.
func (s *Service) UseAlarms(store AlarmStore, pub TopicPublisher) {
	s.alarms, s.publisher = store, pub
}

// PutMetricAlarmInput is PutMetricAlarm's request. ActionsEnabled nil
// means true.
type PutMetricAlarmInput struct {
	AlarmName                        string
	AlarmDescription                 string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	Namespace                        string
	MetricName                       string
	Dimensions                       []Dimension
	Statistic                        string
	ExtendedStatistic                string
	Period                           int
	Unit                             string
	EvaluationPeriods                int
	DatapointsToAlarm                int
	Threshold                        *float64
	ThresholdMetricID                string
	ComparisonOperator               string
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
	Metrics                          []MetricDataQuery
	Tags                             []Tag
	PromQL                           bool // EvaluationCriteria given
}

func internal(err error) error { return steward.Internal(err) }

func (s *Service) alarmsOn() error {
	if s.alarms == nil {
		return steward.Errorf(CodeInvalidParameterValue, "Alarms are not enabled on this server.")
	}
	return nil
}

// AlarmARN is the ARN of the alarm name.
func (s *Service) AlarmARN(name string) string {
	return "arn:aws:cloudwatch:" + s.env.Region + ":" + s.env.Account + ":alarm:" + name
}

func checkAlarmName(param, name string) error {
	if name == "" {
		return missing(param)
	}
	if len(name) > AlarmLimits.MaxName {
		return invalid("The parameter %s must be shorter than %d characters.", param, AlarmLimits.MaxName+1)
	}
	return checkText(param, name)
}

// checkActions validates an action list: SNS topic ARNs only.
func checkActions(param string, arns []string) error {
	if len(arns) > AlarmLimits.MaxActions {
		return steward.Errorf(CodeLimitExceeded, "The maximum allowed actions for %s is %d.", param, AlarmLimits.MaxActions)
	}
	for i, a := range arns {
		p := param + ".member." + itoa(i+1)
		if a == "" || len(a) > AlarmLimits.MaxActionARN {
			return invalid("The parameter %s must be between 1 and %d characters.", p, AlarmLimits.MaxActionARN)
		}
		parts := strings.SplitN(a, ":", 6)
		if len(parts) != 6 || parts[0] != "arn" {
			return invalid("Invalid arn syntax: %s", a)
		}
		if parts[2] != "sns" {
			return invalid("The action %s is not supported: Steward runs SNS topic actions (arn:aws:sns:…) only; EC2, Auto Scaling, Lambda and Systems Manager actions are not available.", a)
		}
		if parts[3] == "" || parts[4] == "" || parts[5] == "" || strings.Contains(parts[5], ":") {
			return invalid("Invalid SNS topic ARN: %s", a)
		}
	}
	return nil
}

// checkAlarmPeriod allows 10, 20, 30 or a multiple of 60 seconds.
func checkAlarmPeriod(param string, period int) error {
	if period == 0 {
		return missing(param)
	}
	if period > 0 && (period%60 == 0 || period == 10 || period == 20 || period == 30) {
		return nil
	}
	return invalid("The parameter %s must be 10, 20, 30 or a multiple of 60.", param)
}

// newAlarm validates a PutMetricAlarm request and returns the alarm it
// configures (no state yet).
func newAlarm(in PutMetricAlarmInput) (*Alarm, error) {
	if err := checkAlarmName("AlarmName", in.AlarmName); err != nil {
		return nil, err
	}
	if len(in.AlarmDescription) > AlarmLimits.MaxDescription {
		return nil, invalid("The parameter AlarmDescription must be shorter than %d characters.", AlarmLimits.MaxDescription+1)
	}
	if err := checkText("AlarmDescription", strings.NewReplacer("\n", "", "\r", "", "\t", "").Replace(in.AlarmDescription)); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		p string
		a []string
	}{{"OKActions", in.OKActions}, {"AlarmActions", in.AlarmActions}, {"InsufficientDataActions", in.InsufficientDataActions}} {
		if err := checkActions(l.p, l.a); err != nil {
			return nil, err
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if in.PromQL {
		return nil, invalid("The parameter EvaluationCriteria is not supported: Steward has no PromQL alarms.")
	}
	if in.ThresholdMetricID != "" {
		return nil, invalid("The parameter ThresholdMetricId is not supported: Steward has no anomaly detection.")
	}
	if in.ComparisonOperator == "" {
		return nil, missing("ComparisonOperator")
	}
	switch in.ComparisonOperator {
	case "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold":
		return nil, invalid("The comparison operator %s needs an anomaly detection band, which Steward does not have.", in.ComparisonOperator)
	}
	if _, ok := comparisons[in.ComparisonOperator]; !ok {
		return nil, invalid("The parameter ComparisonOperator must be a value in the set [ GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold ].")
	}
	if in.Threshold == nil {
		return nil, missing("Threshold")
	}
	if err := checkValue("Threshold", *in.Threshold); err != nil {
		return nil, err
	}
	if in.EvaluationPeriods == 0 {
		return nil, missing("EvaluationPeriods")
	}
	if in.EvaluationPeriods < 0 {
		return nil, invalid("The parameter EvaluationPeriods must be greater than or equal to 1.")
	}
	if in.DatapointsToAlarm < 0 || in.DatapointsToAlarm > in.EvaluationPeriods {
		return nil, invalid("The parameter DatapointsToAlarm must be between 1 and EvaluationPeriods (%d).", in.EvaluationPeriods)
	}
	switch in.TreatMissingData {
	case "", MissingMissing, MissingIgnore, MissingBreaching, MissingNotBreaching:
	default:
		return nil, invalid("The parameter TreatMissingData must be a value in the set [ breaching, notBreaching, ignore, missing ].")
	}
	switch in.EvaluateLowSampleCountPercentile {
	case "", "evaluate", "ignore":
	default:
		return nil, invalid("The parameter EvaluateLowSampleCountPercentile must be a value in the set [ evaluate, ignore ].")
	}
	a := &Alarm{
		Name: in.AlarmName, Description: in.AlarmDescription, ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled,
		OKActions: in.OKActions, AlarmActions: in.AlarmActions, InsufficientDataActions: in.InsufficientDataActions,
		EvaluationPeriods: in.EvaluationPeriods, DatapointsToAlarm: in.DatapointsToAlarm, Threshold: *in.Threshold,
		ComparisonOperator: in.ComparisonOperator, TreatMissingData: in.TreatMissingData,
		EvaluateLowSampleCountPercentile: in.EvaluateLowSampleCountPercentile, Tags: in.Tags,
	}
	single := in.Namespace != "" || in.MetricName != "" || len(in.Dimensions) > 0 || in.Statistic != "" ||
		in.ExtendedStatistic != "" || in.Period != 0 || in.Unit != ""
	switch {
	case single && len(in.Metrics) > 0:
		return nil, combination("The parameters MetricName, Namespace, Dimensions, Statistic, ExtendedStatistic, Period and Unit cannot be used with Metrics.")
	case len(in.Metrics) > 0:
		a.Metrics = in.Metrics
		if in.EvaluateLowSampleCountPercentile != "" {
			return nil, combination("The parameter EvaluateLowSampleCountPercentile applies to percentile statistics of single-metric alarms only.")
		}
	default:
		if err := checkNamespace(in.Namespace, true); err != nil {
			return nil, err
		}
		if err := checkMetricName("MetricName", in.MetricName); err != nil {
			return nil, err
		}
		if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
			return nil, err
		}
		if err := checkAlarmPeriod("Period", in.Period); err != nil {
			return nil, err
		}
		if err := checkUnit("Unit", in.Unit); err != nil {
			return nil, err
		}
		switch {
		case in.Statistic == "" && in.ExtendedStatistic == "":
			return nil, missing("Statistic or ExtendedStatistic")
		case in.Statistic != "" && in.ExtendedStatistic != "":
			return nil, combination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.")
		case in.Statistic != "" && basicStats[in.Statistic] == nil:
			return nil, invalid("The parameter Statistic must be a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ].")
		case in.ExtendedStatistic != "":
			if _, ok := parseExtended(in.ExtendedStatistic); !ok {
				return nil, invalid("The value %s for parameter ExtendedStatistic is not a valid extended statistic.", in.ExtendedStatistic)
			}
		}
		if in.EvaluateLowSampleCountPercentile != "" && !strings.HasPrefix(in.ExtendedStatistic, "p") {
			return nil, combination("The parameter EvaluateLowSampleCountPercentile applies to percentile statistics (pNN) only.")
		}
		a.Namespace, a.MetricName, a.Statistic, a.ExtendedStatistic, a.Period, a.Unit =
			in.Namespace, in.MetricName, in.Statistic, in.ExtendedStatistic, in.Period, in.Unit
		a.Dimensions = slices.Clone(in.Dimensions)
	}
	if p := a.period(); p*a.EvaluationPeriods > AlarmLimits.MaxWindow {
		return nil, invalid("The evaluation period of the alarm (Period × EvaluationPeriods = %d seconds) must not exceed %d seconds.", p*a.EvaluationPeriods, AlarmLimits.MaxWindow)
	}
	return a, nil
}

// checkAlarmMetrics validates the metric-math form: at most 10 queries,
// exactly one returning data, the usual GetMetricData rules.
func (s *Service) checkAlarmMetrics(ctx context.Context, qs []MetricDataQuery) error {
	if len(qs) > AlarmLimits.MaxMetrics {
		return invalid("The collection Metrics must not have a size greater than %d.", AlarmLimits.MaxMetrics)
	}
	ret := 0
	for i, q := range qs {
		if q.ReturnData == nil || *q.ReturnData {
			ret++
		}
		if q.MetricStat != nil {
			if err := checkAlarmPeriod("Metrics.member."+itoa(i+1)+".MetricStat.Period", q.MetricStat.Period); err != nil {
				return err
			}
		}
	}
	if ret != 1 {
		return invalid("Exactly one element of the Metrics list must return data.")
	}
	// The rest as GetMetricData checks it: a query of one period at the
	// epoch, older than any retention, reads nothing.
	start := time.Unix(0, 0)
	_, err := s.GetMetricData(ctx, GetMetricDataInput{Queries: qs, StartTime: start, EndTime: start.Add(time.Hour)})
	if steward.ErrorCode(err) == CodeMissingParameter || steward.ErrorCode(err) == CodeInvalidParameterValue ||
		steward.ErrorCode(err) == CodeInvalidParameterCombination {
		return err
	}
	return nil
}

// period is the alarm's period: its own, or that of the metric-math
// query returning data (an expression's, else the first metric's).
func (a *Alarm) period() int {
	if len(a.Metrics) == 0 {
		return a.Period
	}
	first := 0
	for _, q := range a.Metrics {
		if q.MetricStat != nil && first == 0 {
			first = q.MetricStat.Period
		}
	}
	for _, q := range a.Metrics {
		if q.ReturnData == nil || *q.ReturnData {
			if q.MetricStat != nil {
				return q.MetricStat.Period
			}
			if q.Period > 0 {
				return q.Period
			}
		}
	}
	if first == 0 {
		first = 60
	}
	return first
}

// PutMetricAlarm creates or updates an alarm. A new alarm starts
// INSUFFICIENT_DATA ("Unchecked: Initial alarm creation"); an update keeps
// the state (and the tags: Tags apply to new alarms only). Either way the
// alarm is evaluated at once.
func (s *Service) PutMetricAlarm(ctx context.Context, in PutMetricAlarmInput) error {
	if err := s.alarmsOn(); err != nil {
		return err
	}
	a, err := newAlarm(in)
	if err != nil {
		return err
	}
	if len(a.Metrics) > 0 {
		if err := s.checkAlarmMetrics(ctx, a.Metrics); err != nil {
			return err
		}
	}
	return s.upsert(ctx, a)
}

// upsert stores a new or updated alarm (keeping the state and tags of an
// existing one) and makes it due at once.
func (s *Service) upsert(ctx context.Context, a *Alarm) error {
	for attempt := 0; ; attempt++ {
		old, err := s.alarms.GetAlarm(ctx, a.Name)
		if err != nil {
			return internal(err)
		}
		if old != nil && old.AlarmType() != a.AlarmType() {
			return invalid("The alarm %s exists and is a %s.", a.Name, old.AlarmType())
		}
		now := s.env.Clock.Now().UTC()
		next := *a
		next.ConfigurationUpdated = now
		next.NextEvaluation = now
		w := AlarmWrite{Put: &next}
		if old == nil {
			next.State = AlarmState{Value: StateInsufficientData, Reason: "Unchecked: Initial alarm creation", Updated: now, Transitioned: now}
		} else {
			next.State, next.Tags, w.Expect = old.State, old.Tags, old.Version
		}
		w.History = []HistoryItem{s.configHistory(old, &next, now)}
		w.Events = []*steward.Event{s.configEvent(old, &next, now)}
		err = s.alarms.Write(ctx, w)
		if errors.Is(err, ErrAlarmConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return internal(err)
		}
		s.engine.wake()
		return nil
	}
}

// DescribeAlarmsInput is DescribeAlarms' request.
type DescribeAlarmsInput struct {
	AlarmNames      []string
	AlarmNamePrefix string
	AlarmTypes      []string
	StateValue      string
	ActionPrefix    string
	MaxRecords      int
	NextToken       string
	ChildrenOf      string
	ParentsOf       string
}

func checkState(param, v string) error {
	switch v {
	case StateOK, StateAlarm, StateInsufficientData:
		return nil
	}
	return invalid("The parameter %s must be a value in the set [ OK, ALARM, INSUFFICIENT_DATA ].", param)
}

// DescribeAlarms lists alarms in name order, a page at a time: metric
// alarms unless AlarmTypes asks for composite ones (as in CloudWatch).
// ChildrenOf and ParentsOf select the alarms a composite alarm's rule
// names, and the composite alarms whose rules name an alarm.
func (s *Service) DescribeAlarms(ctx context.Context, in DescribeAlarmsInput) ([]*Alarm, string, error) {
	if err := s.alarmsOn(); err != nil {
		return nil, "", err
	}
	switch {
	case len(in.AlarmNames) > AlarmLimits.MaxNames:
		return nil, "", invalid("The collection AlarmNames must not have a size greater than %d.", AlarmLimits.MaxNames)
	case len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "":
		return nil, "", combination("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.")
	case in.MaxRecords < 0 || in.MaxRecords > AlarmLimits.MaxRecords:
		return nil, "", invalid("The parameter MaxRecords must be between 1 and %d.", AlarmLimits.MaxRecords)
	case in.StateValue != "":
		if err := checkState("StateValue", in.StateValue); err != nil {
			return nil, "", err
		}
	}
	types, err := alarmTypes(in.AlarmTypes)
	if err != nil {
		return nil, "", err
	}
	limit := in.MaxRecords
	if limit == 0 {
		limit = 50
	}
	after := ""
	if in.NextToken != "" {
		var ok bool
		if after, ok = parseNameToken(in.NextToken); !ok {
			return nil, "", steward.Errorf(CodeInvalidNextToken, "The NextToken is not valid.")
		}
	}
	q := AlarmQuery{Names: in.AlarmNames, Prefix: in.AlarmNamePrefix, State: in.StateValue, After: after}
	switch {
	case in.ChildrenOf != "":
		p, err := s.alarms.GetAlarm(ctx, in.ChildrenOf)
		if err != nil {
			return nil, "", internal(err)
		}
		if p == nil || p.Type != AlarmTypeComposite {
			return []*Alarm{}, "", nil
		}
		r, _ := parseRule(p.AlarmRule, s.AlarmARN(""))
		if q.Names = r.alarms(nil); len(q.Names) == 0 {
			return []*Alarm{}, "", nil
		}
	case in.ParentsOf != "":
		q.Names = nil
		for _, p := range s.parents(ctx, in.ParentsOf) {
			q.Names = append(q.Names, p.Name)
		}
		if len(q.Names) == 0 {
			return []*Alarm{}, "", nil
		}
	}
	all, err := s.alarms.ListAlarms(ctx, q)
	if err != nil {
		return nil, "", internal(err)
	}
	out := []*Alarm{}
	for _, a := range all {
		if !types[a.AlarmType()] || in.ActionPrefix != "" && !hasActionPrefix(a, in.ActionPrefix) {
			continue
		}
		if len(out) == limit {
			return out, nameToken(out[len(out)-1].Name), nil
		}
		out = append(out, a)
	}
	return out, "", nil
}

// alarmTypes reads an AlarmTypes filter; none means metric alarms only.
func alarmTypes(ts []string) (map[string]bool, error) {
	if len(ts) == 0 {
		return map[string]bool{AlarmTypeMetric: true}, nil
	}
	out := map[string]bool{}
	for i, t := range ts {
		if t != AlarmTypeMetric && t != AlarmTypeComposite {
			return nil, invalid("The parameter AlarmTypes.member.%d must be a value in the set [ CompositeAlarm, MetricAlarm ].", i+1)
		}
		out[t] = true
	}
	return out, nil
}

func hasActionPrefix(a *Alarm, prefix string) bool {
	for _, l := range [][]string{a.OKActions, a.AlarmActions, a.InsufficientDataActions} {
		for _, arn := range l {
			if strings.HasPrefix(arn, prefix) {
				return true
			}
		}
	}
	return false
}

func nameToken(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a/" + name))
}

func parseNameToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	return strings.CutPrefix(string(b), "a/")
}

// DescribeAlarmsForMetricInput is DescribeAlarmsForMetric's request; the
// optional fields narrow the match.
type DescribeAlarmsForMetricInput struct {
	Namespace         string
	MetricName        string
	Dimensions        []Dimension
	Statistic         string
	ExtendedStatistic string
	Period            int
	Unit              string
}

// DescribeAlarmsForMetric returns the single-metric alarms on a metric.
func (s *Service) DescribeAlarmsForMetric(ctx context.Context, in DescribeAlarmsForMetricInput) ([]*Alarm, error) {
	if err := s.alarmsOn(); err != nil {
		return nil, err
	}
	if err := checkNamespace(in.Namespace, true); err != nil {
		return nil, err
	}
	if err := checkMetricName("MetricName", in.MetricName); err != nil {
		return nil, err
	}
	if err := checkDimensions("Dimensions", in.Dimensions); err != nil {
		return nil, err
	}
	all, err := s.alarms.ListAlarms(ctx, AlarmQuery{})
	if err != nil {
		return nil, steward.Internal(err)
	}
	key := MetricKey(in.Namespace, in.MetricName, in.Dimensions)
	out := []*Alarm{}
	for _, a := range all {
		switch {
		case a.Type == AlarmTypeComposite, len(a.Metrics) > 0, MetricKey(a.Namespace, a.MetricName, a.Dimensions) != key,
			in.Statistic != "" && a.Statistic != in.Statistic,
			in.ExtendedStatistic != "" && a.ExtendedStatistic != in.ExtendedStatistic,
			in.Period != 0 && a.Period != in.Period,
			in.Unit != "" && a.Unit != in.Unit:
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

// DeleteAlarms deletes alarms (names that do not exist are skipped). Each
// deletion is a ConfigurationUpdate in the history and a configuration
// change event.
func (s *Service) DeleteAlarms(ctx context.Context, names []string) error {
	if err := s.alarmsOn(); err != nil {
		return err
	}
	if err := checkNames(names); err != nil {
		return err
	}
	if len(names) == 0 {
		return missing("AlarmNames")
	}
	as, err := s.alarms.ListAlarms(ctx, AlarmQuery{Names: names})
	if err != nil {
		return steward.Internal(err)
	}
	if len(as) == 0 {
		return nil
	}
	now := s.env.Clock.Now().UTC()
	w := AlarmWrite{}
	for _, a := range as {
		w.Delete = append(w.Delete, a.Name)
		w.History = append(w.History, s.configHistory(a, nil, now))
		w.Events = append(w.Events, s.configEvent(a, nil, now))
	}
	if err := s.alarms.Write(ctx, w); err != nil {
		return steward.Internal(err)
	}
	return nil
}

func checkNames(names []string) error {
	if len(names) > AlarmLimits.MaxNames {
		return invalid("The collection AlarmNames must not have a size greater than %d.", AlarmLimits.MaxNames)
	}
	for i, n := range names {
		if err := checkAlarmName("AlarmNames.member."+itoa(i+1), n); err != nil {
			return err
		}
	}
	return nil
}

// SetAlarmState sets an alarm's state until its next evaluation. A change
// of value is a transition like any other: history, event, actions.
// StateReasonData, when given, must be a JSON object.
func (s *Service) SetAlarmState(ctx context.Context, name, value, reason, reasonData string) error {
	if err := s.alarmsOn(); err != nil {
		return err
	}
	if err := checkAlarmName("AlarmName", name); err != nil {
		return err
	}
	if value == "" {
		return missing("StateValue")
	}
	if err := checkState("StateValue", value); err != nil {
		return err
	}
	if len(reason) > AlarmLimits.MaxReason {
		return invalid("The parameter StateReason must be shorter than %d characters.", AlarmLimits.MaxReason+1)
	}
	if err := CheckReasonData(reasonData); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		a, err := s.alarms.GetAlarm(ctx, name)
		if err != nil {
			return steward.Internal(err)
		}
		if a == nil {
			return steward.Errorf(CodeResourceNotFound, "Alarm %s not found", name)
		}
		err = s.transition(ctx, a, value, reason, reasonData, a.NextEvaluation)
		if errors.Is(err, ErrAlarmConflict) && attempt < 5 {
			continue
		}
		return err
	}
}

// CheckReasonData validates SetAlarmState's StateReasonData: at most 4,000
// characters of JSON (an object), or empty.
func CheckReasonData(data string) error {
	if data == "" {
		return nil
	}
	if len(data) > AlarmLimits.MaxReasonData {
		return invalid("The parameter StateReasonData must be shorter than %d characters.", AlarmLimits.MaxReasonData+1)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return steward.Errorf(CodeInvalidFormat, "Invalid JSON in StateReasonData.")
	}
	return nil
}

// SetAlarmActions enables or disables the actions of alarms (names that do
// not exist are skipped).
func (s *Service) SetAlarmActions(ctx context.Context, names []string, enabled bool) error {
	if err := s.alarmsOn(); err != nil {
		return err
	}
	if len(names) == 0 {
		return missing("AlarmNames")
	}
	if err := checkNames(names); err != nil {
		return err
	}
	for _, name := range names {
		for attempt := 0; ; attempt++ {
			a, err := s.alarms.GetAlarm(ctx, name)
			if err != nil {
				return steward.Internal(err)
			}
			if a == nil || a.ActionsEnabled == enabled {
				break
			}
			a.ActionsEnabled = enabled
			err = s.alarms.Write(ctx, AlarmWrite{Put: a, Expect: a.Version})
			if errors.Is(err, ErrAlarmConflict) && attempt < 5 {
				continue
			}
			if err != nil {
				return steward.Internal(err)
			}
			break
		}
	}
	return nil
}
