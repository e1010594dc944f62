package ssmapi

import (
	"context"
	"testing"
	"time"

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

// TestWindowShapesMatchBotocore checks the Maintenance Windows wire shapes
// against the botocore model on their own.
func TestWindowShapesMatchBotocore(t *testing.T) {
	shapecheck.Check(t, &gateway.Service{Name: "ssm", Ops: gateway.Ops(windowOps(nil)...)}, "ssm")
}

// TestWindowsWithSDK drives Maintenance Windows with aws-sdk-go-v2's SSM
// client through the real gateway; the agent is simulated on the domain and
// the scheduler ticked by hand after moving a fake clock.
func TestWindowsWithSDK(t *testing.T) {
	ctx := context.Background()
	clk := steward.NewFakeClock(time.Date(2026, 11, 21, 10, 1, 0, 0, time.UTC))
	f := newSDKFixture(t, clk)
	const node = sdkNode
	cmds := f.cmds
	env := f.env
	wins := ssm.NewWindows(sqlstore.NewWindowsStore(f.db), oneNode{node}, cmds, env, ssm.WindowOptions{})
	c := sdkClient(t, windowOps(wins))
	wantAPI := func(err error, code string) { t.Helper(); wantAPIError(t, err, code) }
	tick := func() {
		t.Helper()
		if err := wins.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}

	_, err := c.CreateMaintenanceWindow(ctx, &awsssm.CreateMaintenanceWindowInput{Name: aws.String("bad"), Schedule: aws.String("rate(1 day)"),
		Duration: aws.Int32(1), Cutoff: 1, AllowUnassociatedTargets: true})
	wantAPI(err, "ValidationException")
	cw, err := c.CreateMaintenanceWindow(ctx, &awsssm.CreateMaintenanceWindowInput{Name: aws.String("heavy-maintenance"),
		Schedule: aws.String("cron(0 */5 * * * ? *)"), ScheduleTimezone: aws.String("Etc/UTC"), Duration: aws.Int32(2),
		Cutoff: 1, AllowUnassociatedTargets: false, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}})
	if err != nil {
		t.Fatal(err)
	}
	win := cw.WindowId
	if len(aws.ToString(win)) != 20 {
		t.Fatalf("window ID %q", aws.ToString(win))
	}
	got, err := c.GetMaintenanceWindow(ctx, &awsssm.GetMaintenanceWindowInput{WindowId: win})
	if err != nil || !got.Enabled || aws.ToInt32(got.Duration) != 2 || got.Cutoff != 1 ||
		aws.ToString(got.NextExecutionTime) != "2026-11-21T10:05Z" || got.CreatedDate == nil {
		t.Fatalf("GetMaintenanceWindow = %+v, %v", got, err)
	}
	_, err = c.GetMaintenanceWindow(ctx, &awsssm.GetMaintenanceWindowInput{WindowId: aws.String("mw-00000000000000000")})
	wantAPI(err, "DoesNotExistException")

	rt, err := c.RegisterTargetWithMaintenanceWindow(ctx, &awsssm.RegisterTargetWithMaintenanceWindowInput{WindowId: win,
		ResourceType: types.MaintenanceWindowResourceTypeInstance, OwnerInformation: aws.String("ops"),
		Targets: []types.Target{{Key: aws.String("tag:MaintenanceTarget"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RegisterTaskWithMaintenanceWindow(ctx, &awsssm.RegisterTaskWithMaintenanceWindowInput{WindowId: win,
		TaskArn: aws.String("AWS-RestartEC2Instance"), TaskType: types.MaintenanceWindowTaskTypeAutomation,
		Targets:        []types.Target{{Key: aws.String("WindowTargetIds"), Values: []string{aws.ToString(rt.WindowTargetId)}}},
		MaxConcurrency: aws.String("1"), MaxErrors: aws.String("1")})
	wantAPI(err, "FeatureNotAvailableException")
	task, err := c.RegisterTaskWithMaintenanceWindow(ctx, &awsssm.RegisterTaskWithMaintenanceWindowInput{WindowId: win,
		TaskArn: aws.String("AWS-RunShellScript"), TaskType: types.MaintenanceWindowTaskTypeRunCommand, Priority: aws.Int32(1),
		Targets:        []types.Target{{Key: aws.String("WindowTargetIds"), Values: []string{aws.ToString(rt.WindowTargetId)}}},
		MaxConcurrency: aws.String("1"), MaxErrors: aws.String("100%"),
		TaskInvocationParameters: &types.MaintenanceWindowTaskInvocationParameters{RunCommand: &types.MaintenanceWindowRunCommandParameters{
			Parameters: map[string][]string{"commands": {"echo {{WINDOW_EXECUTION_ID}}"}}, TimeoutSeconds: aws.Int32(600),
			NotificationConfig: &types.NotificationConfig{NotificationArn: aws.String("arn:aws:sns:us-east-1:123456789012:ops"),
				NotificationEvents: []types.NotificationEvent{types.NotificationEventFailed}, NotificationType: types.NotificationTypeInvocation}}}})
	if err != nil {
		t.Fatal(err)
	}
	gt, err := c.GetMaintenanceWindowTask(ctx, &awsssm.GetMaintenanceWindowTaskInput{WindowId: win, WindowTaskId: task.WindowTaskId})
	if err != nil || gt.TaskType != types.MaintenanceWindowTaskTypeRunCommand || gt.CutoffBehavior != types.MaintenanceWindowTaskCutoffBehaviorContinueTask ||
		aws.ToInt32(gt.TaskInvocationParameters.RunCommand.TimeoutSeconds) != 600 ||
		gt.TaskInvocationParameters.RunCommand.NotificationConfig.NotificationType != types.NotificationTypeInvocation {
		t.Fatalf("GetMaintenanceWindowTask = %+v, %v", gt, err)
	}
	tasks, err := c.DescribeMaintenanceWindowTasks(ctx, &awsssm.DescribeMaintenanceWindowTasksInput{WindowId: win})
	if err != nil || len(tasks.Tasks) != 1 || aws.ToString(tasks.Tasks[0].TaskArn) != "AWS-RunShellScript" {
		t.Fatalf("DescribeMaintenanceWindowTasks = %+v, %v", tasks, err)
	}
	targets, err := c.DescribeMaintenanceWindowTargets(ctx, &awsssm.DescribeMaintenanceWindowTargetsInput{WindowId: win})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].OwnerInformation) != "ops" {
		t.Fatalf("DescribeMaintenanceWindowTargets = %+v, %v", targets, err)
	}
	list, err := c.DescribeMaintenanceWindows(ctx, &awsssm.DescribeMaintenanceWindowsInput{
		Filters: []types.MaintenanceWindowFilter{{Key: aws.String("Name"), Values: []string{"heavy-maintenance"}}}})
	if err != nil || len(list.WindowIdentities) != 1 || aws.ToString(list.WindowIdentities[0].NextExecutionTime) == "" {
		t.Fatalf("DescribeMaintenanceWindows = %+v, %v", list, err)
	}
	sched, err := c.DescribeMaintenanceWindowSchedule(ctx, &awsssm.DescribeMaintenanceWindowScheduleInput{WindowId: win, MaxResults: aws.Int32(2)})
	if err != nil || len(sched.ScheduledWindowExecutions) != 2 || aws.ToString(sched.ScheduledWindowExecutions[1].ExecutionTime) != "2026-11-21T10:10Z" {
		t.Fatalf("DescribeMaintenanceWindowSchedule = %+v, %v", sched, err)
	}

	clk.Advance(4 * time.Minute)
	tick()
	msgs, err := cmds.Poll(ctx, node, agentproto.PollRequest{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("poll = %v, %v", msgs, err)
	}
	if err := cmds.Ack(ctx, node, agentproto.AckRequest{CommandID: msgs[0].CommandID}); err != nil {
		t.Fatal(err)
	}
	if err := cmds.Result(ctx, node, agentproto.ResultRequest{CommandID: msgs[0].CommandID, Status: "Success", Steps: []agentproto.StepResult{{
		Name: "aws:runShellScript", Status: "Success"}}}); err != nil {
		t.Fatal(err)
	}
	tick()
	execs, err := c.DescribeMaintenanceWindowExecutions(ctx, &awsssm.DescribeMaintenanceWindowExecutionsInput{WindowId: win})
	if err != nil || len(execs.WindowExecutions) != 1 || execs.WindowExecutions[0].Status != types.MaintenanceWindowExecutionStatusSuccess {
		t.Fatalf("DescribeMaintenanceWindowExecutions = %+v, %v", execs, err)
	}
	exec := execs.WindowExecutions[0].WindowExecutionId
	ge, err := c.GetMaintenanceWindowExecution(ctx, &awsssm.GetMaintenanceWindowExecutionInput{WindowExecutionId: exec})
	if err != nil || len(ge.TaskIds) != 1 || ge.StartTime == nil || ge.EndTime == nil {
		t.Fatalf("GetMaintenanceWindowExecution = %+v, %v", ge, err)
	}
	et, err := c.DescribeMaintenanceWindowExecutionTasks(ctx, &awsssm.DescribeMaintenanceWindowExecutionTasksInput{WindowExecutionId: exec})
	if err != nil || len(et.WindowExecutionTaskIdentities) != 1 || et.WindowExecutionTaskIdentities[0].Status != types.MaintenanceWindowExecutionStatusSuccess {
		t.Fatalf("DescribeMaintenanceWindowExecutionTasks = %+v, %v", et, err)
	}
	gtask, err := c.GetMaintenanceWindowExecutionTask(ctx, &awsssm.GetMaintenanceWindowExecutionTaskInput{WindowExecutionId: exec, TaskId: aws.String(ge.TaskIds[0])})
	if err != nil || gtask.Type != types.MaintenanceWindowTaskTypeRunCommand || aws.ToString(gtask.MaxConcurrency) != "1" ||
		len(gtask.TaskParameters) != 1 || gtask.TaskParameters[0]["commands"].Values[0] != "echo {{WINDOW_EXECUTION_ID}}" {
		t.Fatalf("GetMaintenanceWindowExecutionTask = %+v, %v", gtask, err)
	}
	invs, err := c.DescribeMaintenanceWindowExecutionTaskInvocations(ctx, &awsssm.DescribeMaintenanceWindowExecutionTaskInvocationsInput{
		WindowExecutionId: exec, TaskId: aws.String(ge.TaskIds[0])})
	if err != nil || len(invs.WindowExecutionTaskInvocationIdentities) != 1 {
		t.Fatalf("DescribeMaintenanceWindowExecutionTaskInvocations = %+v, %v", invs, err)
	}
	inv := invs.WindowExecutionTaskInvocationIdentities[0]
	if aws.ToString(inv.ExecutionId) != msgs[0].CommandID || inv.Status != types.MaintenanceWindowExecutionStatusSuccess ||
		aws.ToString(inv.OwnerInformation) != "ops" || aws.ToString(inv.WindowTargetId) != aws.ToString(rt.WindowTargetId) {
		t.Fatalf("invocation %+v", inv)
	}
	gi, err := c.GetMaintenanceWindowExecutionTaskInvocation(ctx, &awsssm.GetMaintenanceWindowExecutionTaskInvocationInput{
		WindowExecutionId: exec, TaskId: aws.String(ge.TaskIds[0]), InvocationId: inv.InvocationId})
	if err != nil || aws.ToString(gi.Parameters) == "" {
		t.Fatalf("GetMaintenanceWindowExecutionTaskInvocation = %+v, %v", gi, err)
	}
	_, err = c.CancelMaintenanceWindowExecution(ctx, &awsssm.CancelMaintenanceWindowExecutionInput{WindowExecutionId: aws.String("aaaaaaaa-0000-0000-0000-000000000000")})
	wantAPI(err, "DoesNotExistException")

	up, err := c.UpdateMaintenanceWindow(ctx, &awsssm.UpdateMaintenanceWindowInput{WindowId: win, Enabled: aws.Bool(false)})
	if err != nil || up.Enabled || aws.ToString(up.Name) != "heavy-maintenance" {
		t.Fatalf("UpdateMaintenanceWindow = %+v, %v", up, err)
	}
	if _, err := c.DeregisterTaskFromMaintenanceWindow(ctx, &awsssm.DeregisterTaskFromMaintenanceWindowInput{WindowId: win, WindowTaskId: task.WindowTaskId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeregisterTargetFromMaintenanceWindow(ctx, &awsssm.DeregisterTargetFromMaintenanceWindowInput{WindowId: win, WindowTargetId: rt.WindowTargetId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteMaintenanceWindow(ctx, &awsssm.DeleteMaintenanceWindowInput{WindowId: win}); err != nil {
		t.Fatal(err)
	}
}
