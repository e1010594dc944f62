package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

// Scenario S1 without glue code: each node's association count is a
// built-in metric (Steward/SSM AssociationCount, dimension InstanceId), so
// an alarm can watch it approach State Manager's limit of 20.
func TestAssociationCountMetric(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	cfg := srv.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, srv.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)
	ctx := context.Background()
	for _, name := range []string{"one", "two"} {
		if _, err := c.CreateAssociation(ctx, &ssm.CreateAssociationInput{Name: aws.String("AWS-RunShellScript"), AssociationName: aws.String(name),
			Targets:    []types.Target{{Key: aws.String("InstanceIds"), Values: []string{agent.NodeID}}},
			Parameters: map[string][]string{"commands": {"true"}}}); err != nil {
			t.Fatal(err)
		}
	}
	servertest.WaitFor(t, time.Minute, "two associations on the node", func() bool {
		out, err := c.DescribeInstanceAssociationsStatus(ctx, &ssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(agent.NodeID)})
		return err == nil && len(out.InstanceAssociationStatusInfos) == 2
	})
	// DescribeInstanceInformation shows the node's associations too (what
	// the console would show next to the node).
	servertest.WaitFor(t, time.Minute, "the overview with both associations done", func() bool {
		out, err := c.DescribeInstanceInformation(ctx, &ssm.DescribeInstanceInformationInput{})
		if err != nil || len(out.InstanceInformationList) != 1 {
			return false
		}
		n := out.InstanceInformationList[0]
		return aws.ToString(n.AssociationStatus) == "Success" && n.AssociationOverview != nil &&
			aws.ToString(n.AssociationOverview.DetailedStatus) == "Success" &&
			n.AssociationOverview.InstanceAssociationStatusAggregatedCount["Success"] == 2 &&
			n.LastAssociationExecutionDate != nil && n.LastSuccessfulAssociationExecutionDate != nil
	})
	if err := srv.PublishNodeHealth(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	out, err := cloudwatch.NewFromConfig(cfg).GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Steward/SSM"), MetricName: aws.String("AssociationCount"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(agent.NodeID)}},
		StartTime:  aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now.Add(time.Hour)), Period: aws.Int32(3600),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Datapoints) == 0 || aws.ToFloat64(out.Datapoints[len(out.Datapoints)-1].Maximum) != 2 {
		t.Errorf("AssociationCount datapoints %+v, want a maximum of 2", out.Datapoints)
	}
}
