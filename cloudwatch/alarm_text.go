package cloudwatch

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// What alarms say: StateReasonData (reference B6), history items, the
// EventBridge events (B7) and the SNS notification (B8). Numbers AWS
// prints as Java doubles ("90.0") are written with JavaDouble, so these
// are built as raw JSON where it matters.

// Event detail types and source.
const (
	EventSource            = "aws.cloudwatch"
	DetailTypeStateChange  = "CloudWatch Alarm State Change"
	DetailTypeConfigChange = "CloudWatch Alarm Configuration Change"
	awsTimeLayout          = "2006-01-02T15:04:05.000-0700"
)

func awsTime(t time.Time) string { return t.UTC().Format(awsTimeLayout) }

// jnum is a number written as a Java double.
type jnum float64

func (n jnum) MarshalJSON() ([]byte, error) { return []byte(JavaDouble(float64(n))), nil }

// marshal is json.Marshal without HTML escaping.
func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

type reasonDatapoint struct {
	Timestamp   string `json:"timestamp"`
	SampleCount *jnum  `json:"sampleCount,omitempty"`
	Value       *jnum  `json:"value,omitempty"`
}

type reasonData struct {
	Version             string            `json:"version"`
	QueryDate           string            `json:"queryDate"`
	StartDate           string            `json:"startDate,omitempty"`
	Unit                string            `json:"unit,omitempty"`
	Statistic           string            `json:"statistic,omitempty"`
	ExtendedStatistic   string            `json:"extendedStatistic,omitempty"`
	Period              int               `json:"period"`
	RecentDatapoints    []jnum            `json:"recentDatapoints"`
	Threshold           jnum              `json:"threshold"`
	EvaluatedDatapoints []reasonDatapoint `json:"evaluatedDatapoints,omitempty"`
}

// reasonData is the StateReasonData of an evaluation.
func (s *Service) reasonData(a *Alarm, now time.Time, res EvalResult) string {
	d := reasonData{Version: "1.0", QueryDate: awsTime(now), Unit: a.Unit, Statistic: a.Statistic,
		ExtendedStatistic: a.ExtendedStatistic, Period: a.period(), Threshold: jnum(a.Threshold), RecentDatapoints: []jnum{}}
	for _, v := range res.Recent {
		d.RecentDatapoints = append(d.RecentDatapoints, jnum(v))
	}
	if len(res.Evaluated) > 0 {
		d.StartDate = awsTime(res.Evaluated[len(res.Evaluated)-1].Time)
	}
	for _, p := range res.Evaluated {
		rd := reasonDatapoint{Timestamp: awsTime(p.Time)}
		if p.Present {
			v := jnum(p.Value)
			rd.Value = &v
			if p.SampleCount > 0 {
				c := jnum(p.SampleCount)
				rd.SampleCount = &c
			}
		}
		d.EvaluatedDatapoints = append(d.EvaluatedDatapoints, rd)
	}
	return marshal(d)
}

