package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Tick does the time-driven work of Maintenance Windows once: it starts the
// windows that are due (storing their next start) and moves every open
// execution forward (tasks by priority, invocations one after another,
// statuses following the commands). The loop calls it every Tick; tests
// call it after moving a fake clock.
func (w *Windows) Tick(ctx context.Context) error {
	now := w.now()
	for {
		due, err := w.store.ClaimDue(ctx, now, now.Add(windowLease), windowClaimBatch)
		if err != nil {
			return err
		}
		for _, win := range due {
			if err := w.start(ctx, win, now); err != nil {
				w.log.Error("maintenance window start failed", "window", win.WindowID, "err", err)
			}
			if err := w.store.SetNextRun(ctx, win.WindowID, nextWindowStart(win, now)); err != nil {
				return err
			}
		}
		if len(due) < windowClaimBatch {
			break
		}
	}
	open, err := w.store.ClaimOpen(ctx, now, now.Add(windowLease), windowClaimBatch)
	if err != nil {
		return err
	}
	for i, e := range open {
		if err := w.advanceHeld(ctx, e); err != nil {
			for _, rest := range open[i+1:] {
				_ = w.store.ReleaseExecution(ctx, rest.WindowExecutionID)
			}
			return err
		}
	}
	return nil
}

// advanceHeld advances an execution this server holds, then lets it go.
func (w *Windows) advanceHeld(ctx context.Context, e *WindowExecution) error {
	err := w.advance(ctx, e)
	if rerr := w.store.ReleaseExecution(context.WithoutCancel(ctx), e.WindowExecutionID); err == nil {
		err = rerr
	}
	return err
}

// start opens an execution of win, or records a SKIPPED_OVERLAPPING one
// when its previous execution is still open.
func (w *Windows) start(ctx context.Context, win *Window, now time.Time) error {
	e := &WindowExecution{WindowID: win.WindowID, WindowExecutionID: uuid.NewString(), Status: WinInProgress, Start: now,
		Cutoff: now.Add(time.Duration(win.Duration-win.Cutoff) * time.Hour), Deadline: now.Add(time.Duration(win.Duration) * time.Hour)}
	running, err := w.store.HasOpenExecution(ctx, win.WindowID)
	if err != nil {
		return err
	}
	if running {
		e.Status, e.StatusDetails, e.End, e.Done = WinSkippedOver, "The previous execution of this maintenance window is still running.", now, true
		return w.store.CreateExecution(ctx, e, nil, time.Time{})
	}
	tasks, err := w.store.ListTasks(ctx, win.WindowID)
	if err != nil {
		return err
	}
	if len(tasks) == 0 {
		e.Status, e.StatusDetails, e.End, e.Done = WinSuccess, "No tasks to execute.", now, true
		return w.store.CreateExecution(ctx, e, nil, time.Time{})
	}
	var tes []*WindowTaskExecution
	for _, t := range tasks {
		tes = append(tes, &WindowTaskExecution{WindowExecutionID: e.WindowExecutionID, TaskExecutionID: uuid.NewString(), Task: *t, Status: WinPending})
	}
	// Created held by this server, which moves it forward first.
	if err := w.store.CreateExecution(ctx, e, tes, now.Add(windowLease)); err != nil {
		return err
	}
	return w.advanceHeld(ctx, e)
}

func terminal(status string) bool {
	switch status {
	case WinPending, WinInProgress, WinCancelling:
		return false
	}
	return true
}

