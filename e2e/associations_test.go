package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

// TestAssociationCountsPerNode rebuilds scenario S1 with three real agents:
// three associations targeting 3, 2 and 1 nodes (by tag-key, by tag value,
// by instance ID); `aws ssm describe-instance-associations-status` (pip CLI
// v1) counts 1, 2 and 3 associations; the association on every node runs
// its command on the agents and reaches Success; deleting associations
// brings the counts down. All three use AWS-RunShellScript (under three
// names) so that every run can succeed on a Linux agent; the scenario's
// AWS-RunPatchBaseline / AWS-UpdateSSMAgent / AWS-UpdateEC2Config exist
// too, but UpdateEC2Config is Windows-only.
func TestAssociationCountsPerNode(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 3)
	n1 := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"s1": "yes"})
	n2 := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"s1": "yes", "tier": "b"})
	n3 := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"s1": "yes", "tier": "b"})
	nodes := []string{n1.NodeID, n2.NodeID, n3.NodeID}
	c := ssm.NewFromConfig(cfg)
	ctx := t.Context()

	create := func(name string, targets []types.Target) string {
		t.Helper()
		out, err := c.CreateAssociation(ctx, &ssm.CreateAssociationInput{Name: aws.String("AWS-RunShellScript"),
			AssociationName: aws.String(name), Targets: targets, ScheduleExpression: aws.String("rate(6 hours)"),
			Parameters: map[string][]string{"commands": {"echo " + name}}})
		if err != nil {
			t.Fatalf("CreateAssociation %s: %v", name, err)
		}
		return aws.ToString(out.AssociationDescription.AssociationId)
	}
	patch := create("patch-baseline", []types.Target{{Key: aws.String("tag-key"), Values: []string{"s1"}}})
	agentUp := create("update-agent", []types.Target{{Key: aws.String("tag:tier"), Values: []string{"b"}}})
	ec2cfg := create("update-ec2config", []types.Target{{Key: aws.String("InstanceIds"), Values: []string{n3.NodeID}}})

	srv := &servertest.Server{URL: p.URL, Region: p.Region, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey}
	type info struct{ AssociationId, AssociationName, Status, DetailedStatus, InstanceId string }
	status := func(node string) []info {
		t.Helper()
		out, err := srv.CLI(t, servertest.CLIv1, "ssm", "describe-instance-associations-status", "--instance-id", node)
		if err != nil {
			t.Fatalf("describe-instance-associations-status %s: %v", node, err)
		}
		var r struct{ InstanceAssociationStatusInfos []info }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("describe-instance-associations-status output %q: %v", out, err)
		}
		return r.InstanceAssociationStatusInfos
	}
	counts := func() []int {
		var out []int
		for _, n := range nodes {
			out = append(out, len(status(n)))
		}
		return out
	}
	equal := func(a, b []int) bool {
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return len(a) == len(b)
	}
	servertest.WaitFor(t, time.Minute, "association counts 1, 2, 3", func() bool { return equal(counts(), []int{1, 2, 3}) })

	// Every association runs on its nodes and succeeds there.
	servertest.WaitFor(t, 2*time.Minute, "every association Success on every node", func() bool {
		for _, n := range nodes {
			for _, s := range status(n) {
				if s.Status != "Success" {
					return false
				}
			}
		}
		return true
	})
	for _, s := range status(n3.NodeID) {
		if s.InstanceId != n3.NodeID || s.DetailedStatus != "Success" || s.AssociationName == "" {
			t.Errorf("node 3 status %+v", s)
		}
	}
	d, err := c.DescribeAssociation(ctx, &ssm.DescribeAssociationInput{AssociationId: aws.String(patch)})
	if err != nil || aws.ToString(d.AssociationDescription.Overview.Status) != "Success" ||
		d.AssociationDescription.Overview.AssociationStatusAggregatedCount["Success"] != 3 {
		t.Fatalf("DescribeAssociation = %+v, %v", d, err)
	}
	ex, err := c.DescribeAssociationExecutions(ctx, &ssm.DescribeAssociationExecutionsInput{AssociationId: aws.String(patch)})
	if err != nil || len(ex.AssociationExecutions) != 1 || aws.ToString(ex.AssociationExecutions[0].ResourceCountByStatus) != "{Success=3}" {
		t.Fatalf("DescribeAssociationExecutions = %+v, %v", ex, err)
	}
	// The command really ran on the agent: its output is the association's.
	tg, err := c.DescribeAssociationExecutionTargets(ctx, &ssm.DescribeAssociationExecutionTargetsInput{AssociationId: aws.String(patch),
		ExecutionId: ex.AssociationExecutions[0].ExecutionId, Filters: []types.AssociationExecutionTargetsFilter{
			{Key: types.AssociationExecutionTargetsFilterKeyResourceId, Value: aws.String(n1.NodeID)}}})
	if err != nil || len(tg.AssociationExecutionTargets) != 1 {
		t.Fatalf("DescribeAssociationExecutionTargets = %+v, %v", tg, err)
	}
	inv := getInvocation(t, c, aws.ToString(tg.AssociationExecutionTargets[0].OutputSource.OutputSourceId), n1.NodeID)
	if aws.ToString(inv.StandardOutputContent) != "patch-baseline\n" {
		t.Fatalf("the association's command printed %q", aws.ToString(inv.StandardOutputContent))
	}

	for _, del := range []string{ec2cfg, agentUp} {
		if _, err := c.DeleteAssociation(ctx, &ssm.DeleteAssociationInput{AssociationId: aws.String(del)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := counts(); !equal(got, []int{1, 1, 1}) {
		t.Fatalf("counts after deleting two = %v", got)
	}
	if _, err := c.DeleteAssociation(ctx, &ssm.DeleteAssociationInput{AssociationId: aws.String(patch)}); err != nil {
		t.Fatal(err)
	}
	if got := counts(); !equal(got, []int{0, 0, 0}) {
		t.Fatalf("counts after deleting all = %v", got)
	}
}