// newEventID returns a random UUID (version 4).
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// metricID is the id AWS gives the single metric of an alarm in events:
// a UUID, here derived from the alarm ARN so it stays the same.
func metricID(arn string) string {
	h := sha1.Sum([]byte(arn))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// eventMetrics is configuration.metrics of the events: metricStat entries
// with dimensions as an object, expression entries.
func (s *Service) eventMetrics(a *Alarm) []map[string]any {
	stat := func(ms MetricStat) map[string]any {
		dims := map[string]string{}
		for _, d := range ms.Metric.Dimensions {
			dims[d.Name] = d.Value
		}
		m := map[string]any{"metric": map[string]any{"namespace": ms.Metric.Namespace, "name": ms.Metric.Name, "dimensions": dims},
			"period": ms.Period, "stat": ms.Stat}
		if ms.Unit != "" {
			m["unit"] = ms.Unit
		}
		return m
	}
	if len(a.Metrics) == 0 {
		st := a.Statistic
		if st == "" {
			st = a.ExtendedStatistic
		}
		return []map[string]any{{"id": metricID(s.AlarmARN(a.Name)), "returnData": true,
			"metricStat": stat(MetricStat{Metric: Metric{Namespace: a.Namespace, Name: a.MetricName, Dimensions: a.Dimensions}, Period: a.Period, Stat: st, Unit: a.Unit})}}
	}
	out := make([]map[string]any, 0, len(a.Metrics))
	for _, q := range a.Metrics {
		m := map[string]any{"id": q.ID, "returnData": q.ReturnData == nil || *q.ReturnData}
		if q.MetricStat != nil {
			m["metricStat"] = stat(*q.MetricStat)
		} else {
			m["expression"] = q.Expression
		}
		if q.Label != "" {
			m["label"] = q.Label
		}
		if q.Period > 0 && q.MetricStat == nil {
			m["period"] = q.Period
		}
		out = append(out, m)
	}
	return out
}

func (s *Service) event(a *Alarm, detailType string, detail any, now time.Time) *steward.Event {
	return &steward.Event{ID: newEventID(), Time: now, Source: EventSource, DetailType: detailType,
		Account: s.env.Account, Region: s.env.Region, Resources: []string{s.AlarmARN(a.Name)},
		Detail: json.RawMessage(marshal(detail))}
}

type eventState struct {
	Value      string `json:"value"`
	Reason     string `json:"reason,omitempty"`
	ReasonData string `json:"reasonData,omitempty"`
	Timestamp  string `json:"timestamp"`
}

func stateOf(st AlarmState) eventState {
	return eventState{Value: st.Value, Reason: st.Reason, ReasonData: st.ReasonData, Timestamp: awsTime(st.Updated)}
}

// stateEvent is the "CloudWatch Alarm State Change" event of old → a.
func (s *Service) stateEvent(old, a *Alarm, now time.Time) *steward.Event {
	conf := map[string]any{}
	if a.Type == AlarmTypeComposite {
		conf["alarmRule"] = a.AlarmRule
		if a.ActionsSuppressor != "" {
			conf["actionsSuppressor"] = s.AlarmARN(a.ActionsSuppressor)
			conf["actionsSuppressorWaitPeriod"] = a.ActionsSuppressorWaitPeriod
			conf["actionsSuppressorExtensionPeriod"] = a.ActionsSuppressorExtensionPeriod
		}
	} else {
		conf["metrics"] = s.eventMetrics(a)
	}
	if a.Description != "" {
		conf["description"] = a.Description
	}
	detail := struct {
		AlarmName     string         `json:"alarmName"`
		State         eventState     `json:"state"`
		PreviousState eventState     `json:"previousState"`
		Configuration map[string]any `json:"configuration"`
	}{a.Name, stateOf(a.State), stateOf(old.State), conf}
	return s.event(a, DetailTypeStateChange, detail, now)
}

// configuration is the configuration of configuration-change events.
func (s *Service) configuration(a *Alarm) map[string]any {
	tmd := a.TreatMissingData
	if tmd == "" {
		tmd = MissingMissing
	}
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	c := map[string]any{"alarmName": a.Name, "description": a.Description,
		"actionsEnabled": a.ActionsEnabled, "timestamp": awsTime(a.ConfigurationUpdated),
		"okActions": list(a.OKActions), "alarmActions": list(a.AlarmActions), "insufficientDataActions": list(a.InsufficientDataActions)}
	if a.Type == AlarmTypeComposite {
		c["alarmRule"] = a.AlarmRule
		if a.ActionsSuppressor != "" {
			c["actionsSuppressor"] = s.AlarmARN(a.ActionsSuppressor)
			c["actionsSuppressorWaitPeriod"] = a.ActionsSuppressorWaitPeriod
			c["actionsSuppressorExtensionPeriod"] = a.ActionsSuppressorExtensionPeriod
		}
		return c
	}
	c["metrics"], c["evaluationPeriods"], c["threshold"] = s.eventMetrics(a), a.EvaluationPeriods, jnum(a.Threshold)
	c["comparisonOperator"], c["treatMissingData"] = a.ComparisonOperator, tmd
	if a.DatapointsToAlarm > 0 {
		c["datapointsToAlarm"] = a.DatapointsToAlarm
	}
	return c
}

// configEvent is the "CloudWatch Alarm Configuration Change" event of a
// create (old nil), update or delete (a nil).
func (s *Service) configEvent(old, a *Alarm, now time.Time) *steward.Event {
	detail := map[string]any{}
	cur := a
	switch {
	case old == nil:
		detail["operation"] = "create"
	case a == nil:
		detail["operation"] = "delete"
		cur = old
	default:
		detail["operation"] = "update"
		detail["previousConfiguration"] = s.configuration(old)
	}
	detail["alarmName"] = cur.Name
	detail["configuration"] = s.configuration(cur)
	detail["state"] = map[string]string{"value": cur.State.Value, "timestamp": awsTime(cur.State.Updated)}
	return s.event(cur, DetailTypeConfigChange, detail, now)
}

// configHistory is the ConfigurationUpdate item of a create, update or
// delete.
func (s *Service) configHistory(old, a *Alarm, now time.Time) HistoryItem {
	cur := a
	if cur == nil {
		cur = old
	}
	h := HistoryItem{AlarmType: cur.AlarmType(), Time: now, Type: HistoryConfigurationUpdate}
	var data map[string]any
	switch {
	case old == nil:
		h.AlarmName, h.Summary = a.Name, fmt.Sprintf("Alarm %q created", a.Name)
		data = map[string]any{"version": "1.0", "type": "Create", "createdAlarm": s.configuration(a)}
	case a == nil:
		h.AlarmName, h.Summary = old.Name, fmt.Sprintf("Alarm %q deleted", old.Name)
		data = map[string]any{"version": "1.0", "type": "Delete", "deletedAlarm": s.configuration(old)}
	default:
		h.AlarmName, h.Summary = a.Name, fmt.Sprintf("Alarm %q updated", a.Name)
		data = map[string]any{"version": "1.0", "type": "Update", "updatedAlarm": s.configuration(a), "originalUpdatedFields": s.configuration(old)}
	}
	h.Data = truncateHistory(marshal(data))
	return h
}

// truncateHistory keeps HistoryData within the model's 4,095 characters.
func truncateHistory(s string) string {
	if len(s) <= 4095 {
		return s
	}
	return `{"version":"1.0","truncated":true}`
}

type historyState struct {
	StateValue      string          `json:"stateValue"`
	StateReason     string          `json:"stateReason"`
	StateReasonData json.RawMessage `json:"stateReasonData,omitempty"`
}

func historyStateOf(st AlarmState) historyState {
	h := historyState{StateValue: st.Value, StateReason: st.Reason}
	if st.ReasonData != "" && json.Valid([]byte(st.ReasonData)) {
		h.StateReasonData = json.RawMessage(st.ReasonData)
	}
	return h
}

// stateHistory is the StateUpdate item of old → a.
func (s *Service) stateHistory(old, a *Alarm, now time.Time) HistoryItem {
	data := struct {
		Version  string       `json:"version"`
		OldState historyState `json:"oldState"`
		NewState historyState `json:"newState"`
	}{"1.0", historyStateOf(old.State), historyStateOf(a.State)}
	d := marshal(data)
	if len(d) > 4095 {
		data.OldState.StateReasonData = nil
		d = truncateHistory(marshal(data))
	}
	return HistoryItem{AlarmName: a.Name, AlarmType: a.AlarmType(), Time: now, Type: HistoryStateUpdate,
		Summary: fmt.Sprintf("Alarm updated from %s to %s", old.State.Value, a.State.Value), Data: d}
}

// actionHistory is the Action item of one published notification.
func (s *Service) actionHistory(a *Alarm, arn, msg string, err error, now time.Time) HistoryItem {
	data := map[string]any{"actionState": "Succeeded", "stateUpdateTimestamp": a.State.Updated.UnixMilli(),
		"notificationResource": arn, "publishedMessage": msg}
	summary := "Successfully executed action " + arn
	if err != nil {
		data = map[string]any{"actionState": "Failed", "stateUpdateTimestamp": a.State.Updated.UnixMilli(),
			"notificationResource": arn, "error": steward.AsError(err).Message}
		summary = "Failed to execute action " + arn
	}
	d := marshal(data)
	if len(d) > 4095 {
		delete(data, "publishedMessage")
		d = marshal(data)
	}
	if len(summary) > 255 {
		summary = summary[:255]
	}
	return HistoryItem{AlarmName: a.Name, AlarmType: a.AlarmType(), Time: now, Type: HistoryAction, Summary: summary, Data: d}
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

type snsDimension struct {
	Value string `json:"value"`
	Name  string `json:"name"`
}

type snsTrigger struct {
	MetricName                       string         `json:"MetricName,omitempty"`
	Namespace                        string         `json:"Namespace,omitempty"`
	StatisticType                    string         `json:"StatisticType,omitempty"`
	Statistic                        string         `json:"Statistic,omitempty"`
	ExtendedStatistic                string         `json:"ExtendedStatistic,omitempty"`
	Unit                             *string        `json:"Unit"`
	Dimensions                       []snsDimension `json:"Dimensions,omitempty"`
	Metrics                          []snsQuery     `json:"Metrics,omitempty"`
	Period                           int            `json:"Period"`
	EvaluationPeriods                int            `json:"EvaluationPeriods"`
	DatapointsToAlarm                int            `json:"DatapointsToAlarm,omitempty"`
	ComparisonOperator               string         `json:"ComparisonOperator"`
	Threshold                        jnum           `json:"Threshold"`
	TreatMissingData                 string         `json:"TreatMissingData"`
	EvaluateLowSampleCountPercentile string         `json:"EvaluateLowSampleCountPercentile"`
}

type snsQuery struct {
	Expression string         `json:"Expression,omitempty"`
	ID         string         `json:"Id"`
	Label      string         `json:"Label,omitempty"`
	MetricStat map[string]any `json:"MetricStat,omitempty"`
	ReturnData bool           `json:"ReturnData"`
}

// snsMessage is the notification of a transition old → a (reference B8).
// Composite alarms carry their AlarmRule and the triggering children
// (from the reason data) instead of a Trigger.
func (s *Service) snsMessage(old, a *Alarm) string {
	if a.Type == AlarmTypeComposite {
		var rd struct {
			TriggeringAlarms []struct {
				ARN   string `json:"arn"`
				State struct {
					Value     string `json:"value"`
					Timestamp string `json:"timestamp"`
				} `json:"state"`
			} `json:"triggeringAlarms"`
		}
		_ = json.Unmarshal([]byte(a.State.ReasonData), &rd)
		type child struct {
			Arn   string `json:"Arn"`
			State struct {
				Value     string `json:"Value"`
				Timestamp string `json:"Timestamp"`
			} `json:"State"`
		}
		children := []child{}
		for _, t := range rd.TriggeringAlarms {
			c := child{Arn: t.ARN}
			c.State.Value, c.State.Timestamp = t.State.Value, t.State.Timestamp
			children = append(children, c)
		}
		var desc *string
		if a.Description != "" {
			desc = &a.Description
		}
		return marshal(struct {
			AlarmName          string   `json:"AlarmName"`
			AlarmDescription   *string  `json:"AlarmDescription"`
			AWSAccountID       string   `json:"AWSAccountId"`
			NewStateValue      string   `json:"NewStateValue"`
			NewStateReason     string   `json:"NewStateReason"`
			StateChangeTime    string   `json:"StateChangeTime"`
			Region             string   `json:"Region"`
			AlarmArn           string   `json:"AlarmArn"`
			OldStateValue      string   `json:"OldStateValue"`
			AlarmRule          string   `json:"AlarmRule"`
			TriggeringChildren []child  `json:"TriggeringChildren"`
			OKActions          []string `json:"OKActions"`
			AlarmActions       []string `json:"AlarmActions"`
			InsufficientData   []string `json:"InsufficientDataActions"`
		}{a.Name, desc, s.env.Account, a.State.Value, a.State.Reason, awsTime(a.State.Updated), RegionName(s.env.Region),
			s.AlarmARN(a.Name), old.State.Value, a.AlarmRule, children, nonNilList(a.OKActions), nonNilList(a.AlarmActions),
			nonNilList(a.InsufficientDataActions)})
	}
	list := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	var desc *string
	if a.Description != "" {
		desc = &a.Description
	}
	tr := snsTrigger{Period: a.period(), EvaluationPeriods: a.EvaluationPeriods, DatapointsToAlarm: a.DatapointsToAlarm,
		ComparisonOperator: a.ComparisonOperator, Threshold: jnum(a.Threshold), TreatMissingData: a.TreatMissingData,
		EvaluateLowSampleCountPercentile: a.EvaluateLowSampleCountPercentile}
	if tr.TreatMissingData == "" {
		tr.TreatMissingData = MissingMissing
	}
	if a.Unit != "" {
		tr.Unit = &a.Unit
	}
	if len(a.Metrics) == 0 {
		tr.MetricName, tr.Namespace = a.MetricName, a.Namespace
		if a.Statistic != "" {
			tr.StatisticType, tr.Statistic = "Statistic", strings.ToUpper(a.Statistic)
		} else {
			tr.StatisticType, tr.ExtendedStatistic = "ExtendedStatistic", a.ExtendedStatistic
		}
		tr.Dimensions = []snsDimension{}
		for _, d := range a.Dimensions {
			tr.Dimensions = append(tr.Dimensions, snsDimension{Value: d.Value, Name: d.Name})
		}
	} else {
		for _, q := range a.Metrics {
			sq := snsQuery{ID: q.ID, Expression: q.Expression, Label: q.Label, ReturnData: q.ReturnData == nil || *q.ReturnData}
			if ms := q.MetricStat; ms != nil {
				dims := []map[string]string{}
				for _, d := range ms.Metric.Dimensions {
					dims = append(dims, map[string]string{"value": d.Value, "name": d.Name})
				}
				sq.MetricStat = map[string]any{"Metric": map[string]any{"Dimensions": dims, "MetricName": ms.Metric.Name, "Namespace": ms.Metric.Namespace},
					"Period": ms.Period, "Stat": ms.Stat}
				if ms.Unit != "" {
					sq.MetricStat["Unit"] = ms.Unit
				}
			}
			tr.Metrics = append(tr.Metrics, sq)
		}
	}
	msg := struct {
		AlarmName                          string     `json:"AlarmName"`
		AlarmDescription                   *string    `json:"AlarmDescription"`
		AWSAccountID                       string     `json:"AWSAccountId"`
		AlarmConfigurationUpdatedTimestamp string     `json:"AlarmConfigurationUpdatedTimestamp"`
		NewStateValue                      string     `json:"NewStateValue"`
		NewStateReason                     string     `json:"NewStateReason"`
		StateChangeTime                    string     `json:"StateChangeTime"`
		Region                             string     `json:"Region"`
		AlarmArn                           string     `json:"AlarmArn"`
		OldStateValue                      string     `json:"OldStateValue"`
		OKActions                          []string   `json:"OKActions"`
		AlarmActions                       []string   `json:"AlarmActions"`
		InsufficientDataActions            []string   `json:"InsufficientDataActions"`
		Trigger                            snsTrigger `json:"Trigger"`
	}{a.Name, desc, s.env.Account, awsTime(a.ConfigurationUpdated), a.State.Value, a.State.Reason, awsTime(a.State.Updated),
		RegionName(s.env.Region), s.AlarmARN(a.Name), old.State.Value, list(a.OKActions), list(a.AlarmActions),
		list(a.InsufficientDataActions), tr}
	return marshal(msg)
}
