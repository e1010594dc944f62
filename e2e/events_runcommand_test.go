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
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// alarmChange puts a "CloudWatch Alarm State Change" event with
// `aws events put-events`, as CloudWatch will put one when an alarm changes
// state. AWS refuses aws.* sources from PutEvents; the server here allows
// them (--allow-aws-event-sources, on in `steward dev`).
func alarmChange(t *testing.T, srv *servertest.Server, bin, alarmARN, from, to string) {
	t.Helper()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000+0000")
	detail, _ := json.Marshal(map[string]any{
		"alarmName":     alarmARN[strings.LastIndex(alarmARN, ":")+1:],
		"state":         map[string]any{"value": to, "reason": "test", "timestamp": now},
		"previousState": map[string]any{"value": from, "reason": "before", "timestamp": now},
	})
	entries, _ := json.Marshal([]map[string]any{{"Source": "aws.cloudwatch", "DetailType": "CloudWatch Alarm State Change",
		"Resources": []string{alarmARN}, "Detail": string(detail)}})
	out := evCLI(t, srv, bin, "events", "put-events", "--entries", string(entries))
	if n, _ := out["FailedEntryCount"].(float64); n != 0 {
		t.Fatalf("put-events: %v", out)
	}
}

// TestEventsRunCommandOnAlarm is seed S3 with a real agent: a rule on the
// alarm's state change to ALARM runs AWS-RunShellScript on the node with the
// seed's constant input; the command and its output show in the command
// history. The same rule without the detail.state filter fires on OK→ALARM
// and on ALARM→OK.
func TestEventsRunCommandOnAlarm(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, func(c *server.Config) { c.AllowAWSEventSources = true })
	cfg := srv.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, srv.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)
	alarm := "arn:aws:cloudwatch:us-east-1:000000000000:alarm:awsec2-" + agent.NodeID + "-High-Status-Check-Failed-System-"
	bin := servertest.CLIv1
	target := func(id string) string {
		return `[{"Id":"` + id + `","Arn":"arn:aws:ssm:us-east-1::document/AWS-RunShellScript",` +
			`"Input":"{\"commands\": [\"echo 'Run Command Test Success!! Yeah!! Yeah!! '\"]}",` +
			`"RunCommandParameters":{"RunCommandTargets":[{"Key":"InstanceIds","Values":["` + agent.NodeID + `"]}]}}]`
	}
	evCLI(t, srv, bin, "events", "put-rule", "--name", "ssm-runcommand-test",
		"--event-pattern", `{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"resources":["`+alarm+`"],"detail":{"state":{"value":["ALARM"]}}}`)
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "ssm-runcommand-test", "--targets", target("Id1"))

	commands := func() []string {
		out, err := c.ListCommands(context.Background(), &ssm.ListCommandsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, cmd := range out.Commands {
			ids = append(ids, aws.ToString(cmd.CommandId))
		}
		return ids
	}
	alarmChange(t, srv, bin, alarm, "OK", "ALARM")
	var cmdID string
	servertest.WaitFor(t, 30*time.Second, "the command", func() bool {
		ids := commands()
		if len(ids) == 1 {
			cmdID = ids[0]
		}
		return len(ids) == 1
	})
	waitCommand(t, c, cmdID, time.Minute)
	inv := getInvocation(t, c, cmdID, agent.NodeID)
	if !strings.Contains(aws.ToString(inv.StandardOutputContent), "Run Command Test Success!! Yeah!! Yeah!!") {
		t.Fatalf("output %q", aws.ToString(inv.StandardOutputContent))
	}
	// Back to OK: the filtered rule does not fire.
	alarmChange(t, srv, servertest.CLIDebian, alarm, "ALARM", "OK")

	// Without the detail.state filter, both transitions fire.
	evCLI(t, srv, bin, "events", "put-rule", "--name", "any-state",
		"--event-pattern", `{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"resources":["`+alarm+`"]}`)
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "any-state", "--targets", target("Id2"))
	alarmChange(t, srv, servertest.CLIDebian, alarm, "OK", "ALARM")
	alarmChange(t, srv, bin, alarm, "ALARM", "OK")
	// 1 (first) + 1 (filtered rule, OK→ALARM) + 2 (unfiltered, both ways).
	servertest.WaitFor(t, time.Minute, "four commands", func() bool { return len(commands()) == 4 })
	for _, id := range commands() {
		if got := waitCommand(t, c, id, time.Minute); got.Status != "Success" {
			t.Errorf("command %s: %s", id, got.Status)
		}
	}
	// The rule's metrics count what happened (recorded as the deliveries
	// finish).
	counts := map[string]int64{}
	servertest.WaitFor(t, 30*time.Second, "the metrics", func() bool {
		ms, err := srv.Events().Metrics(context.Background(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		counts = map[string]int64{}
		for _, m := range ms {
			counts[m.Rule+"/"+m.Name] += m.Value
		}
		return counts["ssm-runcommand-test/Invocations"] == 2 && counts["any-state/Invocations"] == 2
	})
	if counts["ssm-runcommand-test/MatchedEvents"] != 2 || counts["any-state/MatchedEvents"] != 2 || counts["any-state/TriggeredRules"] != 2 {
		t.Errorf("metrics %v", counts)
	}
	// The same counters through CloudWatch (namespace AWS/Events), once
	// exported (every 10 s; here at once).
	if err := srv.ExportEventMetrics(context.Background()); err != nil {
		t.Fatal(err)
	}
	cw := cloudwatch.NewFromConfig(cfg)
	now := time.Now()
	for rule, want := range map[string]float64{"ssm-runcommand-test": 2, "any-state": 2} {
		out, err := cw.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/Events"), MetricName: aws.String("Invocations"),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("RuleName"), Value: aws.String(rule)}},
			StartTime:  aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Minute)), Period: aws.Int32(3600),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
		})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, d := range out.Datapoints {
			sum += aws.ToFloat64(d.Sum)
		}
		if sum != want {
			t.Errorf("CloudWatch AWS/Events Invocations{RuleName=%s} = %v, want %v", rule, sum, want)
		}
	}
}

