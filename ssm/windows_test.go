package ssm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

type windowFixture struct {
	*cmdFixture
	w *ssm.Windows
}

func newWindowFixture(t *testing.T, nodes []cmdNodeSpec) *windowFixture {
	f := newCmdFixture(t, nodes)
	return &windowFixture{cmdFixture: f, w: ssm.NewWindows(sqlstore.NewWindowsStore(f.db), f.dir, f.cmds, f.env, ssm.WindowOptions{})}
}

func (f *windowFixture) tick() {
	f.t.Helper()
	if err := f.w.Tick(f.ctx); err != nil {
		f.t.Fatalf("Tick: %v", err)
	}
}

func errCodeOf(err error) string {
	var se *steward.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// window creates a window running every five minutes (S4's schedule) with
// a tag:env=test target and returns the window and target IDs.
func (f *windowFixture) window() (string, string) {
	f.t.Helper()
	id, err := f.w.CreateMaintenanceWindow(f.ctx, ssm.WindowInput{Name: "heavy-maintenance", Schedule: "cron(0 */5 * * * ? *)",
		ScheduleTimezone: ptr("Etc/UTC"), Duration: ptr(2), Cutoff: ptr(1), AllowUnassociatedTargets: ptr(false)})
	if err != nil {
		f.t.Fatalf("CreateMaintenanceWindow: %v", err)
	}
	tg, err := f.w.RegisterTargetWithMaintenanceWindow(f.ctx, ssm.TargetInput{WindowID: id, ResourceType: "INSTANCE",
		Targets: []ssm.Target{{Key: "tag:env", Values: []string{"test"}}}, OwnerInformation: "ops-team"})
	if err != nil {
		f.t.Fatalf("RegisterTargetWithMaintenanceWindow: %v", err)
	}
	return id, tg
}

func (f *windowFixture) task(windowID, targetID string, priority int, params map[string][]string, doc ...string) string {
	f.t.Helper()
	name := "AWS-RunShellScript"
	if len(doc) > 0 {
		name = doc[0]
	}
	id, err := f.w.RegisterTaskWithMaintenanceWindow(f.ctx, ssm.WindowTask{WindowID: windowID, TaskArn: name, TaskType: "RUN_COMMAND",
		Targets: []ssm.Target{{Key: "WindowTargetIds", Values: []string{targetID}}}, Priority: priority, MaxConcurrency: "1",
		MaxErrors: "100%", RunCommand: &ssm.WindowRunCommand{Parameters: params}})
	if err != nil {
		f.t.Fatalf("RegisterTaskWithMaintenanceWindow: %v", err)
	}
	return id
}

func (f *windowFixture) executions(windowID string) []*ssm.WindowExecution {
	f.t.Helper()
	es, _, err := f.w.DescribeMaintenanceWindowExecutions(f.ctx, windowID, nil, nil, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

func (f *windowFixture) tasks(execID string) []*ssm.WindowTaskExecution {
	f.t.Helper()
	ts, _, err := f.w.DescribeMaintenanceWindowExecutionTasks(f.ctx, execID, nil, nil, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return ts
}

func (f *windowFixture) invocations(execID, taskExecID string) []*ssm.WindowTaskInvocation {
	f.t.Helper()
	is, _, err := f.w.DescribeMaintenanceWindowExecutionTaskInvocations(f.ctx, execID, taskExecID, nil, nil, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return is
}

func TestWindowRunsTasksByPriority(t *testing.T) {
	f := newWindowFixture(t, cmdLinuxNodes(3))
	nodes := []string{cmdNode(1), cmdNode(2), cmdNode(3)}
	win, tg := f.window()
	first := f.task(win, tg, 1, map[string][]string{"commands": {"echo {{WINDOW_ID}} {{WINDOW_EXECUTION_ID}} {{TARGET_TYPE}}"}})
	second := f.task(win, tg, 2, map[string][]string{"commands": {"echo second"}})
	w, err := f.w.GetMaintenanceWindow(f.ctx, win)
	if err != nil || !w.Enabled || !w.NextRun.Equal(time.Date(2026, 1, 21, 10, 20, 0, 0, time.UTC)) {
		t.Fatalf("window %+v, %v", w, err)
	}
	f.tick()
	if es := f.executions(win); len(es) != 0 {
		t.Fatalf("executions before the schedule: %+v", es)
	}
	f.clock.Advance(5 * time.Minute)
	f.tick()
	es := f.executions(win)
	if len(es) != 1 || es[0].Status != ssm.WinInProgress {
		t.Fatalf("executions = %+v", es)
	}
	exec := es[0].WindowExecutionID
	ts := f.tasks(exec)
	if len(ts) != 2 || ts[0].Task.WindowTaskID != first || ts[0].Status != ssm.WinInProgress || ts[1].Status != ssm.WinPending {
		t.Fatalf("tasks = %+v %+v", ts[0], ts[1])
	}
	invs := f.invocations(exec, ts[0].TaskExecutionID)
	if len(invs) != 1 || invs[0].Status != ssm.WinInProgress || invs[0].OwnerInformation != "ops-team" || invs[0].WindowTargetID != tg {
		t.Fatalf("invocations = %+v", invs)
	}
	cmd := f.command(invs[0].ExecutionID)
	if cmd.ConcurrencyLimit != 1 || cmd.Counters.Target != 3 || cmd.MaxErrors != "100%" ||
		cmd.Parameters["commands"][0] != "echo "+win+" "+exec+" INSTANCE" {
		t.Fatalf("command %+v", cmd)
	}
	if !strings.Contains(invs[0].Parameters, `"maxConcurrency":"1"`) || !strings.Contains(invs[0].Parameters, `"documentName":"AWS-RunShellScript"`) {
		t.Fatalf("invocation parameters %s", invs[0].Parameters)
	}
	// One node at a time: only one node has the command before it ends.
	if offered := f.offered(cmd.CommandID, nodes); len(offered) != 1 {
		t.Fatalf("offered to %v at once with MaxConcurrency 1", offered)
	}
	f.runAll(cmd.CommandID, nodes, func(n string) (string, int) {
		if n == cmdNode(2) {
			return "Failed", 1
		}
		return "Success", 0
	})
	f.tick()
	ts = f.tasks(exec)
	if ts[0].Status != ssm.WinSuccess || ts[1].Status != ssm.WinInProgress {
		t.Fatalf("after the first task: %+v / %+v", ts[0], ts[1])
	}
	if invs := f.invocations(exec, ts[0].TaskExecutionID); invs[0].Status != ssm.WinFailed || invs[0].StatusDetails != "Incomplete" {
		t.Fatalf("first task's invocation %+v", invs[0])
	}

	// The next start overlaps the running execution.
	f.clock.Advance(5 * time.Minute)
	f.tick()
	es = f.executions(win)
	if len(es) != 2 || es[0].Status != ssm.WinSkippedOver || es[1].WindowExecutionID != exec {
		t.Fatalf("executions after an overlapping start: %+v %+v", es[0], es[1])
	}
	second2 := f.invocations(exec, ts[1].TaskExecutionID)
	f.runAll(second2[0].ExecutionID, nodes, func(string) (string, int) { return "Success", 0 })
	f.tick()
	e, tasks, err := f.w.GetMaintenanceWindowExecution(f.ctx, exec)
	if err != nil || e.Status != ssm.WinSuccess || e.End.IsZero() || len(tasks) != 2 || tasks[1].Task.WindowTaskID != second {
		t.Fatalf("execution %+v, %v", e, err)
	}
	// With no open execution the next start runs.
	f.clock.Advance(5 * time.Minute)
	f.tick()
	if es := f.executions(win); len(es) != 3 || es[0].Status != ssm.WinInProgress {
		t.Fatalf("third start: %+v", es[0])
	}
}

func TestWindowCancelStopsTasksNotStarted(t *testing.T) {
	f := newWindowFixture(t, cmdLinuxNodes(1))
	win, tg := f.window()
	f.task(win, tg, 1, map[string][]string{"commands": {"echo one"}})
	f.task(win, tg, 5, map[string][]string{"commands": {"echo two"}})
	f.clock.Advance(5 * time.Minute)
	f.tick()
	exec := f.executions(win)[0].WindowExecutionID
	if err := f.w.CancelMaintenanceWindowExecution(f.ctx, exec); err != nil {
		t.Fatal(err)
	}
	f.tick()
	ts := f.tasks(exec)
	if ts[0].Status != ssm.WinInProgress || ts[1].Status != ssm.WinCancelled {
		t.Fatalf("after cancel: %+v / %+v", ts[0], ts[1])
	}
	if e := f.executions(win)[0]; e.Status != ssm.WinCancelling {
		t.Fatalf("execution while cancelling: %+v", e)
	}
	inv := f.invocations(exec, ts[0].TaskExecutionID)[0]
	f.runAll(inv.ExecutionID, []string{cmdNode(1)}, func(string) (string, int) { return "Success", 0 })
	f.tick()
	if e := f.executions(win)[0]; e.Status != ssm.WinCancelled || !e.Done {
		t.Fatalf("execution after cancel: %+v", e)
	}
	if err := f.w.CancelMaintenanceWindowExecution(f.ctx, "aaaaaaaa-0000-0000-0000-000000000000"); errCodeOf(err) != ssm.CodeDoesNotExist {
		t.Fatalf("cancel missing: %v", err)
	}
}

func TestWindowInvocationErrors(t *testing.T) {
	f := newWindowFixture(t, cmdLinuxNodes(1))
	win, tg := f.window()
	// No node has this tag: NoInstancesInTag.
	empty, err := f.w.RegisterTargetWithMaintenanceWindow(f.ctx, ssm.TargetInput{WindowID: win, ResourceType: "INSTANCE",
		Targets: []ssm.Target{{Key: "tag:MaintenanceTarget", Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f.task(win, empty, 1, map[string][]string{"commands": {"true"}})
	// A multi-element commandLine is refused by the document's String parameter.
	f.task(win, tg, 2, map[string][]string{"sourceType": {"S3"}, "sourceInfo": {`{"path":"https://example.com/m.sh"}`},
		"commandLine": {"maintenance.sh", "arg"}}, "AWS-RunRemoteScript")
	// A SecureString read with {{ssm:…}}.
	key := "abc123"
	if _, err := f.params.PutParameter(f.ctx, ssm.PutParameterInput{Name: "/datadog/api_key", Type: "SecureString", Value: &key}); err != nil {
		t.Fatal(err)
	}
	f.task(win, tg, 3, map[string][]string{"sourceType": {"S3"}, "sourceInfo": {`{"path":"https://example.com/m.sh"}`},
		"commandLine": {"maintenance.sh {{ssm:/datadog/api_key}}"}}, "AWS-RunRemoteScript")
	f.clock.Advance(5 * time.Minute)
	f.tick()
	e := f.executions(win)[0]
	if e.Status != ssm.WinFailed || !e.Done {
		t.Fatalf("execution %+v", e)
	}
	ts := f.tasks(e.WindowExecutionID)
	for i, want := range []string{"NoInstancesInTag", ssm.CodeInvalidParameters, ssm.CodeInvalidParameters} {
		inv := f.invocations(e.WindowExecutionID, ts[i].TaskExecutionID)[0]
		if ts[i].Status != ssm.WinFailed || inv.Status != ssm.WinFailed || !strings.HasPrefix(inv.StatusDetails, want) {
			t.Errorf("task %d: %+v, invocation %+v", i, ts[i], inv)
		}
	}
}

func TestWindowValidation(t *testing.T) {
	f := newWindowFixture(t, cmdLinuxNodes(1))
	win, tg := f.window()
	base := ssm.WindowInput{Name: "w-1", Schedule: "rate(1 day)", Duration: ptr(2), Cutoff: ptr(1), AllowUnassociatedTargets: ptr(true)}
	for name, mod := range map[string]func(*ssm.WindowInput){
		"cutoff not below duration": func(in *ssm.WindowInput) { in.Cutoff = ptr(2) },
		"duration above 24":         func(in *ssm.WindowInput) { in.Duration = ptr(25) },
		"bad name":                  func(in *ssm.WindowInput) { in.Name = "x" },
		"bad schedule":              func(in *ssm.WindowInput) { in.Schedule = "cron(* * * * ? *)" },
		"bad timezone":              func(in *ssm.WindowInput) { in.ScheduleTimezone = ptr("Mars/Olympus") },
		"offset with rate":          func(in *ssm.WindowInput) { in.ScheduleOffset = ptr(2) },
		"no duration":               func(in *ssm.WindowInput) { in.Duration = nil },
	} {
		in := base
		mod(&in)
		if _, err := f.w.CreateMaintenanceWindow(f.ctx, in); errCodeOf(err) != "ValidationException" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.w.GetMaintenanceWindow(f.ctx, "mw-00000000000000000"); errCodeOf(err) != ssm.CodeDoesNotExist {
		t.Errorf("get missing: %v", err)
	}
	for _, typ := range []string{"AUTOMATION", "LAMBDA", "STEP_FUNCTIONS"} {
		_, err := f.w.RegisterTaskWithMaintenanceWindow(f.ctx, ssm.WindowTask{WindowID: win, TaskArn: "AWS-RestartEC2Instance", TaskType: typ,
			Targets: []ssm.Target{{Key: "WindowTargetIds", Values: []string{tg}}}, MaxConcurrency: "1", MaxErrors: "1"})
		if errCodeOf(err) != ssm.CodeFeatureNotAvailable {
			t.Errorf("%s task: %v", typ, err)
		}
	}
	_, err := f.w.RegisterTaskWithMaintenanceWindow(f.ctx, ssm.WindowTask{WindowID: win, TaskArn: "AWS-RunShellScript", TaskType: "RUN_COMMAND",
		Targets: []ssm.Target{{Key: "InstanceIds", Values: []string{cmdNode(1)}}}, MaxConcurrency: "1", MaxErrors: "1"})
	if errCodeOf(err) != "ValidationException" {
		t.Errorf("InstanceIds without AllowUnassociatedTargets: %v", err)
	}
	_, err = f.w.RegisterTaskWithMaintenanceWindow(f.ctx, ssm.WindowTask{WindowID: win, TaskArn: "AWS-RunShellScript", TaskType: "RUN_COMMAND",
		Targets: []ssm.Target{{Key: "WindowTargetIds", Values: []string{"11111111-1111-1111-1111-111111111111"}}}, MaxConcurrency: "1", MaxErrors: "1"})
	if errCodeOf(err) != ssm.CodeDoesNotExist {
		t.Errorf("unknown window target: %v", err)
	}
	task := f.task(win, tg, 1, map[string][]string{"commands": {"true"}})
	if err := f.w.DeregisterTargetFromMaintenanceWindow(f.ctx, win, tg, true); errCodeOf(err) != ssm.CodeTargetInUse {
		t.Errorf("safe deregister of a used target: %v", err)
	}
	if err := f.w.DeregisterTaskFromMaintenanceWindow(f.ctx, win, task); err != nil {
		t.Fatal(err)
	}
	if _, err := f.w.GetMaintenanceWindowTask(f.ctx, win, task); errCodeOf(err) != ssm.CodeDoesNotExist {
		t.Errorf("get deregistered task: %v", err)
	}
	// Disabling a window unschedules it; the schedule lists coming starts.
	sched, err := f.w.DescribeMaintenanceWindowSchedule(f.ctx, win, ptr(3))
	if err != nil || len(sched) != 3 || !sched[1].ExecutionTime.Equal(sched[0].ExecutionTime.Add(5*time.Minute)) {
		t.Fatalf("schedule = %+v, %v", sched, err)
	}
	w, err := f.w.UpdateMaintenanceWindow(f.ctx, win, ssm.WindowInput{Enabled: ptr(false)})
	if err != nil || w.Enabled || !w.NextRun.IsZero() || w.Name != "heavy-maintenance" {
		t.Fatalf("disabled = %+v, %v", w, err)
	}
	list, _, err := f.w.DescribeMaintenanceWindows(f.ctx, []ssm.WindowFilter{{Key: "Enabled", Values: []string{"false"}}}, nil, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("filter Enabled=false: %+v, %v", list, err)
	}
	if err := f.w.DeleteMaintenanceWindow(f.ctx, win); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := f.w.DescribeMaintenanceWindows(f.ctx, nil, nil, ""); len(list) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
}

// TestWindowTwoServers: two schedulers on one database (two replicas) start
// a window once and send each invocation's command once.
func TestWindowTwoServers(t *testing.T) {
	f := newWindowFixture(t, cmdLinuxNodes(2))
	other := ssm.NewWindows(sqlstore.NewWindowsStore(f.db), f.dir, f.cmds, f.env, ssm.WindowOptions{})
	win, tg := f.window()
	f.task(win, tg, 1, map[string][]string{"commands": {"echo a"}})
	f.task(win, tg, 1, map[string][]string{"commands": {"echo b"}})
	f.clock.Advance(5 * time.Minute)
	errs := make(chan error, 2)
	for _, w := range []*ssm.Windows{f.w, other} {
		go func() {
			var err error
			for range 5 {
				if err = w.Tick(f.ctx); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	es := f.executions(win)
	if len(es) != 1 {
		t.Fatalf("executions %+v", es)
	}
	ts := f.tasks(es[0].WindowExecutionID)
	for _, task := range ts {
		if invs := f.invocations(es[0].WindowExecutionID, task.TaskExecutionID); len(invs) != 1 || invs[0].ExecutionID == "" {
			t.Fatalf("task %+v invocations %+v", task, invs)
		}
	}
	out, err := f.cmds.ListCommands(f.ctx, ssm.ListCommandsInput{})
	if err != nil || len(out.Commands) != 2 {
		t.Fatalf("%d commands for two tasks (%v)", len(out.Commands), err)
	}
}

// TestWindowCutoffAndDuration: no task starts after the cutoff (it ends
// TIMED_OUT); a CANCEL_TASK task running at the cutoff has its command
// cancelled and ends TIMED_OUT; work ending after the duration makes the
// execution TIMED_OUT.
func TestWindowCutoffAndDuration(t *testing.T) {
	f := newWindowFixture(t, cmdLinuxNodes(1))
	win, tg := f.window() // duration 2 h, cutoff 1 h
	f.task(win, tg, 1, map[string][]string{"commands": {"echo one"}})
	f.task(win, tg, 2, map[string][]string{"commands": {"echo two"}})
	f.clock.Advance(5 * time.Minute)
	f.tick()
	exec := f.executions(win)[0].WindowExecutionID
	ts := f.tasks(exec)
	inv := f.invocations(exec, ts[0].TaskExecutionID)[0]
	f.runAll(inv.ExecutionID, []string{cmdNode(1)}, func(string) (string, int) { return "Success", 0 })
	f.clock.Advance(61 * time.Minute) // past the cutoff before the next task starts
	f.tick()
	ts = f.tasks(exec)
	if ts[0].Status != ssm.WinSuccess || ts[1].Status != ssm.WinTimedOut {
		t.Fatalf("after the cutoff: %+v / %+v", ts[0], ts[1])
	}
	// (The window's next start came while it still ran: skipped.)
	if e, _, err := f.w.GetMaintenanceWindowExecution(f.ctx, exec); err != nil || e.Status != ssm.WinTimedOut {
		t.Fatalf("execution %+v, %v", e, err)
	}

	// CANCEL_TASK: the running command is cancelled at the cutoff.
	win2, tg2 := f.window()
	if _, err := f.w.RegisterTaskWithMaintenanceWindow(f.ctx, ssm.WindowTask{WindowID: win2, TaskArn: "AWS-RunShellScript", TaskType: "RUN_COMMAND",
		Targets: []ssm.Target{{Key: "WindowTargetIds", Values: []string{tg2}}}, MaxConcurrency: "1", MaxErrors: "1",
		CutoffBehavior: ssm.CutoffCancelTask, RunCommand: &ssm.WindowRunCommand{Parameters: map[string][]string{"commands": {"sleep 9999"}}}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(5 * time.Minute)
	f.tick()
	exec2 := f.executions(win2)[0].WindowExecutionID
	task := f.tasks(exec2)[0]
	cmdID := f.invocations(exec2, task.TaskExecutionID)[0].ExecutionID
	if len(f.poll(cmdNode(1))) == 0 {
		t.Fatal("the command was not delivered")
	}
	f.ack(cmdNode(1), cmdID)
	f.clock.Advance(61 * time.Minute)
	f.tick()
	if c := f.command(cmdID); !c.CancelRequested {
		t.Fatalf("command not cancelled at the cutoff: %+v", c)
	}
	f.finish(cmdNode(1), cmdID, "Cancelled", 0)
	f.tick()
	if task := f.tasks(exec2)[0]; task.Status != ssm.WinTimedOut {
		t.Fatalf("CANCEL_TASK task after the cutoff: %+v", task)
	}
}