// advance moves an open execution forward and saves what changed.
func (w *Windows) advance(ctx context.Context, e *WindowExecution) error {
	// A cancel may have been stored since e was read.
	cur, err := w.store.GetExecution(ctx, e.WindowExecutionID)
	if errors.Is(err, ErrWindowExecNotFound) {
		return nil // the window was deleted
	}
	if err != nil {
		return err
	}
	e = cur
	tasks, err := w.store.ExecutionTasks(ctx, e.WindowExecutionID)
	if err != nil {
		return err
	}
	now := w.now()
	for round := 0; round <= len(tasks); round++ {
		if e.Status == WinCancelling {
			for _, t := range tasks {
				if t.Status == WinPending {
					t.Status, t.StatusDetails, t.End = WinCancelled, "The maintenance window execution was cancelled before the task started.", now
				}
			}
		}
		running := false
		for _, t := range tasks {
			if t.Status != WinInProgress {
				continue
			}
			if err := w.followTask(ctx, e, t, now); err != nil {
				return err
			}
			running = running || t.Status == WinInProgress
		}
		if running {
			break
		}
		var pending []*WindowTaskExecution
		for _, t := range tasks {
			if t.Status == WinPending {
				pending = append(pending, t)
			}
		}
		if len(pending) == 0 {
			break
		}
		if !now.Before(e.Cutoff) {
			for _, t := range pending {
				t.Status, t.StatusDetails, t.End = WinTimedOut, "The maintenance window's cutoff was reached before the task started.", now
			}
			break
		}
		low := pending[0].Task.Priority
		for _, t := range pending {
			low = min(low, t.Task.Priority)
		}
		for _, t := range pending {
			if t.Task.Priority == low {
				if err := w.startTask(ctx, e, t, now); err != nil {
					return err
				}
			}
		}
	}
	if !slices.ContainsFunc(tasks, func(t *WindowTaskExecution) bool { return !terminal(t.Status) }) {
		settleWindow(e, tasks, now)
		return w.store.SaveExecution(ctx, e, tasks, nil)
	}
	// nil: the execution row is left as stored (a cancel may have come in).
	return w.store.SaveExecution(ctx, nil, tasks, nil)
}

func settleWindow(e *WindowExecution, tasks []*WindowTaskExecution, now time.Time) {
	status, details := WinSuccess, ""
	count := func(s string) int {
		n := 0
		for _, t := range tasks {
			if t.Status == s {
				n++
			}
		}
		return n
	}
	switch {
	case e.Status == WinCancelling:
		status, details = WinCancelled, "The maintenance window execution was cancelled."
	case count(WinFailed) > 0:
		status, details = WinFailed, "One or more tasks in the orchestration failed."
	case count(WinTimedOut) > 0:
		status, details = WinTimedOut, "One or more tasks timed out."
	case count(WinCancelled) > 0:
		status, details = WinCancelled, "One or more tasks were cancelled."
	case !e.Deadline.IsZero() && now.After(e.Deadline):
		status, details = WinTimedOut, "The maintenance window's duration ended before its tasks completed."
	}
	e.Status, e.StatusDetails, e.End, e.Done = status, details, now, true
}

// startTask creates a task execution's invocations (one per window target
// it names, or one for its InstanceIds) and starts the first.
func (w *Windows) startTask(ctx context.Context, e *WindowExecution, t *WindowTaskExecution, now time.Time) error {
	t.Status, t.Start = WinInProgress, now
	var invs []*WindowTaskInvocation
	add := func(inv *WindowTaskInvocation) {
		inv.WindowExecutionID, inv.TaskExecutionID, inv.InvocationID = e.WindowExecutionID, t.TaskExecutionID, uuid.NewString()
		inv.Seq, inv.TaskType, inv.Status = len(invs), t.Task.TaskType, WinPending
		invs = append(invs, inv)
	}
	for _, tg := range t.Task.Targets {
		switch tg.Key {
		case "WindowTargetIds":
			for _, id := range tg.Values {
				add(&WindowTaskInvocation{WindowTargetID: id})
			}
		case "InstanceIds":
			add(&WindowTaskInvocation{InstanceIDs: tg.Values})
		}
	}
	if len(invs) == 0 {
		t.Status, t.StatusDetails, t.End = WinSuccess, "No invocations to execute.", now
		return w.store.SaveExecution(ctx, nil, []*WindowTaskExecution{t}, nil)
	}
	if err := w.store.SaveExecution(ctx, nil, []*WindowTaskExecution{t}, invs); err != nil {
		return err
	}
	return w.followTask(ctx, e, t, now)
}

