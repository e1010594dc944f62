package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// TestMaintenanceWindowS4 rebuilds scenario S4 in miniature with two real
// agents: a window every five minutes (seconds field included), a
// tag:MaintenanceTarget=true target, one RUN_COMMAND AWS-RunShellScript task
// with MaxConcurrency 1 and MaxErrors 100% whose script fails on one node.
// The schedule runs on a fake clock moved by the test. Both nodes run, one
// at a time (a shared log shows start/end pairs never interleave); a start
// while the execution is still running is SKIPPED_OVERLAPPING; the
// execution, task and invocation records are read with the pip CLI and
// aws-sdk-go-v2, and the invocation leads to the Run Command command.
func TestMaintenanceWindowS4(t *testing.T) {
	t.Parallel()
	maintenanceWindowS4(t)
}

// TestMaintenanceWindowS4Postgres: the same on PostgreSQL.
func TestMaintenanceWindowS4Postgres(t *testing.T) {
	t.Parallel()
	maintenanceWindowS4(t, servertest.WithDatabase(pgtest.URL(t)))
}

func maintenanceWindowS4(t *testing.T, opts ...servertest.Option) {
	// Agents sign with the real clock and the server accepts at most five
	// minutes of skew (agentproto.MaxSkew), so the fake clock starts just
	// before the last five-minute boundary, behind real time, and its two
	// window starts (the boundary and five minutes later) stay within the
	// skew. Setup waits (at most a minute) while the real time is too close
	// to a boundary for that.
	var boundary time.Time
	servertest.WaitFor(t, 90*time.Second, "a real time 30 s to 4 min 30 s past a five-minute boundary", func() bool {
		now := time.Now().UTC()
		boundary = now.Truncate(5 * time.Minute)
		since := now.Sub(boundary)
		return since >= 30*time.Second && since <= 270*time.Second
	})
	clk := steward.NewFakeClock(boundary.Add(-10 * time.Second))
	srv := servertest.Start(t, append(opts, func(c *server.Config) { c.Clock = clk })...)
	cfg := srv.AWSConfig()
	id, code := servertest.Activation(t, cfg, 2)
	tags := map[string]string{"MaintenanceTarget": "true"}
	n1 := servertest.StartAgent(t, srv.URL, cfg, id, code, tags)
	n2 := servertest.StartAgent(t, srv.URL, cfg, id, code, tags)
	c := ssm.NewFromConfig(cfg)
	ctx := t.Context()

	dir := t.TempDir()
	log, release := filepath.Join(dir, "log"), filepath.Join(dir, "release")
	failing := max(n1.NodeID, n2.NodeID)
	script := `echo "start $AWS_SSM_INSTANCE_ID" >> ` + log + `
while [ ! -f ` + release + ` ]; do sleep 0.1; done
echo "end $AWS_SSM_INSTANCE_ID" >> ` + log + `
if [ "$AWS_SSM_INSTANCE_ID" = "` + failing + `" ]; then echo "maintenance failed here" >&2; exit 3; fi
echo "maintenance done"`

	cw, err := c.CreateMaintenanceWindow(ctx, &ssm.CreateMaintenanceWindowInput{Name: aws.String("heavy-maintenance"),
		Schedule: aws.String("cron(0 */5 * * * ? *)"), ScheduleTimezone: aws.String("Etc/UTC"), Duration: aws.Int32(2), Cutoff: 1,
		AllowUnassociatedTargets: false})
	if err != nil {
		t.Fatal(err)
	}
	win := cw.WindowId
	rt, err := c.RegisterTargetWithMaintenanceWindow(ctx, &ssm.RegisterTargetWithMaintenanceWindowInput{WindowId: win,
		ResourceType: types.MaintenanceWindowResourceTypeInstance, OwnerInformation: aws.String("s4"),
		Targets: []types.Target{{Key: aws.String("tag:MaintenanceTarget"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterTaskWithMaintenanceWindow(ctx, &ssm.RegisterTaskWithMaintenanceWindowInput{WindowId: win,
		TaskArn: aws.String("AWS-RunShellScript"), TaskType: types.MaintenanceWindowTaskTypeRunCommand, Priority: aws.Int32(1),
		Targets:        []types.Target{{Key: aws.String("WindowTargetIds"), Values: []string{aws.ToString(rt.WindowTargetId)}}},
		MaxConcurrency: aws.String("1"), MaxErrors: aws.String("100%"),
		TaskInvocationParameters: &types.MaintenanceWindowTaskInvocationParameters{RunCommand: &types.MaintenanceWindowRunCommandParameters{
			Parameters: map[string][]string{"commands": {script}}, Comment: aws.String("window {{WINDOW_ID}}")}}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetMaintenanceWindow(ctx, &ssm.GetMaintenanceWindowInput{WindowId: win})
	if err != nil {
		t.Fatal(err)
	}
	start, err := time.Parse("2006-01-02T15:04Z", aws.ToString(got.NextExecutionTime))
	if err != nil || !start.Equal(boundary) {
		t.Fatalf("NextExecutionTime %q: %v", aws.ToString(got.NextExecutionTime), err)
	}

	type execution struct{ WindowExecutionId, Status, StatusDetails string }
	executions := func() []execution {
		t.Helper()
		out, err := srv.CLI(t, servertest.CLIv1, "ssm", "describe-maintenance-window-executions", "--window-id", aws.ToString(win))
		if err != nil {
			t.Fatalf("describe-maintenance-window-executions: %v", err)
		}
		var r struct{ WindowExecutions []execution }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("describe-maintenance-window-executions output %q: %v", out, err)
		}
		return r.WindowExecutions
	}
	logLines := func() []string {
		b, _ := os.ReadFile(log)
		return strings.Fields(strings.ReplaceAll(string(b), "\n", " "))
	}

	clk.Set(start)
	servertest.WaitFor(t, time.Minute, "the first node starting the task", func() bool { return len(logLines()) >= 2 })
	// The next start comes while the first execution still runs.
	clk.Set(start.Add(5 * time.Minute))
	servertest.WaitFor(t, time.Minute, "an overlapping start", func() bool { return len(executions()) == 2 })
	es := executions()
	if es[0].Status != "SKIPPED_OVERLAPPING" || es[1].Status != "IN_PROGRESS" {
		t.Fatalf("executions %+v", es)
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	exec := es[1].WindowExecutionId
	servertest.WaitFor(t, 2*time.Minute, "the execution to end", func() bool { return executions()[1].Status != "IN_PROGRESS" })
	if es := executions(); es[1].Status != "SUCCESS" {
		t.Fatalf("execution with MaxErrors 100%%: %+v", es[1])
	}
	// One node at a time: start a, end a, start b, end b.
	if l := logLines(); len(l) != 8 || l[0] != "start" || l[2] != "end" || l[1] != l[3] || l[4] != "start" || l[5] != l[7] || l[1] == l[5] {
		t.Fatalf("nodes did not run one at a time: %q", l)
	}

	out, err := srv.CLI(t, servertest.CLIv1, "ssm", "get-maintenance-window-execution", "--window-execution-id", exec)
	if err != nil {
		t.Fatal(err)
	}
	var ge struct {
		TaskIds []string
		Status  string
	}
	if err := json.Unmarshal([]byte(out), &ge); err != nil || len(ge.TaskIds) != 1 || ge.Status != "SUCCESS" {
		t.Fatalf("get-maintenance-window-execution %s: %v", out, err)
	}
	out, err = srv.CLI(t, servertest.CLIv1, "ssm", "get-maintenance-window-execution-task", "--window-execution-id", exec, "--task-id", ge.TaskIds[0])
	if err != nil {
		t.Fatal(err)
	}
	var task struct{ Status, MaxConcurrency, MaxErrors, Type string }
	if err := json.Unmarshal([]byte(out), &task); err != nil || task.Status != "SUCCESS" || task.MaxConcurrency != "1" || task.MaxErrors != "100%" || task.Type != "RUN_COMMAND" {
		t.Fatalf("get-maintenance-window-execution-task %s: %v", out, err)
	}
	invs, err := c.DescribeMaintenanceWindowExecutionTaskInvocations(ctx, &ssm.DescribeMaintenanceWindowExecutionTaskInvocationsInput{
		WindowExecutionId: aws.String(exec), TaskId: aws.String(ge.TaskIds[0])})
	if err != nil || len(invs.WindowExecutionTaskInvocationIdentities) != 1 {
		t.Fatalf("DescribeMaintenanceWindowExecutionTaskInvocations = %+v, %v", invs, err)
	}
	inv := invs.WindowExecutionTaskInvocationIdentities[0]
	if inv.Status != types.MaintenanceWindowExecutionStatusFailed || aws.ToString(inv.StatusDetails) != "Incomplete" ||
		aws.ToString(inv.OwnerInformation) != "s4" || aws.ToString(inv.WindowTargetId) != aws.ToString(rt.WindowTargetId) {
		t.Fatalf("invocation %+v", inv)
	}
	// The invocation is a Run Command command; each node's output is there.
	cmdID := aws.ToString(inv.ExecutionId)
	for _, n := range []string{n1.NodeID, n2.NodeID} {
		ci := getInvocation(t, c, cmdID, n)
		want := types.CommandInvocationStatusSuccess
		if n == failing {
			want = types.CommandInvocationStatusFailed
		}
		if ci.Status != want {
			t.Errorf("node %s: %s (%q)", n, ci.Status, aws.ToString(ci.StandardErrorContent))
		}
	}
	cmds, err := c.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: aws.String(cmdID)})
	if err != nil || len(cmds.Commands) != 1 || aws.ToString(cmds.Commands[0].Comment) != "window "+aws.ToString(win) {
		t.Fatalf("ListCommands = %+v, %v", cmds, err)
	}
}
