package cloudwatchapi_test

import (
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stewardhq/steward/server/servertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// volatile are the parts of a response that change from run to run.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "UUID"},
	{regexp.MustCompile(`20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z`), "ISO-TIME"},
	{regexp.MustCompile(`1[78][0-9]{8}(\.[0-9]+)?`), "EPOCH"},
}

// TestGoldenWire pins what awsJson1_0 and awsQuery put on the wire for the
// metric operations and their errors: testdata/*.golden, rewritten with
// -update.
func TestGoldenWire(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	base := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	epoch := func(m int) string { return fmt.Sprint(at(m).Unix()) }
	iso := func(m int) string { return url.QueryEscape(at(m).Format(time.RFC3339)) }
	steps := []struct{ name, target, body string }{
		{"put_json", "PutMetricData", `{"Namespace":"Golden","MetricData":[` +
			`{"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}],"Timestamp":` + epoch(0) + `,"Values":[1,2,3,4],"Counts":[1,1,1,7],"Unit":"Milliseconds"},` +
			`{"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}],"Timestamp":` + epoch(1) + `,"StatisticValues":{"SampleCount":2,"Sum":10,"Minimum":4,"Maximum":6},"Unit":"Milliseconds"},` +
			`{"MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}],"Timestamp":` + epoch(1) + `,"Value":9}]}`},
		{"put_query", "", `Action=PutMetricData&Version=2010-08-01&Namespace=Golden&MetricData.member.1.MetricName=Requests&MetricData.member.1.Value=3&MetricData.member.1.Unit=Count&MetricData.member.1.Timestamp=` + iso(0)},
		{"statistics_json", "GetMetricStatistics", `{"Namespace":"Golden","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}],"StartTime":` + epoch(0) + `,"EndTime":` + epoch(2) + `,"Period":60,"ExtendedStatistics":["p50","tm90","PR(:2)"]}`},
		{"statistics_query", "", `Action=GetMetricStatistics&Version=2010-08-01&Namespace=Golden&MetricName=Latency&Dimensions.member.1.Name=Host&Dimensions.member.1.Value=web-1&StartTime=` + iso(0) + `&EndTime=` + iso(2) + `&Period=60&Statistics.member.1=Sum&Statistics.member.2=SampleCount`},
		{"extended_query", "", `Action=GetMetricStatistics&Version=2010-08-01&Namespace=Golden&MetricName=Latency&Dimensions.member.1.Name=Host&Dimensions.member.1.Value=web-1&StartTime=` + iso(0) + `&EndTime=` + iso(1) + `&Period=60&Unit=Milliseconds&ExtendedStatistics.member.1=p99&ExtendedStatistics.member.2=IQM`},
		{"data_json", "GetMetricData", `{"StartTime":` + epoch(0) + `,"EndTime":` + epoch(2) + `,"MaxDatapoints":1,"MetricDataQueries":[{"Id":"lat","MetricStat":{"Metric":{"Namespace":"Golden","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}]},"Period":60,"Stat":"Average"}}]}`},
		{"data_query", "", `Action=GetMetricData&Version=2010-08-01&StartTime=` + iso(0) + `&EndTime=` + iso(2) + `&ScanBy=TimestampAscending&MetricDataQueries.member.1.Id=req&MetricDataQueries.member.1.Label=requests&MetricDataQueries.member.1.MetricStat.Metric.Namespace=Golden&MetricDataQueries.member.1.MetricStat.Metric.MetricName=Requests&MetricDataQueries.member.1.MetricStat.Period=300&MetricDataQueries.member.1.MetricStat.Stat=Sum`},
		{"math_json", "GetMetricData", `{"StartTime":` + epoch(0) + `,"EndTime":` + epoch(2) + `,"ScanBy":"TimestampAscending","MetricDataQueries":[{"Id":"lat","ReturnData":false,"MetricStat":{"Metric":{"Namespace":"Golden","MetricName":"Latency","Dimensions":[{"Name":"Host","Value":"web-1"}]},"Period":60,"Stat":"Sum"}},{"Id":"ms","Expression":"lat * 1000","Label":"microseconds"}]}`},
		{"list_json", "ListMetrics", `{"Namespace":"Golden","Dimensions":[{"Name":"Host"}]}`},
		{"list_query", "", `Action=ListMetrics&Version=2010-08-01&Namespace=Golden`},
		{"error_namespace_json", "PutMetricData", `{"Namespace":"AWS/EC2","MetricData":[{"MetricName":"m","Value":1}]}`},
		{"error_combination_json", "PutMetricData", `{"Namespace":"Golden","MetricData":[{"MetricName":"m","Value":1,"Values":[1]}]}`},
		{"error_period_query", "", `Action=GetMetricStatistics&Version=2010-08-01&Namespace=Golden&MetricName=Latency&StartTime=` + iso(0) + `&EndTime=` + iso(2) + `&Period=45&Statistics.member.1=Sum`},
		{"error_both_statistics_query", "", `Action=GetMetricStatistics&Version=2010-08-01&Namespace=Golden&MetricName=Latency&StartTime=` + iso(0) + `&EndTime=` + iso(2) + `&Period=60&Statistics.member.1=Sum&ExtendedStatistics.member.1=p50`},
		{"error_missing_query", "", `Action=PutMetricData&Version=2010-08-01&Namespace=Golden`},
		{"error_expression_json", "GetMetricData", `{"StartTime":` + epoch(0) + `,"EndTime":` + epoch(2) + `,"MetricDataQueries":[{"Id":"e1","Expression":"FILL(m1, 0)"}]}`},
	}
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
		for _, v := range volatile {
			got = v.re.ReplaceAllString(got, v.with)
		}
		servertest.Golden(t, *update, s.name, got)
	}
}