// TestEventsCommandFailureNotification is seed S2's rule: a command that
// fails on purpose on a real agent produces an "EC2 Command Invocation
// Status-change Notification" (source aws.ssm) that a default-bus rule on
// the document names and status Failed turns, through an input transformer,
// into the notification text (here read from an SQS queue).
func TestEventsCommandFailureNotification(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	cfg := srv.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, srv.URL, cfg, id, code, nil)
	q := sqs.NewFromConfig(cfg)
	url, arn := evQueue(t, q, "command-failures")
	bin := servertest.CLIDebian
	evCLI(t, srv, bin, "events", "put-rule", "--name", "ssm-command-failed", "--event-pattern",
		`{"source":["aws.ssm"],"detail-type":["EC2 Command Invocation Status-change Notification"],`+
			`"detail":{"document-name":["AWS-UpdateSSMAgent","AWS-ConfigureAWSPackage","AWS-RunShellScript"],"status":["Failed"]}}`)
	evCLI(t, srv, bin, "events", "put-targets", "--rule", "ssm-command-failed", "--targets", `[{"Id":"mail","Arn":"`+arn+`",`+
		`"InputTransformer":{"InputPathsMap":{"time":"$.time","command":"$.detail.command-id","document":"$.detail.document-name","node":"$.detail.instance-id"},`+
		`"InputTemplate":"\"障害発生 <time>: command <command> (<document>) failed on <node>\""}}]`)
	c := ssm.NewFromConfig(cfg)
	ok := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}}, "echo fine")
	bad := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}}, "echo about to fail", "exit 3")
	waitCommand(t, c, aws.ToString(ok.CommandId), time.Minute)
	waitCommand(t, c, aws.ToString(bad.CommandId), time.Minute)
	msgs := evReceive(t, q, url, 1)
	body := aws.ToString(msgs[0].Body)
	if !strings.HasPrefix(body, `"障害発生 `) || !strings.Contains(body, "command "+aws.ToString(bad.CommandId)+" (AWS-RunShellScript) failed on "+agent.NodeID) {
		t.Errorf("notification %s", body)
	}
	// Only the failed command notifies.
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 0 {
		t.Errorf("more notifications: %v %v", out, err)
	}
}

