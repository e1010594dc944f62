package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// Two replicas on one PostgreSQL database: a command sent through replica
// A to a node whose agent talks to replica B runs, and B was woken by A's
// notification (LISTEN/NOTIFY) rather than finding it when its poll ended.
func TestReplicasWakeEachOthersAgents(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ring, err := json.Marshal(keyring.Generate()) // replicas share the keyring (STEWARD_KEYRING)
	if err != nil {
		t.Fatal(err)
	}
	shared := func(c *server.Config) { c.Database, c.Keyring = url, server.Secret(ring) }
	a := servertest.Start(t, shared)
	b := servertest.Start(t, shared)
	cfg := a.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, b.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)
	servertest.WaitFor(t, 30*time.Second, "the node online", func() bool {
		out, err := c.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{})
		return err == nil && len(out.InstanceInformationList) == 1 && out.InstanceInformationList[0].PingStatus == types.PingStatusOnline
	})
	before := b.RemoteWakes()
	sent, err := c.SendCommand(context.Background(), &ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds: []string{agent.NodeID}, Parameters: map[string][]string{"commands": {"echo from replica A"}}})
	if err != nil {
		t.Fatal(err)
	}
	id2 := aws.ToString(sent.Command.CommandId)
	if got := waitCommand(t, c, id2, time.Minute); got.Status != types.CommandStatusSuccess {
		t.Fatalf("command %s", got.Status)
	}
	if out := aws.ToString(getInvocation(t, c, id2, agent.NodeID).StandardOutputContent); !strings.Contains(out, "from replica A") {
		t.Errorf("output %q", out)
	}
	if b.RemoteWakes() <= before {
		t.Errorf("replica B was not woken by replica A (remote wakes %d)", b.RemoteWakes())
	}
	if a.RemoteWakes() != 0 {
		t.Errorf("replica A woke itself through the database: %d", a.RemoteWakes())
	}
}

// A long poll on replica B answers when a message is sent through replica
// A, woken by A's notification.
func TestReplicasWakeEachOthersLongPolls(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ring, err := json.Marshal(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	shared := func(c *server.Config) { c.Database, c.Keyring = url, server.Secret(ring) }
	a := servertest.Start(t, shared)
	b := servertest.Start(t, shared)
	ctx := context.Background()
	qa, qb := sqs.NewFromConfig(a.AWSConfig()), sqs.NewFromConfig(b.AWSConfig())
	created, err := qa.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("across")})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []sqstypes.Message, 1)
	go func() {
		out, err := qb.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, WaitTimeSeconds: 20})
		if err != nil {
			t.Error(err)
		}
		got <- out.Messages
	}()
	before := b.RemoteWakes()
	// Send until B's poll has been woken by A (the poll may not be held yet
	// when the first send goes).
	servertest.WaitFor(t, 30*time.Second, "B woken by A's send", func() bool {
		if _, err := qa.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String("hello B")}); err != nil {
			t.Fatal(err)
		}
		return b.RemoteWakes() > before
	})
	if msgs := <-got; len(msgs) == 0 || aws.ToString(msgs[0].Body) != "hello B" {
		t.Errorf("B received %+v", msgs)
	}
}

// A rule put through replica A routes events put through replica B at once:
// B reloads its rules on A's notification rather than at its next refresh.
func TestReplicasShareRuleChanges(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ring, err := json.Marshal(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	shared := func(c *server.Config) { c.Database, c.Keyring = url, server.Secret(ring) }
	a := servertest.Start(t, shared)
	b := servertest.Start(t, shared)
	ctx := context.Background()
	q := sqs.NewFromConfig(a.AWSConfig())
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("routed")})
	if err != nil {
		t.Fatal(err)
	}
	before := b.RemoteWakes()
	ev := servertest.ServiceCLI{T: t, Srv: a, Bin: servertest.CLIv1, Service: "events"}
	ev.JSON("put-rule", "--name", "across", "--event-pattern", `{"source":["app.across"]}`)
	ev.JSON("put-targets", "--rule", "across", "--targets", `[{"Id":"q","Arn":"arn:aws:sqs:us-east-1:000000000000:routed"}]`)
	servertest.WaitFor(t, 30*time.Second, "B told of A's rule change", func() bool { return b.RemoteWakes() > before })
	servertest.ServiceCLI{T: t, Srv: b, Bin: servertest.CLIv1, Service: "events"}.
		JSON("put-events", "--entries", `[{"Source":"app.across","DetailType":"t","Detail":"{}"}]`)
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, WaitTimeSeconds: 20})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("routed through B: %+v, %v", out, err)
	}
}
