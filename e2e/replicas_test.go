package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