// TestSeedS3WithARealAlarm is seed S3 end to end with nothing simulated: an
// alarm on the node's health metric (AWS/EC2 StatusCheckFailed_System, which
// the server publishes for managed nodes), the seed's rule and Run Command
// target, and `aws cloudwatch set-alarm-state` as the seed fires it; the
// command runs on the real agent and its output shows.
func TestSeedS3WithARealAlarm(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	cfg := srv.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, srv.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)
	name := "awsec2-" + agent.NodeID + "-High-Status-Check-Failed-System-"
	cw := servertest.ServiceCLI{T: t, Srv: srv, Bin: servertest.CLIDebian, Service: "cloudwatch"}
	cw.JSON("put-metric-alarm", "--alarm-name", name, "--namespace", "AWS/EC2", "--metric-name", "StatusCheckFailed_System",
		"--dimensions", "Name=InstanceId,Value="+agent.NodeID, "--statistic", "Average", "--period", "60",
		"--evaluation-periods", "2", "--threshold", "1", "--comparison-operator", "GreaterThanOrEqualToThreshold")
	alarms := cw.JSON("describe-alarms", "--alarm-names", name)
	list, _ := alarms["MetricAlarms"].([]any)
	if len(list) != 1 {
		t.Fatalf("describe-alarms: %v", alarms)
	}
	alarm, _ := list[0].(map[string]any)["AlarmArn"].(string)

	ev := servertest.ServiceCLI{T: t, Srv: srv, Bin: servertest.CLIv1, Service: "events"}
	ev.JSON("put-rule", "--name", "ssm-runcommand-test",
		"--event-pattern", `{"source":["aws.cloudwatch"],"detail-type":["CloudWatch Alarm State Change"],"resources":["`+alarm+`"],"detail":{"state":{"value":["ALARM"]}}}`)
	ev.JSON("put-targets", "--rule", "ssm-runcommand-test", "--targets", `[{"Id":"Id1","Arn":"arn:aws:ssm:us-east-1::document/AWS-RunShellScript",`+
		`"Input":"{\"commands\": [\"echo 'Run Command Test Success!! Yeah!! Yeah!! '\"]}",`+
		`"RunCommandParameters":{"RunCommandTargets":[{"Key":"InstanceIds","Values":["`+agent.NodeID+`"]}]}}]`)

	servertest.ServiceCLI{T: t, Srv: srv, Bin: servertest.CLIv1, Service: "cloudwatch"}.
		JSON("set-alarm-state", "--alarm-name", name, "--state-value", "ALARM", "--state-reason", "test")
	var cmdID string
	servertest.WaitFor(t, 30*time.Second, "the command", func() bool {
		out, err := c.ListCommands(context.Background(), &ssm.ListCommandsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Commands) > 0 {
			cmdID = aws.ToString(out.Commands[0].CommandId)
		}
		return cmdID != ""
	})
	waitCommand(t, c, cmdID, time.Minute)
	inv := getInvocation(t, c, cmdID, agent.NodeID)
	if !strings.Contains(aws.ToString(inv.StandardOutputContent), "Run Command Test Success!! Yeah!! Yeah!!") {
		t.Fatalf("output %q", aws.ToString(inv.StandardOutputContent))
	}
	hist := cw.JSON("describe-alarm-history", "--alarm-name", name, "--history-item-type", "StateUpdate")
	if items, _ := hist["AlarmHistoryItems"].([]any); len(items) == 0 {
		t.Errorf("no state update in the alarm's history: %v", hist)
	}
}
