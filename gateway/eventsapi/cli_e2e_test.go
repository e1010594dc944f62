package eventsapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward/server/servertest"
)

// The API walked through both aws CLIs (the pip CLI v1 with current
// botocore models, Debian's aws 2.9 with models of January 2023), checking
// what each client parsed and the error codes it saw.

func TestCLIs(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	for i, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		t.Run(bin, func(t *testing.T) {
			c := servertest.ServiceCLI{T: t, Srv: srv, Bin: bin, Service: "events"}
			walk(t, c, fmt.Sprintf("c%d", i))
		})
	}
}

func walk(t *testing.T, c servertest.ServiceCLI, p string) {
	acct := "000000000000"
	bus := p + "-orders"
	busARN := "arn:aws:events:us-east-1:" + acct + ":event-bus/" + bus
	if got := c.JSON("create-event-bus", "--name", bus, "--tags", "Key=team,Value=ops")["EventBusArn"]; got != busARN {
		t.Errorf("EventBusArn = %v", got)
	}
	c.Fails("ResourceAlreadyExistsException", "create-event-bus", "--name", bus)
	// CreationTime is newer than the Debian CLI's model.
	if d := c.JSON("describe-event-bus", "--name", busARN); d["Name"] != bus || d["Arn"] != busARN || (c.Bin == servertest.CLIv1 && d["CreationTime"] == nil) {
		t.Errorf("describe-event-bus = %v", d)
	}
	if d := c.JSON("describe-event-bus"); d["Name"] != "default" {
		t.Errorf("describe-event-bus (default) = %v", d)
	}
	c.Fails("ResourceNotFoundException", "describe-event-bus", "--name", p+"-nope")
	buses := c.JSON("list-event-buses", "--name-prefix", p)["EventBuses"].([]any)
	if len(buses) != 1 {
		t.Errorf("list-event-buses = %v", buses)
	}

	// Rules: a pattern rule on the custom bus (named by ARN), a schedule
	// rule on the default bus.
	rule := c.JSON("put-rule", "--name", p+"-big", "--event-bus-name", busARN, "--event-pattern",
		`{"source":["shop"],"detail":{"total":[{"numeric":[">",100]}]}}`, "--description", "big orders", "--tags", "Key=k,Value=v")
	ruleARN := "arn:aws:events:us-east-1:" + acct + ":rule/" + bus + "/" + p + "-big"
	if rule["RuleArn"] != ruleARN {
		t.Errorf("RuleArn = %v", rule["RuleArn"])
	}
	c.JSON("put-rule", "--name", p+"-tick", "--schedule-expression", "rate(5 minutes)", "--state", "DISABLED")
	c.Fails("ValidationException", "put-rule", "--name", p+"-x", "--schedule-expression", "rate(5 minute)")
	c.Fails("ValidationException", "put-rule", "--name", p+"-x", "--event-bus-name", bus, "--schedule-expression", "rate(5 minutes)")
	c.Fails("InvalidEventPatternException", "put-rule", "--name", p+"-x", "--event-pattern", `{"source":"shop"}`)
	c.Fails("ValidationException", "put-rule", "--name", p+"-x")
	c.Fails("ResourceNotFoundException", "put-rule", "--name", p+"-x", "--event-bus-name", p+"-nope", "--event-pattern", `{"source":["a"]}`)
	d := c.JSON("describe-rule", "--name", p+"-big", "--event-bus-name", bus)
	if d["Arn"] != ruleARN || d["State"] != "ENABLED" || d["Description"] != "big orders" || d["EventBusName"] != bus || d["CreatedBy"] != acct {
		t.Errorf("describe-rule = %v", d)
	}
	if d := c.JSON("describe-rule", "--name", p+"-tick"); d["ScheduleExpression"] != "rate(5 minutes)" || d["State"] != "DISABLED" {
		t.Errorf("describe-rule (schedule) = %v", d)
	}
	c.Fails("ResourceNotFoundException", "describe-rule", "--name", p+"-big")
	c.JSON("enable-rule", "--name", p+"-tick")
	if d := c.JSON("describe-rule", "--name", p+"-tick"); d["State"] != "ENABLED" {
		t.Errorf("after enable-rule: %v", d["State"])
	}
	c.JSON("disable-rule", "--name", p+"-tick")
	c.Fails("ResourceNotFoundException", "enable-rule", "--name", p+"-nope")
	rules := c.JSON("list-rules", "--name-prefix", p+"-")["Rules"].([]any)
	if len(rules) != 1 || rules[0].(map[string]any)["Name"] != p+"-tick" {
		t.Errorf("list-rules (default bus) = %v", rules)
	}
	rules = c.JSON("list-rules", "--event-bus-name", bus)["Rules"].([]any)
	if len(rules) != 1 {
		t.Errorf("list-rules (custom bus) = %v", rules)
	}

	// Targets.
	q := "arn:aws:sqs:us-east-1:" + acct + ":" + p + "-q"
	targets := `[{"Id":"sqs","Arn":"` + q + `","InputTransformer":{"InputPathsMap":{"id":"$.detail.id"},"InputTemplate":"{\"order\": <id>}"},` +
		`"RetryPolicy":{"MaximumRetryAttempts":3,"MaximumEventAgeInSeconds":600},"DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:` + acct + `:dlq"}},` +
		`{"Id":"rc","Arn":"arn:aws:ssm:us-east-1::document/AWS-RunShellScript","Input":"{\"commands\":[\"uptime\"]}",` +
		`"RunCommandParameters":{"RunCommandTargets":[{"Key":"tag:env","Values":["prod"]}]}},` +
		`{"Id":"fifo","Arn":"` + q + `.fifo","SqsParameters":{"MessageGroupId":"g1"}},` +
		`{"Id":"lambda","Arn":"arn:aws:lambda:us-east-1:` + acct + `:function:f"}]`
	res := c.JSON("put-targets", "--rule", p+"-big", "--event-bus-name", bus, "--targets", targets)
	failed := res["FailedEntries"].([]any)
	if res["FailedEntryCount"] != 1.0 || len(failed) != 1 || failed[0].(map[string]any)["TargetId"] != "lambda" {
		t.Errorf("put-targets = %v", res)
	}
	c.Fails("ValidationException", "put-targets", "--rule", p+"-big", "--event-bus-name", bus, "--targets", `[{"Id":"f","Arn":"`+q+`.fifo"}]`)
	c.Fails("ValidationException", "put-targets", "--rule", p+"-big", "--event-bus-name", bus, "--targets", `[{"Id":"x","Arn":"`+q+`","Input":"{}","InputPath":"$.detail"}]`)
	c.Fails("ResourceNotFoundException", "put-targets", "--rule", p+"-nope", "--targets", `[{"Id":"x","Arn":"`+q+`"}]`)
	c.Fails("LimitExceededException", "put-targets", "--rule", p+"-big", "--event-bus-name", bus, "--targets",
		`[{"Id":"a","Arn":"`+q+`"},{"Id":"b","Arn":"`+q+`"},{"Id":"c","Arn":"`+q+`"}]`)
	listed := c.JSON("list-targets-by-rule", "--rule", p+"-big", "--event-bus-name", bus)["Targets"].([]any)
	if len(listed) != 3 {
		t.Fatalf("list-targets-by-rule = %v", listed)
	}
	byID := map[string]map[string]any{}
	for _, x := range listed {
		m := x.(map[string]any)
		byID[m["Id"].(string)] = m
	}
	sqsT := byID["sqs"]
	if tr := sqsT["InputTransformer"].(map[string]any); tr["InputTemplate"] != `{"order": <id>}` ||
		sqsT["RetryPolicy"].(map[string]any)["MaximumRetryAttempts"] != 3.0 ||
		sqsT["DeadLetterConfig"].(map[string]any)["Arn"] != "arn:aws:sqs:us-east-1:"+acct+":dlq" {
		t.Errorf("sqs target = %v", sqsT)
	}
	if rc := byID["rc"]["RunCommandParameters"].(map[string]any)["RunCommandTargets"].([]any)[0].(map[string]any); rc["Key"] != "tag:env" {
		t.Errorf("run command target = %v", byID["rc"])
	}
	if g := byID["fifo"]["SqsParameters"].(map[string]any)["MessageGroupId"]; g != "g1" {
		t.Errorf("fifo target = %v", byID["fifo"])
	}
	names := c.JSON("list-rule-names-by-target", "--target-arn", q, "--event-bus-name", bus)["RuleNames"].([]any)
	if len(names) != 1 || names[0] != p+"-big" {
		t.Errorf("list-rule-names-by-target = %v", names)
	}
	c.Fails("ValidationException", "delete-rule", "--name", p+"-big", "--event-bus-name", bus)
	c.JSON("remove-targets", "--rule", p+"-big", "--event-bus-name", bus, "--ids", "sqs", "rc", "fifo")

	// Tags on the rule and the bus.
	c.JSON("tag-resource", "--resource-arn", ruleARN, "--tags", "Key=k,Value=v2", "Key=env,Value=prod")
	c.JSON("untag-resource", "--resource-arn", ruleARN, "--tag-keys", "env")
	tags := c.JSON("list-tags-for-resource", "--resource-arn", ruleARN)["Tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["Value"] != "v2" {
		t.Errorf("rule tags = %v", tags)
	}
	if tags := c.JSON("list-tags-for-resource", "--resource-arn", busARN)["Tags"].([]any); len(tags) != 1 {
		t.Errorf("bus tags = %v", tags)
	}
	c.Fails("ResourceNotFoundException", "list-tags-for-resource", "--resource-arn", ruleARN+"-nope")

	// PutEvents: per-entry errors in a 200 answer.
	entries := `[{"Source":"shop","DetailType":"Order","Detail":"{\"id\":\"o-1\",\"total\":120}","EventBusName":"` + bus + `","Time":"2026-01-21T10:15:00Z"},` +
		`{"Source":"aws.ec2","DetailType":"x","Detail":"{}"},` +
		`{"Source":"shop","DetailType":"x","Detail":"[1]"},` +
		`{"Source":"shop","DetailType":"x","Detail":"{}","EventBusName":"` + p + `-nope"}]`
	put := c.JSON("put-events", "--entries", entries)
	if put["FailedEntryCount"] != 3.0 {
		t.Errorf("put-events = %v", put)
	}
	codes := []string{}
	for _, e := range put["Entries"].([]any) {
		m := e.(map[string]any)
		if code, ok := m["ErrorCode"].(string); ok {
			codes = append(codes, code)
		} else if id, _ := m["EventId"].(string); len(id) != 36 {
			t.Errorf("EventId = %v", m)
		}
	}
	if strings.Join(codes, ",") != "NotAuthorizedForSourceException,MalformedDetail,ResourceNotFoundException" {
		t.Errorf("entry codes = %v", codes)
	}

	c.JSON("delete-rule", "--name", p+"-big", "--event-bus-name", bus)
	c.JSON("delete-rule", "--name", p+"-tick")
	c.JSON("delete-rule", "--name", p+"-tick") // again: no error
	c.Fails("ValidationException", "delete-event-bus", "--name", "default")
	c.JSON("delete-event-bus", "--name", bus)
	c.Fails("ResourceNotFoundException", "describe-event-bus", "--name", bus)
}
