package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

// TestCommandNotifications: SendCommand's NotificationConfig publishes to an
// SNS topic, here read through an SQS subscription with raw delivery.
// Invocation/All on a failing command gives the invocation's InProgress and
// Failed notifications; Command/Success on a succeeding one gives one
// command notification. The payloads carry AWS's fields.
func TestCommandNotifications(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, srv.URL, cfg, id, code, nil)
	c, n, q := ssm.NewFromConfig(cfg), sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)

	queueURL, queueARN := createQueue(t, q, "runcommand-notifications", nil)
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("runcommand")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$`)
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}

	// Invocation / All, failing.
	failing := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID},
		NotificationConfig: &types.NotificationConfig{NotificationArn: topic.TopicArn, NotificationType: types.NotificationTypeInvocation,
			NotificationEvents: []types.NotificationEvent{types.NotificationEventAll}}}, "echo no", "exit 3")
	failID := aws.ToString(failing.CommandId)
	if got := waitCommand(t, c, failID, time.Minute); got.Status != types.CommandStatusFailed {
		t.Fatalf("failing command ended %s", got.Status)
	}
	var statuses []string
	for _, m := range receiveN(t, q, queueURL, 2) {
		var p map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &p); err != nil {
			t.Fatalf("body %q: %v", aws.ToString(m.Body), err)
		}
		if want := []string{"commandId", "documentName", "eventTime", "instanceId", "requestedDateTime", "status"}; !slices.Equal(keys(p), want) {
			t.Errorf("invocation notification fields %v, want %v", keys(p), want)
		}
		if p["commandId"] != failID || p["documentName"] != "AWS-RunShellScript" || p["instanceId"] != agent.NodeID ||
			!timeRE.MatchString(p["requestedDateTime"].(string)) || !timeRE.MatchString(p["eventTime"].(string)) {
			t.Errorf("invocation notification %s", aws.ToString(m.Body))
		}
		statuses = append(statuses, p["status"].(string))
	}
	slices.Sort(statuses) // SNS does not promise order
	if !slices.Equal(statuses, []string{"Failed", "InProgress"}) {
		t.Errorf("invocation notifications %v, want InProgress and Failed", statuses)
	}

	// Command / Success, succeeding.
	ok := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}, OutputS3BucketName: aws.String("amzn-s3-demo-bucket"),
		OutputS3KeyPrefix: aws.String("runcommand"),
		NotificationConfig: &types.NotificationConfig{NotificationArn: topic.TopicArn, NotificationType: types.NotificationTypeCommand,
			NotificationEvents: []types.NotificationEvent{types.NotificationEventSuccess}}}, "echo yes")
	okID := aws.ToString(ok.CommandId)
	if got := waitCommand(t, c, okID, time.Minute); got.Status != types.CommandStatusSuccess {
		t.Fatalf("succeeding command ended %s", got.Status)
	}
	msg := receiveN(t, q, queueURL, 1)[0]
	var p struct {
		CommandID          string   `json:"commandId"`
		DocumentName       string   `json:"documentName"`
		InstanceIDs        []string `json:"instanceIds"`
		RequestedDateTime  string   `json:"requestedDateTime"`
		ExpiresAfter       string   `json:"expiresAfter"`
		OutputS3BucketName string   `json:"outputS3BucketName"`
		OutputS3KeyPrefix  string   `json:"outputS3KeyPrefix"`
		Status             string   `json:"status"`
		EventTime          string   `json:"eventTime"`
	}
	dec := json.NewDecoder(strings.NewReader(aws.ToString(msg.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("command notification %q: %v", aws.ToString(msg.Body), err)
	}
	if p.CommandID != okID || p.DocumentName != "AWS-RunShellScript" || !slices.Equal(p.InstanceIDs, []string{agent.NodeID}) ||
		p.OutputS3BucketName != "amzn-s3-demo-bucket" || p.OutputS3KeyPrefix != "runcommand" || p.Status != "Success" ||
		!timeRE.MatchString(p.RequestedDateTime) || !timeRE.MatchString(p.ExpiresAfter) || !timeRE.MatchString(p.EventTime) {
		t.Errorf("command notification %s", aws.ToString(msg.Body))
	}
	req, _ := time.Parse(time.RFC3339Nano, p.RequestedDateTime)
	if d := req.Sub(aws.ToTime(ok.RequestedDateTime)); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("requestedDateTime %s, command says %s", p.RequestedDateTime, aws.ToTime(ok.RequestedDateTime))
	}
	if !queueEmpty(t, q, queueURL) { // Success only: no InProgress
		t.Errorf("more notifications than asked for")
	}
}
