package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/ssm"
)

func testWindows(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		run  func(*testing.T, *sqlstore.WindowsStore)
	}{
		{"CRUD", windowCRUD},
		{"Claim", windowClaim},
		{"Executions", windowExecutions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, sqlstore.NewWindowsStore(newDB(t))) })
	}
}

var winT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func testWindow(id string, next time.Time) *ssm.Window {
	off := 2
	return &ssm.Window{WindowID: id, Name: "patch-düsseldorf", Description: "heavy ✓", Schedule: "cron(0 */5 * * * ? *)",
		ScheduleTimezone: "Etc/UTC", ScheduleOffset: &off, Duration: 2, Cutoff: 1, Enabled: true,
		Tags: []ssm.AssociationTag{{Key: "team", Value: "ops"}}, Created: winT0, Modified: winT0, NextRun: next}
}

func windowCRUD(t *testing.T, s *sqlstore.WindowsStore) {
	ctx := context.Background()
	w := testWindow("mw-0123456789abcdef0", winT0)
	if err := s.CreateWindow(ctx, w, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWindow(ctx, testWindow("mw-0123456789abcdef1", winT0), 2); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWindow(ctx, testWindow("mw-0123456789abcdef2", winT0), 2); !errors.Is(err, ssm.ErrWindowLimit) {
		t.Fatalf("third window with max 2: %v", err)
	}
	got, err := s.GetWindow(ctx, w.WindowID)
	if err != nil || got.Name != w.Name || got.Description != w.Description || *got.ScheduleOffset != 2 || !got.NextRun.Equal(winT0) ||
		len(got.Tags) != 1 || !got.Created.Equal(winT0) {
		t.Fatalf("GetWindow = %+v, %v", got, err)
	}
	got.Enabled, got.NextRun = false, time.Time{}
	if err := s.UpdateWindow(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetWindow(ctx, w.WindowID); got.Enabled || !got.NextRun.IsZero() {
		t.Fatalf("after update %+v", got)
	}
	if err := s.UpdateWindow(ctx, testWindow("mw-00000000000000000", winT0)); !errors.Is(err, ssm.ErrWindowNotFound) {
		t.Fatalf("update missing: %v", err)
	}

	tg := &ssm.WindowTarget{WindowID: w.WindowID, WindowTargetID: "11111111-1111-1111-1111-111111111111", ResourceType: "INSTANCE",
		Targets: []ssm.Target{{Key: "tag:MaintenanceTarget", Values: []string{"true"}}}, OwnerInformation: "ops"}
	if err := s.PutTarget(ctx, tg, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTarget(ctx, tg, 1); err != nil {
		t.Fatalf("replacing a target at the limit: %v", err)
	}
	tg2 := *tg
	tg2.WindowTargetID = "22222222-2222-2222-2222-222222222222"
	if err := s.PutTarget(ctx, &tg2, 1); !errors.Is(err, ssm.ErrWindowLimit) {
		t.Fatalf("second target with max 1: %v", err)
	}
	tg2.WindowID = "mw-00000000000000000"
	if err := s.PutTarget(ctx, &tg2, 5); !errors.Is(err, ssm.ErrWindowNotFound) {
		t.Fatalf("target of a missing window: %v", err)
	}
	task := &ssm.WindowTask{WindowID: w.WindowID, WindowTaskID: "33333333-3333-3333-3333-333333333333", TaskArn: "AWS-RunShellScript",
		TaskType: "RUN_COMMAND", Priority: 1, MaxConcurrency: "1", MaxErrors: "100%",
		Targets:    []ssm.Target{{Key: "WindowTargetIds", Values: []string{tg.WindowTargetID}}},
		RunCommand: &ssm.WindowRunCommand{Parameters: map[string][]string{"commands": {"echo {{WINDOW_ID}}"}}}}
	if err := s.PutTask(ctx, task, 20); err != nil {
		t.Fatal(err)
	}
	tasks, err := s.ListTasks(ctx, w.WindowID)
	if err != nil || len(tasks) != 1 || tasks[0].RunCommand.Parameters["commands"][0] != "echo {{WINDOW_ID}}" {
		t.Fatalf("ListTasks = %+v, %v", tasks, err)
	}
	targets, err := s.ListTargets(ctx, w.WindowID)
	if err != nil || len(targets) != 1 || targets[0].OwnerInformation != "ops" {
		t.Fatalf("ListTargets = %+v, %v", targets, err)
	}
	if err := s.DeleteTask(ctx, w.WindowID, task.WindowTaskID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTask(ctx, w.WindowID, task.WindowTaskID); !errors.Is(err, ssm.ErrWindowItemNotFound) {
		t.Fatalf("delete task twice: %v", err)
	}
	if err := s.DeleteWindow(ctx, w.WindowID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetWindow(ctx, w.WindowID); !errors.Is(err, ssm.ErrWindowNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if targets, _ := s.ListTargets(ctx, w.WindowID); len(targets) != 0 {
		t.Fatalf("targets survived the window: %+v", targets)
	}
	if err := s.DeleteWindow(ctx, w.WindowID); !errors.Is(err, ssm.ErrWindowNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	all, err := s.ListWindows(ctx)
	if err != nil || len(all) != 1 || all[0].WindowID != "mw-0123456789abcdef1" {
		t.Fatalf("ListWindows = %+v, %v", all, err)
	}
}

func windowClaim(t *testing.T, s *sqlstore.WindowsStore) {
	ctx := context.Background()
	for i, next := range []time.Time{winT0, winT0.Add(time.Minute), {}} {
		if err := s.CreateWindow(ctx, testWindow("mw-0123456789abcdef"+string(rune('0'+i)), next), 50); err != nil {
			t.Fatal(err)
		}
	}
	lease := winT0.Add(2 * time.Minute)
	due, err := s.ClaimDue(ctx, winT0, lease, 10)
	if err != nil || len(due) != 1 || due[0].WindowID != "mw-0123456789abcdef0" || !due[0].NextRun.Equal(lease) {
		t.Fatalf("ClaimDue = %+v, %v", due, err)
	}
	if due, _ := s.ClaimDue(ctx, winT0, lease, 10); len(due) != 0 {
		t.Fatalf("claimed twice: %+v", due)
	}
	if err := s.SetNextRun(ctx, "mw-0123456789abcdef0", winT0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	due, err = s.ClaimDue(ctx, winT0.Add(5*time.Minute), winT0.Add(7*time.Minute), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("ClaimDue later = %+v, %v", due, err)
	}
}

func windowExecutions(t *testing.T, s *sqlstore.WindowsStore) {
	ctx := context.Background()
	w := testWindow("mw-0123456789abcdef0", winT0)
	if err := s.CreateWindow(ctx, w, 50); err != nil {
		t.Fatal(err)
	}
	e1 := &ssm.WindowExecution{WindowID: w.WindowID, WindowExecutionID: "aaaaaaaa-0000-0000-0000-000000000001", Status: ssm.WinInProgress,
		Start: winT0, Cutoff: winT0.Add(time.Hour)}
	tasks := []*ssm.WindowTaskExecution{
		{WindowExecutionID: e1.WindowExecutionID, TaskExecutionID: "bbbbbbbb-0000-0000-0000-000000000002", Task: ssm.WindowTask{Priority: 2}, Status: ssm.WinPending},
		{WindowExecutionID: e1.WindowExecutionID, TaskExecutionID: "bbbbbbbb-0000-0000-0000-000000000009", Task: ssm.WindowTask{Priority: 1}, Status: ssm.WinPending},
	}
	if err := s.CreateExecution(ctx, e1, tasks, winT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	e2 := &ssm.WindowExecution{WindowID: w.WindowID, WindowExecutionID: "aaaaaaaa-0000-0000-0000-000000000002", Status: ssm.WinSkippedOver,
		Start: winT0.Add(5 * time.Minute), End: winT0.Add(5 * time.Minute), Done: true}
	if err := s.CreateExecution(ctx, e2, nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if open, err := s.HasOpenExecution(ctx, w.WindowID); err != nil || !open {
		t.Fatalf("HasOpenExecution = %v, %v", open, err)
	}
	// e1 is held by its creator for a minute; e2 is done.
	if open, err := s.ClaimOpen(ctx, winT0, winT0.Add(time.Hour), 10); err != nil || len(open) != 0 {
		t.Fatalf("ClaimOpen while held = %+v, %v", open, err)
	}
	open, err := s.ClaimOpen(ctx, winT0.Add(time.Minute), winT0.Add(time.Hour), 10)
	if err != nil || len(open) != 1 || open[0].WindowExecutionID != e1.WindowExecutionID {
		t.Fatalf("ClaimOpen = %+v, %v", open, err)
	}
	if open, _ := s.ClaimOpen(ctx, winT0.Add(time.Minute), winT0.Add(time.Hour), 10); len(open) != 0 {
		t.Fatalf("claimed twice: %+v", open)
	}
	if err := s.ReleaseExecution(ctx, e1.WindowExecutionID); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.ClaimOpen(ctx, winT0.Add(time.Minute), winT0.Add(time.Hour), 10); len(open) != 1 {
		t.Fatalf("after release: %+v", open)
	}
	list, err := s.ListExecutions(ctx, w.WindowID)
	if err != nil || len(list) != 2 || list[0].Status != ssm.WinSkippedOver {
		t.Fatalf("ListExecutions (newest first) = %+v, %v", list, err)
	}
	got, err := s.ExecutionTasks(ctx, e1.WindowExecutionID)
	if err != nil || len(got) != 2 || got[0].Task.Priority != 1 {
		t.Fatalf("ExecutionTasks (by priority) = %+v, %v", got, err)
	}
	got[0].Status = ssm.WinInProgress
	invs := []*ssm.WindowTaskInvocation{
		{WindowExecutionID: e1.WindowExecutionID, TaskExecutionID: got[0].TaskExecutionID, InvocationID: "cccccccc-0000-0000-0000-000000000002", Seq: 1, Status: ssm.WinPending},
		{WindowExecutionID: e1.WindowExecutionID, TaskExecutionID: got[0].TaskExecutionID, InvocationID: "cccccccc-0000-0000-0000-000000000009", Seq: 0, Status: ssm.WinInProgress, ExecutionID: "cmd"},
	}
	if err := s.SaveExecution(ctx, nil, got[:1], invs); err != nil {
		t.Fatal(err)
	}
	invs[1].Status = ssm.WinSuccess
	if err := s.SaveExecution(ctx, nil, nil, invs[1:]); err != nil {
		t.Fatal(err)
	}
	gotInvs, err := s.TaskInvocations(ctx, e1.WindowExecutionID, got[0].TaskExecutionID)
	if err != nil || len(gotInvs) != 2 || gotInvs[0].Seq != 0 || gotInvs[0].Status != ssm.WinSuccess || gotInvs[0].ExecutionID != "cmd" {
		t.Fatalf("TaskInvocations = %+v, %v", gotInvs, err)
	}
	e1.Status, e1.Done, e1.End = ssm.WinSuccess, true, winT0.Add(time.Minute)
	if err := s.SaveExecution(ctx, e1, nil, nil); err != nil {
		t.Fatal(err)
	}
	if open, _ := s.ClaimOpen(ctx, winT0.Add(3*time.Hour), winT0.Add(4*time.Hour), 10); len(open) != 0 {
		t.Fatalf("open after done: %+v", open)
	}
	if open, err := s.HasOpenExecution(ctx, w.WindowID); err != nil || open {
		t.Fatalf("HasOpenExecution after done = %v, %v", open, err)
	}
	if e, err := s.GetExecution(ctx, e1.WindowExecutionID); err != nil || e.Status != ssm.WinSuccess || !e.End.Equal(e1.End) {
		t.Fatalf("GetExecution = %+v, %v", e, err)
	}
	if _, err := s.GetExecution(ctx, "aaaaaaaa-0000-0000-0000-00000000000f"); !errors.Is(err, ssm.ErrWindowExecNotFound) {
		t.Fatalf("missing execution: %v", err)
	}
	if err := s.DeleteWindow(ctx, w.WindowID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ListExecutions(ctx, w.WindowID); len(list) != 0 {
		t.Fatalf("executions survived the window: %+v", list)
	}
}
