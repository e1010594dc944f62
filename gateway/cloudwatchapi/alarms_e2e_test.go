package cloudwatchapi_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
	"github.com/stewardhq/steward/sqlstore"
)

// TestGoldenAlarms pins what awsJson1_0 and awsQuery put on the wire for
// the alarm operations and their errors (testdata/alarm_*.golden,
// rewritten with -update). The SDK (CBOR) and the CLIs drive the same
// operations in e2e/cloudwatch_alarms_test.go.
func TestGoldenAlarms(t *testing.T) {
	t.Parallel()
	// A clock standing still on a minute: each alarm is evaluated once, at
	// creation, and then due a minute later.
	clk := steward.NewFakeClock(time.Now().UTC().Truncate(time.Minute))
	srv := servertest.Start(t, func(c *server.Config) { c.Clock = clk })
	store := sqlstore.NewAlarmsStore(srv.DB())
	evaluated := func(name string) bool {
		a, err := store.GetAlarm(context.Background(), name)
		return err == nil && a != nil && a.NextEvaluation.Equal(clk.Now().Add(time.Minute)) // not the claim's lease
	}
	arn := "arn:aws:cloudwatch:us-east-1:000000000000:alarm:disk-full"
	steps := []struct{ name, target, body string }{
		{"put_json", "PutMetricAlarm", `{"AlarmName":"disk-full","AlarmDescription":"Disk > 90%","Namespace":"CWAgent","MetricName":"disk_used_percent",` +
			`"Dimensions":[{"Name":"path","Value":"/"},{"Name":"InstanceId","Value":"mi-0123456789abcdef0"}],"Statistic":"Maximum","Period":300,` +
			`"EvaluationPeriods":3,"DatapointsToAlarm":2,"Threshold":90,"ComparisonOperator":"GreaterThanOrEqualToThreshold","TreatMissingData":"breaching",` +
			`"Unit":"Percent","TreatMissingData":"missing","Tags":[{"Key":"team","Value":"ops"}]}`},
		{"put_query", "", `Action=PutMetricAlarm&Version=2010-08-01&AlarmName=error-rate&EvaluationPeriods=1&Threshold=5&ComparisonOperator=GreaterThanThreshold` +
			`&Metrics.member.1.Id=m1&Metrics.member.1.ReturnData=false&Metrics.member.1.MetricStat.Metric.Namespace=App&Metrics.member.1.MetricStat.Metric.MetricName=errors` +
			`&Metrics.member.1.MetricStat.Period=60&Metrics.member.1.MetricStat.Stat=Sum&Metrics.member.2.Id=e1&Metrics.member.2.Expression=m1%20*%202&Metrics.member.2.Label=doubled`},
		{"put_composite_query", "", `Action=PutCompositeAlarm&Version=2010-08-01&AlarmName=host-down&AlarmRule=ALARM(%22disk-full%22)%20OR%20ALARM(error-rate)` +
			`&AlarmDescription=host&ActionsSuppressor=error-rate&ActionsSuppressorWaitPeriod=60&ActionsSuppressorExtensionPeriod=120`},
		{"describe_json", "DescribeAlarms", `{"AlarmNames":["disk-full"]}`},
		{"describe_composite_json", "DescribeAlarms", `{"AlarmTypes":["CompositeAlarm","MetricAlarm"],"AlarmNamePrefix":"host"}`},
		{"describe_parents_query", "", `Action=DescribeAlarms&Version=2010-08-01&ParentsOfAlarmName=error-rate&AlarmTypes.member.1=CompositeAlarm`},
		{"error_rule_json", "PutCompositeAlarm", `{"AlarmName":"bad","AlarmRule":"ALARM(disk-full) XOR TRUE"}`},
		{"describe_query", "", `Action=DescribeAlarms&Version=2010-08-01&AlarmNamePrefix=error`},
		{"for_metric_json", "DescribeAlarmsForMetric", `{"Namespace":"CWAgent","MetricName":"disk_used_percent","Dimensions":[{"Name":"InstanceId","Value":"mi-0123456789abcdef0"},{"Name":"path","Value":"/"}]}`},
		{"set_state_query", "", `Action=SetAlarmState&Version=2010-08-01&AlarmName=disk-full&StateValue=ALARM&StateReason=test&StateReasonData=%7B%22by%22%3A%22hand%22%7D`},
		{"disable_json", "DisableAlarmActions", `{"AlarmNames":["disk-full"]}`},
		{"history_json", "DescribeAlarmHistory", `{"AlarmName":"disk-full","HistoryItemType":"StateUpdate"}`},
		{"tags_query", "", `Action=ListTagsForResource&Version=2010-08-01&ResourceARN=` + arn},
		{"tag_json", "TagResource", `{"ResourceARN":"` + arn + `","Tags":[{"Key":"env","Value":"prod"}]}`},
		{"untag_query", "", `Action=UntagResource&Version=2010-08-01&ResourceARN=` + arn + `&TagKeys.member.1=team`},
		{"tags_json", "ListTagsForResource", `{"ResourceARN":"` + arn + `"}`},
		{"delete_query", "", `Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=error-rate`},
		{"error_actions_json", "PutMetricAlarm", `{"AlarmName":"x","Namespace":"A","MetricName":"m","Statistic":"Sum","Period":60,"EvaluationPeriods":1,"Threshold":1,` +
			`"ComparisonOperator":"GreaterThanThreshold","AlarmActions":["arn:aws:sns:us-east-1:000000000000:a","arn:aws:sns:us-east-1:000000000000:b",` +
			`"arn:aws:sns:us-east-1:000000000000:c","arn:aws:sns:us-east-1:000000000000:d","arn:aws:sns:us-east-1:000000000000:e","arn:aws:sns:us-east-1:000000000000:f"]}`},
		{"error_window_query", "", `Action=PutMetricAlarm&Version=2010-08-01&AlarmName=x&Namespace=A&MetricName=m&Statistic=Sum&Period=3600&EvaluationPeriods=25&Threshold=1&ComparisonOperator=GreaterThanThreshold`},
		{"error_reason_data_query", "", `Action=SetAlarmState&Version=2010-08-01&AlarmName=disk-full&StateValue=OK&StateReason=x&StateReasonData=nope`},
		{"error_not_found_json", "SetAlarmState", `{"AlarmName":"nope","StateValue":"OK","StateReason":"x"}`},
		{"error_tags_not_found_query", "", `Action=ListTagsForResource&Version=2010-08-01&ResourceARN=arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope`},
		{"error_token_json", "DescribeAlarmHistory", `{"NextToken":"bogus"}`},
	}
	awsTime := regexp.MustCompile(`20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+0000`)
	longTime := regexp.MustCompile(`[A-Z][a-z]+day [0-9]{2} [A-Z][a-z]+, 20[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC`)
	for _, s := range steps {
		target := ""
		if s.target != "" {
			target = "GraniteServiceVersion20100801." + s.target
		}
		status, header, body := srv.Raw(t, "monitoring", "application/x-amz-json-1.0", target, []byte(s.body))
		got := fmt.Sprintf("HTTP %d\n", status)
		for _, h := range []string{"Content-Type", "X-Amzn-Query-Error"} {
			if v := header.Get(h); v != "" {
				got += h + ": " + v + "\n"
			}
		}
		got += string(body) + "\n"
		got = awsTime.ReplaceAllString(got, "AWS-TIME")
		got = longTime.ReplaceAllString(got, "LONG-TIME")
		for _, v := range volatile {
			got = v.re.ReplaceAllString(got, v.with)
		}
		servertest.Golden(t, *update, "alarm_"+s.name, got)
		if s.name == "put_composite_query" {
			servertest.WaitFor(t, 10*time.Second, "the first evaluations", func() bool {
				return evaluated("disk-full") && evaluated("error-rate") && evaluated("host-down")
			})
		}
	}
}
