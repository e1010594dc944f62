package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// TestCloudWatchAlarms: a metric alarm made with aws-sdk-go-v2 (CBOR) is
// driven OK → ALARM → OK by PutMetricData under a fake clock; each state
// change reaches an SQS queue through an EventBridge rule (made with the
// CLI) as AWS's "CloudWatch Alarm State Change" event, and each action an
// SQS subscription of an SNS topic as AWS's notification. `aws cloudwatch
// set-alarm-state` fires the same with both CLIs; DescribeAlarms and
// DescribeAlarmHistory are read with the SDK and both CLIs.
func TestCloudWatchAlarms(t *testing.T) {
	t.Parallel()
	cloudWatchAlarms(t)
}

// TestCloudWatchAlarmsPostgres: the same on PostgreSQL.
func TestCloudWatchAlarmsPostgres(t *testing.T) {
	t.Parallel()
	cloudWatchAlarms(t, servertest.WithDatabase(pgtest.URL(t)))
}

func cloudWatchAlarms(t *testing.T, opts ...servertest.Option) {
	clk := steward.NewFakeClock(time.Now().UTC().Truncate(time.Minute))
	srv := servertest.Start(t, append(opts, func(c *server.Config) { c.Clock = clk })...)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	cw, q, n := cloudwatch.NewFromConfig(cfg), sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)

	eventsURL, eventsARN := evQueue(t, q, "alarm-events")
	notesURL, notesARN := evQueue(t, q, "alarm-notes")
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(notesARN)}); err != nil {
		t.Fatal(err)
	}
	const name = "web-01-cpu-high"
	arn := "arn:aws:cloudwatch:us-east-1:000000000000:alarm:" + name
	evCLI(t, srv, servertest.CLIv1, "events", "put-rule", "--name", "alarm-changes", "--event-pattern",
		`{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"resources":["`+arn+`"]}`)
	evCLI(t, srv, servertest.CLIv1, "events", "put-targets", "--rule", "alarm-changes", "--targets", `[{"Id":"q","Arn":"`+eventsARN+`"}]`)

	dims := []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String("mi-0123456789abcdef0")}, {Name: aws.String("cpu"), Value: aws.String("cpu-total")}}
	if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(name), AlarmDescription: aws.String("CPU above 90%"),
		Namespace: aws.String("CWAgent"), MetricName: aws.String("cpu_usage_active"), Dimensions: dims, Statistic: cwtypes.StatisticAverage,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(90), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		AlarmActions: []string{aws.ToString(topic.TopicArn)}, OKActions: []string{aws.ToString(topic.TopicArn)},
		Tags: []cwtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}}}); err != nil {
		t.Fatal(err)
	}
	_, err = cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("bad"), Namespace: aws.String("CWAgent"),
		MetricName: aws.String("m"), Statistic: cwtypes.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		AlarmActions: []string{"arn:aws:automate:us-east-1:ec2:stop"}})
	if c := apiCodeOf(err); c != "InvalidParameterValue" {
		t.Errorf("EC2 action: %v", err)
	}

	evaluate := func(v float64) {
		t.Helper()
		if _, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("CWAgent"), MetricData: []cwtypes.MetricDatum{{
			MetricName: aws.String("cpu_usage_active"), Dimensions: dims, Value: aws.Float64(v), Unit: cwtypes.StandardUnitPercent,
			Timestamp: aws.Time(clk.Now())}}}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
		if _, err := srv.Metrics().EvaluateAlarms(ctx); err != nil {
			t.Fatal(err)
		}
	}
	type stateChange struct {
		Source     string   `json:"source"`
		DetailType string   `json:"detail-type"`
		Resources  []string `json:"resources"`
		Detail     struct {
			AlarmName string `json:"alarmName"`
			State     struct {
				Value, Reason, ReasonData, Timestamp string
			} `json:"state"`
			PreviousState struct{ Value string } `json:"previousState"`
			Configuration struct {
				Description string `json:"description"`
				Metrics     []struct {
					ID         string `json:"id"`
					MetricStat struct {
						Metric struct {
							Namespace, Name string
							Dimensions      map[string]string
						} `json:"metric"`
						Period int    `json:"period"`
						Stat   string `json:"stat"`
					} `json:"metricStat"`
					ReturnData bool `json:"returnData"`
				} `json:"metrics"`
			} `json:"configuration"`
		} `json:"detail"`
	}
	nextEvent := func(from, to string) stateChange {
		t.Helper()
		m := evReceive(t, q, eventsURL, 1)
		var e stateChange
		if err := json.Unmarshal([]byte(aws.ToString(m[0].Body)), &e); err != nil {
			t.Fatal(err)
		}
		if e.Source != "aws.cloudwatch" || e.DetailType != "CloudWatch Alarm State Change" || e.Resources[0] != arn ||
			e.Detail.AlarmName != name || e.Detail.PreviousState.Value != from || e.Detail.State.Value != to ||
			!strings.HasSuffix(e.Detail.State.Timestamp, "+0000") {
			t.Fatalf("event %s → %s: %s", from, to, aws.ToString(m[0].Body))
		}
		return e
	}
	type notification struct {
		Subject string
		Body    map[string]any
		Raw     string
	}
	nextNote := func(to string) notification {
		t.Helper()
		m := evReceive(t, q, notesURL, 1)
		var env struct{ Subject, Message string }
		if err := json.Unmarshal([]byte(aws.ToString(m[0].Body)), &env); err != nil {
			t.Fatal(err)
		}
		nt := notification{Subject: env.Subject, Raw: env.Message}
		if err := json.Unmarshal([]byte(env.Message), &nt.Body); err != nil {
			t.Fatalf("message %q: %v", env.Message, err)
		}
		if want := to + `: "` + name + `" in US East (N. Virginia)`; nt.Subject != want || nt.Body["NewStateValue"] != to {
			t.Fatalf("notification %q %s, want %q", nt.Subject, env.Message, want)
		}
		return nt
	}

	// INSUFFICIENT_DATA → OK → ALARM → OK.
	if _, err := srv.Metrics().EvaluateAlarms(ctx); err != nil {
		t.Fatal(err)
	}
	evaluate(10)
	nextEvent("INSUFFICIENT_DATA", "OK")
	nextNote("OK")
	evaluate(97.5)
	e := nextEvent("OK", "ALARM")
	if !strings.HasPrefix(e.Detail.State.Reason, "Threshold Crossed: 1 datapoint [97.5 (") || !strings.HasSuffix(e.Detail.State.Reason, "was greater than the threshold (90.0).") {
		t.Errorf("reason %q", e.Detail.State.Reason)
	}
	var rd map[string]any
	if err := json.Unmarshal([]byte(e.Detail.State.ReasonData), &rd); err != nil || rd["statistic"] != "Average" || rd["unit"] != nil {
		t.Errorf("reasonData %q", e.Detail.State.ReasonData)
	}
	if ms := e.Detail.Configuration.Metrics; len(ms) != 1 || ms[0].MetricStat.Metric.Dimensions["InstanceId"] != "mi-0123456789abcdef0" ||
		ms[0].MetricStat.Metric.Dimensions["cpu"] != "cpu-total" || ms[0].MetricStat.Stat != "Average" || ms[0].MetricStat.Period != 60 ||
		!ms[0].ReturnData || e.Detail.Configuration.Description != "CPU above 90%" {
		t.Errorf("configuration %+v", e.Detail.Configuration)
	}
	nt := nextNote("ALARM")
	trig, _ := nt.Body["Trigger"].(map[string]any)
	if nt.Body["OldStateValue"] != "OK" || nt.Body["AlarmArn"] != arn || nt.Body["AWSAccountId"] != "000000000000" ||
		nt.Body["Region"] != "US East (N. Virginia)" || trig["Statistic"] != "AVERAGE" || trig["MetricName"] != "cpu_usage_active" ||
		!strings.Contains(nt.Raw, `"Threshold":90.0`) || !strings.Contains(nt.Raw, `"Unit":null`) {
		t.Errorf("notification %s", nt.Raw)
	}
	evaluate(5)
	nextEvent("ALARM", "OK")
	nextNote("OK")

	// set-alarm-state fires with each CLI; the next evaluation sets it back.
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		servertest.NeedBinary(t, bin)
		c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "cloudwatch"}
		c.JSON("set-alarm-state", "--alarm-name", name, "--state-value", "ALARM", "--state-reason", "test", "--state-reason-data", `{"by":"`+bin+`"}`)
		e := nextEvent("OK", "ALARM")
		if e.Detail.State.Reason != "test" || e.Detail.State.ReasonData != `{"by":"`+bin+`"}` {
			t.Errorf("%s: set-alarm-state event state %+v", bin, e.Detail.State)
		}
		nextNote("ALARM")
		c.Fails("InvalidFormat", "set-alarm-state", "--alarm-name", name, "--state-value", "OK", "--state-reason", "x", "--state-reason-data", "{nope")
		c.Fails("ResourceNotFound", "set-alarm-state", "--alarm-name", "nope", "--state-value", "OK", "--state-reason", "x")
		out := c.JSON("describe-alarms", "--alarm-names", name)
		as, _ := out["MetricAlarms"].([]any)
		if len(as) != 1 {
			t.Fatalf("%s describe-alarms: %v", bin, out)
		}
		a := as[0].(map[string]any)
		if a["StateValue"] != "ALARM" || a["StateReason"] != "test" || a["AlarmArn"] != arn || a["Threshold"] != 90.0 ||
			a["EvaluationPeriods"] != 1.0 || len(a["Dimensions"].([]any)) != 2 || a["StateTransitionedTimestamp"] == nil {
			t.Errorf("%s describe-alarms: %v", bin, a)
		}
		evaluate(5)
		nextEvent("ALARM", "OK")
		nextNote("OK")
		out = c.JSON("describe-alarm-history", "--alarm-name", name, "--history-item-type", "StateUpdate", "--max-records", "2")
		items, _ := out["AlarmHistoryItems"].([]any)
		if len(items) != 2 || out["NextToken"] == nil {
			t.Fatalf("%s describe-alarm-history: %v", bin, out)
		}
		h := items[0].(map[string]any)
		if h["HistorySummary"] != "Alarm updated from ALARM to OK" || h["AlarmType"] != "MetricAlarm" {
			t.Errorf("%s history item %v", bin, h)
		}
		// Scenario S5's process alarm, made with the CLI: no data, treated as
		// breaching.
		pid := "nginx-down-" + map[string]string{servertest.CLIv1: "v1", servertest.CLIDebian: "debian"}[bin]
		c.JSON("put-metric-alarm", "--alarm-name", pid, "--namespace", "CWAgent", "--metric-name", "procstat_lookup_pid_count",
			"--dimensions", "Name=InstanceId,Value=mi-0123456789abcdef0", "Name=pattern,Value=nginx", "--statistic", "Minimum",
			"--period", "60", "--evaluation-periods", "1", "--threshold", "0", "--comparison-operator", "LessThanOrEqualToThreshold",
			"--treat-missing-data", "breaching")
		c.Fails("InvalidParameterValue", "put-metric-alarm", "--alarm-name", "x", "--namespace", "CWAgent", "--metric-name", "m",
			"--statistic", "Minimum", "--period", "45", "--evaluation-periods", "1", "--threshold", "0", "--comparison-operator", "LessThanThreshold")
		if _, err := srv.Metrics().EvaluateAlarms(ctx); err != nil {
			t.Fatal(err)
		}
		out = c.JSON("describe-alarms-for-metric", "--namespace", "CWAgent", "--metric-name", "procstat_lookup_pid_count",
			"--dimensions", "Name=pattern,Value=nginx", "Name=InstanceId,Value=mi-0123456789abcdef0")
		found := false
		for _, x := range out["MetricAlarms"].([]any) {
			a := x.(map[string]any)
			if a["AlarmName"] == pid {
				found = a["StateValue"] == "ALARM" && a["StateReason"] == "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching]."
				if !found {
					t.Errorf("%s: %v", bin, a)
				}
			}
		}
		if !found {
			t.Errorf("%s describe-alarms-for-metric: %v", bin, out)
		}
		out = c.JSON("list-tags-for-resource", "--resource-arn", arn)
		if tags, _ := out["Tags"].([]any); len(tags) != 1 {
			t.Errorf("%s list-tags-for-resource: %v", bin, out)
		}
	}

	// DescribeAlarms and DescribeAlarmHistory through the SDK (CBOR).
	da, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("web-"), StateValue: cwtypes.StateValueOk})
	if err != nil {
		t.Fatal(err)
	}
	if len(da.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms = %+v", da)
	}
	ma := da.MetricAlarms[0]
	if aws.ToString(ma.AlarmArn) != arn || aws.ToString(ma.StateReasonData) == "" || ma.StateUpdatedTimestamp == nil ||
		!aws.ToBool(ma.ActionsEnabled) || ma.Statistic != cwtypes.StatisticAverage || aws.ToInt32(ma.Period) != 60 ||
		len(ma.AlarmActions) != 1 || ma.AlarmConfigurationUpdatedTimestamp == nil {
		t.Errorf("MetricAlarm = %+v", ma)
	}
	var hist []cwtypes.AlarmHistoryItem
	p := cloudwatch.NewDescribeAlarmHistoryPaginator(cw, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String(name), MaxRecords: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hist = append(hist, page.AlarmHistoryItems...)
	}
	count := map[cwtypes.HistoryItemType]int{}
	for _, h := range hist {
		count[h.HistoryItemType]++
	}
	// Created; 7 state changes, each with one notification.
	if count[cwtypes.HistoryItemTypeConfigurationUpdate] != 1 || count[cwtypes.HistoryItemTypeStateUpdate] != 7 || count[cwtypes.HistoryItemTypeAction] != 7 {
		t.Errorf("history = %v", count)
	}
	if _, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name, "nginx-down-v1", "nginx-down-debian"}}); err != nil {
		t.Fatal(err)
	}
	if da, _ := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); len(da.MetricAlarms) != 0 {
		t.Errorf("after delete: %d alarms", len(da.MetricAlarms))
	}
}
