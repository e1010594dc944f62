package ssmapi

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsssm "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/shapecheck"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

// TestAssociationShapesMatchBotocore checks the State Manager wire shapes
// against the botocore model on their own (TestShapesMatchBotocore covers
// them too).
func TestAssociationShapesMatchBotocore(t *testing.T) {
	shapecheck.Check(t, &gateway.Service{Name: "ssm", Ops: gateway.Ops(associationOps(nil)...)}, "ssm")
}

// TestAssociationsWithSDK drives State Manager with aws-sdk-go-v2's SSM
// client through the real gateway; the agent is simulated on the domain and
// the scheduler ticked by hand.
func TestAssociationsWithSDK(t *testing.T) {
	ctx := context.Background()
	f := newSDKFixture(t, steward.SystemClock{})
	const node = sdkNode
	cmds := f.cmds
	assocs := ssm.NewAssociations(sqlstore.NewAssociationsStore(f.db), oneNode{node}, f.docs, cmds, f.env, ssm.AssociationOptions{})
	client := sdkClient(t, associationOps(assocs))
	wantAPI := func(err error, code string) { t.Helper(); wantAPIError(t, err, code) }

	created, err := client.CreateAssociation(ctx, &awsssm.CreateAssociationInput{Name: aws.String("AWS-RunShellScript"),
		Targets: []types.Target{{Key: aws.String("InstanceIds"), Values: []string{node}}}, AssociationName: aws.String("sdk-assoc"),
		Parameters: map[string][]string{"commands": {"echo hi"}}, ScheduleExpression: aws.String("rate(30 minutes)"),
		ComplianceSeverity: types.AssociationComplianceSeverityHigh,
		OutputLocation:     &types.InstanceAssociationOutputLocation{S3Location: &types.S3OutputLocation{OutputS3BucketName: aws.String("logs")}},
		Tags:               []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	if err != nil {
		t.Fatal(err)
	}
	d := created.AssociationDescription
	id := aws.ToString(d.AssociationId)
	if aws.ToString(d.AssociationVersion) != "1" || aws.ToString(d.MaxConcurrency) != "50" || aws.ToString(d.MaxErrors) != "100%" ||
		d.Overview == nil || aws.ToString(d.Overview.Status) != "Pending" || d.SyncCompliance != types.AssociationSyncComplianceAuto ||
		d.ComplianceSeverity != types.AssociationComplianceSeverityHigh || d.Date == nil ||
		aws.ToString(d.OutputLocation.S3Location.OutputS3BucketName) != "logs" {
		t.Fatalf("CreateAssociation = %+v", d)
	}
	if err := assocs.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	// The agent runs the association's command.
	msgs, err := cmds.Poll(ctx, node, agentproto.PollRequest{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("poll = %v, %v", msgs, err)
	}
	cmdID := msgs[0].CommandID
	if err := cmds.Ack(ctx, node, agentproto.AckRequest{CommandID: cmdID}); err != nil {
		t.Fatal(err)
	}
	if err := cmds.Result(ctx, node, agentproto.ResultRequest{CommandID: cmdID, Status: "Success", Steps: []agentproto.StepResult{{
		Name: "aws:runShellScript", Status: "Success", Stdout: "hi\n"}}}); err != nil {
		t.Fatal(err)
	}
	if err := assocs.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := client.DescribeInstanceAssociationsStatus(ctx, &awsssm.DescribeInstanceAssociationsStatusInput{InstanceId: aws.String(node)})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.InstanceAssociationStatusInfos) != 1 {
		t.Fatalf("statuses = %+v", st.InstanceAssociationStatusInfos)
	}
	s := st.InstanceAssociationStatusInfos[0]
	if aws.ToString(s.Status) != "Success" || aws.ToString(s.AssociationId) != id || aws.ToString(s.AssociationName) != "sdk-assoc" ||
		aws.ToString(s.Name) != "AWS-RunShellScript" || s.ExecutionDate == nil ||
		aws.ToString(s.ExecutionSummary) != "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. " {
		t.Fatalf("status = %+v (summary %q)", s, aws.ToString(s.ExecutionSummary))
	}
	execs, err := client.DescribeAssociationExecutions(ctx, &awsssm.DescribeAssociationExecutionsInput{AssociationId: &id})
	if err != nil || len(execs.AssociationExecutions) != 1 || aws.ToString(execs.AssociationExecutions[0].ResourceCountByStatus) != "{Success=1}" ||
		aws.ToString(execs.AssociationExecutions[0].Status) != "Success" {
		t.Fatalf("executions = %+v, %v", execs, err)
	}
	targets, err := client.DescribeAssociationExecutionTargets(ctx, &awsssm.DescribeAssociationExecutionTargetsInput{AssociationId: &id,
		ExecutionId: execs.AssociationExecutions[0].ExecutionId})
	if err != nil || len(targets.AssociationExecutionTargets) != 1 ||
		aws.ToString(targets.AssociationExecutionTargets[0].OutputSource.OutputSourceId) != cmdID ||
		aws.ToString(targets.AssociationExecutionTargets[0].ResourceType) != "ManagedInstance" {
		t.Fatalf("execution targets = %+v, %v", targets, err)
	}
	desc, err := client.DescribeAssociation(ctx, &awsssm.DescribeAssociationInput{AssociationId: &id})
	if err != nil || aws.ToString(desc.AssociationDescription.Overview.Status) != "Success" ||
		desc.AssociationDescription.Overview.AssociationStatusAggregatedCount["Success"] != 1 ||
		desc.AssociationDescription.LastSuccessfulExecutionDate == nil {
		t.Fatalf("describe = %+v, %v", desc, err)
	}
	upd, err := client.UpdateAssociation(ctx, &awsssm.UpdateAssociationInput{AssociationId: &id, AssociationVersion: aws.String("1"),
		Parameters: map[string][]string{"commands": {"echo v2"}}})
	if err != nil || aws.ToString(upd.AssociationDescription.AssociationVersion) != "2" {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	_, err = client.UpdateAssociation(ctx, &awsssm.UpdateAssociationInput{AssociationId: &id, AssociationVersion: aws.String("1")})
	wantAPI(err, "InvalidAssociationVersion")
	vs, err := client.ListAssociationVersions(ctx, &awsssm.ListAssociationVersionsInput{AssociationId: &id})
	if err != nil || len(vs.AssociationVersions) != 2 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	list, err := client.ListAssociations(ctx, &awsssm.ListAssociationsInput{AssociationFilterList: []types.AssociationFilter{
		{Key: types.AssociationFilterKeyAssociationName, Value: aws.String("sdk-assoc")}}})
	if err != nil || len(list.Associations) != 1 || aws.ToString(list.Associations[0].AssociationVersion) != "2" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	batch, err := client.CreateAssociationBatch(ctx, &awsssm.CreateAssociationBatchInput{Entries: []types.CreateAssociationBatchRequestEntry{
		{Name: aws.String("AWS-RunShellScript"), InstanceId: aws.String(node), Parameters: map[string][]string{"commands": {"true"}}},
		{Name: aws.String("AWS-RunShellScript"), InstanceId: aws.String(node), Parameters: map[string][]string{"commands": {"true"}}},
	}})
	if err != nil || len(batch.Successful) != 1 || len(batch.Failed) != 1 || batch.Failed[0].Fault != types.FaultClient ||
		aws.ToString(batch.Failed[0].Entry.InstanceId) != node {
		t.Fatalf("batch = %+v, %v", batch, err)
	}
	if _, err := client.StartAssociationsOnce(ctx, &awsssm.StartAssociationsOnceInput{AssociationIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateAssociation(ctx, &awsssm.CreateAssociationInput{Name: aws.String("AWS-RunShellScript"),
		InstanceId: aws.String(node), Parameters: map[string][]string{"commands": {"true"}}, ScheduleExpression: aws.String("rate(1 minute)")})
	wantAPI(err, "InvalidSchedule")
	_, err = client.CreateAssociation(ctx, &awsssm.CreateAssociationInput{Name: aws.String("No-Such-Doc"), InstanceId: aws.String(node)})
	wantAPI(err, "InvalidDocument")
	if _, err := client.DeleteAssociation(ctx, &awsssm.DeleteAssociationInput{AssociationId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteAssociation(ctx, &awsssm.DeleteAssociationInput{AssociationId: &id})
	wantAPI(err, "AssociationDoesNotExist")
	_, err = client.DescribeAssociation(ctx, &awsssm.DescribeAssociationInput{AssociationId: &id})
	wantAPI(err, "AssociationDoesNotExist")
}