// followTask brings a running task's invocations up to date with their
// commands, starts its next invocation when none runs, and saves the task
// and its invocations.
func (w *Windows) followTask(ctx context.Context, e *WindowExecution, t *WindowTaskExecution, now time.Time) error {
	invs, err := w.followInvocations(ctx, e, t, now)
	if err != nil {
		return err
	}
	return w.store.SaveExecution(ctx, nil, []*WindowTaskExecution{t}, invs)
}

func (w *Windows) followInvocations(ctx context.Context, e *WindowExecution, t *WindowTaskExecution, now time.Time) ([]*WindowTaskInvocation, error) {
	invs, err := w.store.TaskInvocations(ctx, e.WindowExecutionID, t.TaskExecutionID)
	if err != nil {
		return nil, err
	}
	pastCutoff := !now.Before(e.Cutoff)
	cancelAtCutoff := pastCutoff && t.Task.CutoffBehavior == CutoffCancelTask
	for _, inv := range invs {
		if inv.Status != WinInProgress {
			continue
		}
		cmd, err := w.cmds.store.GetCommand(ctx, inv.ExecutionID)
		if errors.Is(err, ErrCommandNotFound) {
			inv.Status, inv.StatusDetails, inv.End = WinFailed, "The command no longer exists.", now
			continue
		}
		if err != nil {
			return nil, err
		}
		if !cmd.Done && cancelAtCutoff && !inv.TimeoutCancelled {
			if err := w.cmds.CancelCommand(ctx, inv.ExecutionID, nil); err != nil {
				w.log.Error("maintenance window: cancel at cutoff", "command", inv.ExecutionID, "err", err)
			}
			inv.TimeoutCancelled = true
		}
		if cmd.Done {
			inv.Status, inv.StatusDetails, inv.End = invocationStatus(cmd, inv.TimeoutCancelled), cmd.StatusDetails, now
		}
	}
	for _, inv := range invs {
		if inv.Status == WinInProgress {
			return invs, nil
		}
	}
	for _, inv := range invs {
		if inv.Status != WinPending {
			continue
		}
		if cancelAtCutoff {
			inv.Status, inv.StatusDetails, inv.End = WinTimedOut, "The maintenance window's cutoff was reached before the invocation started.", now
			continue
		}
		if err := w.invoke(ctx, e, t, inv, now); err != nil {
			return nil, err
		}
		if inv.Status == WinInProgress {
			return invs, nil
		}
	}
	t.Status, t.StatusDetails = taskStatus(invs)
	t.End = now
	return invs, nil
}

func invocationStatus(cmd *CommandRecord, cutoff bool) string {
	switch cmd.Status {
	case CmdSuccess:
		return WinSuccess
	case CmdCancelled:
		if cutoff {
			return WinTimedOut
		}
		return WinCancelled
	case CmdTimedOut:
		return WinTimedOut
	}
	return WinFailed
}

// taskStatus is a finished task's status: SUCCESS when every invocation
// succeeded or failed only within MaxErrors (command Incomplete).
func taskStatus(invs []*WindowTaskInvocation) (string, string) {
	status, details := WinSuccess, ""
	for _, inv := range invs {
		switch {
		case inv.Status == WinTimedOut:
			return WinTimedOut, "One or more invocations timed out."
		case inv.Status == WinCancelled:
			status, details = WinCancelled, "One or more invocations were cancelled."
		case inv.Status == WinFailed && inv.StatusDetails == DetailIncomplete && status == WinSuccess:
			details = "One or more nodes failed within the task's MaxErrors."
		case inv.Status == WinFailed && status != WinCancelled:
			status, details = WinFailed, "One or more invocations failed."
		}
	}
	return status, details
}

