package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

func pingStatus(t *testing.T, c *ssm.Client, node string) (types.PingStatus, types.InstanceInformation) {
	t.Helper()
	out, err := c.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{
		Filters: []types.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: []string{node}}},
	})
	if err != nil {
		t.Fatalf("DescribeInstanceInformation: %v", err)
	}
	if len(out.InstanceInformationList) != 1 {
		return "", types.InstanceInformation{}
	}
	return out.InstanceInformationList[0].PingStatus, out.InstanceInformationList[0]
}

// TestPingStatusFollowsTheAgent: a registered agent shows Online with its
// facts; killed, it turns ConnectionLost; restarted, Online again. The
// figures are logged (the targets: ≤ 30 s and ≤ 5 s).
func TestPingStatusFollowsTheAgent(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"team": "ops"})
	c := ssm.NewFromConfig(cfg)

	servertest.WaitFor(t, 30*time.Second, "Online", func() bool { st, _ := pingStatus(t, c, agent.NodeID); return st == types.PingStatusOnline })
	_, info := pingStatus(t, c, agent.NodeID)
	if info.PlatformType != types.PlatformTypeLinux || aws.ToString(info.ActivationId) != id || aws.ToString(info.ComputerName) == "" ||
		info.ResourceType != types.ResourceTypeManagedInstance || aws.ToString(info.IamRole) != "SSMServiceRole" || aws.ToString(info.AgentVersion) == "" {
		raw, _ := json.Marshal(info)
		t.Fatalf("instance information: %s", raw)
	}

	agent.Stop()
	stopped := time.Now()
	servertest.WaitFor(t, 90*time.Second, "ConnectionLost", func() bool {
		st, _ := pingStatus(t, c, agent.NodeID)
		return st == types.PingStatusConnectionLost
	})
	t.Logf("ConnectionLost %s after the agent was killed", time.Since(stopped).Round(100*time.Millisecond))

	agent.Start()
	started := time.Now()
	servertest.WaitFor(t, 60*time.Second, "Online again", func() bool { st, _ := pingStatus(t, c, agent.NodeID); return st == types.PingStatusOnline })
	t.Logf("Online %s after the agent restarted", time.Since(started).Round(100*time.Millisecond))

	// Filters: by tag and by PingStatus; deregistration removes the node.
	out, err := c.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{
		Filters: []types.InstanceInformationStringFilter{{Key: aws.String("tag:team"), Values: []string{"ops"}}, {Key: aws.String("PingStatus"), Values: []string{"Online"}}},
	})
	if err != nil || len(out.InstanceInformationList) != 1 {
		t.Fatalf("filtered: %+v %v", out, err)
	}
	if _, err := c.DeregisterManagedInstance(context.Background(), &ssm.DeregisterManagedInstanceInput{InstanceId: aws.String(agent.NodeID)}); err != nil {
		t.Fatal(err)
	}
	all, err := c.DescribeInstanceInformation(context.Background(), &ssm.DescribeInstanceInformationInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range all.InstanceInformationList {
		if aws.ToString(info.InstanceId) == agent.NodeID {
			t.Fatal("deregistered node still listed")
		}
	}
}