// invoke sends an invocation's command: the nodes its window target (or
// InstanceIds) select now, the task's document and rate control, its
// parameters and comment with the pseudo parameters replaced ({{TARGET_ID}}
// and {{RESOURCE_ID}} stay as written: AWS offers them to Automation,
// Lambda and Step Functions tasks only, reference §5.3).
func (w *Windows) invoke(ctx context.Context, e *WindowExecution, t *WindowTaskExecution, inv *WindowTaskInvocation, now time.Time) error {
	inv.Start = now
	fail := func(details string) {
		inv.Status, inv.StatusDetails, inv.End = WinFailed, truncate(details, windowDetailsMax), now
	}
	var targets []Target
	ids := inv.InstanceIDs
	if inv.WindowTargetID != "" {
		all, err := w.store.ListTargets(ctx, e.WindowID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(r *WindowTarget) bool { return r.WindowTargetID == inv.WindowTargetID })
		if i < 0 {
			fail("The window target " + inv.WindowTargetID + " is no longer registered with the maintenance window.")
			return nil
		}
		targets, inv.OwnerInformation = all[i].Targets, all[i].OwnerInformation
	}
	nodes, err := w.nodes.ResolveTargets(ctx, ids, targets)
	if err != nil {
		fail(errorText(err))
		return nil
	}
	if len(nodes) == 0 {
		tagged := slices.ContainsFunc(targets, func(tg Target) bool { return tg.Key == "tag-key" || strings.HasPrefix(tg.Key, "tag:") })
		if tagged {
			fail("NoInstancesInTag: no managed node has the tags the window target " + inv.WindowTargetID + " selects.")
		} else {
			fail("No managed node matches the invocation's targets.")
		}
		return nil
	}
	rc := t.Task.RunCommand
	if rc == nil {
		rc = &WindowRunCommand{}
	}
	pseudo := strings.NewReplacer(
		"{{WINDOW_ID}}", e.WindowID, "{{WINDOW_TASK_ID}}", t.Task.WindowTaskID, "{{WINDOW_TARGET_ID}}", inv.WindowTargetID,
		"{{WINDOW_EXECUTION_ID}}", e.WindowExecutionID, "{{TASK_EXECUTION_ID}}", t.TaskExecutionID,
		"{{INVOCATION_ID}}", inv.InvocationID, "{{TARGET_TYPE}}", "INSTANCE")
	params := make(map[string][]string, len(rc.Parameters))
	for k, vs := range rc.Parameters {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = pseudo.Replace(v)
		}
		params[k] = out
	}
	in := SendCommandInput{
		InstanceIDs: ids, Targets: targets, DocumentName: t.Task.TaskArn, DocumentVersion: rc.DocumentVersion,
		DocumentHash: rc.DocumentHash, DocumentHashType: rc.DocumentHashType, TimeoutSeconds: rc.TimeoutSeconds,
		Comment: pseudo.Replace(rc.Comment), Parameters: params, OutputS3BucketName: rc.OutputS3BucketName, OutputS3KeyPrefix: rc.OutputS3KeyPrefix,
		MaxConcurrency: t.Task.MaxConcurrency, MaxErrors: t.Task.MaxErrors, ServiceRoleArn: cmpOr(rc.ServiceRoleArn, t.Task.ServiceRoleArn),
		NotificationConfig: rc.NotificationConfig, CloudWatchOutputConfig: rc.CloudWatchOutputConfig,
	}
	nodeIDs := make([]string, len(nodes))
	for i, n := range nodes {
		nodeIDs[i] = n.ID
	}
	shown := map[string]any{"comment": pseudo.Replace(rc.Comment), "documentName": t.Task.TaskArn, "instanceIds": nodeIDs,
		"maxConcurrency": t.Task.MaxConcurrency, "maxErrors": t.Task.MaxErrors, "parameters": params}
	if rc.TimeoutSeconds != nil {
		shown["timeoutSeconds"] = *rc.TimeoutSeconds
	}
	if rc.DocumentVersion != "" {
		shown["documentVersion"] = rc.DocumentVersion
	}
	b, _ := json.Marshal(shown)
	inv.Parameters = string(b)
	cmd, err := w.cmds.sendToNodes(ctx, in, nodes)
	if err != nil {
		fail(errorText(err))
		return nil
	}
	inv.ExecutionID, inv.Status = cmd.CommandID, WinInProgress
	return nil
}

// errorText is an error as a task invocation's StatusDetails: "Code:
// message" for AWS errors.
func errorText(err error) string {
	var se *steward.Error
	if errors.As(err, &se) {
		return se.Code + ": " + se.Message
	}
	return err.Error()
}
