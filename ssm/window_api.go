package ssm

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/schedule"
)

// WindowInput is CreateMaintenanceWindow's or UpdateMaintenanceWindow's
// request. Nil pointers are absent members.
type WindowInput struct {
	Name                     string
	Description              *string
	StartDate                *string
	EndDate                  *string
	Schedule                 string
	ScheduleTimezone         *string
	ScheduleOffset           *int
	Duration                 *int
	Cutoff                   *int
	AllowUnassociatedTargets *bool
	Enabled                  *bool
	Replace                  bool
	Tags                     []AssociationTag
}

var windowIDRE = regexp.MustCompile(`^mw-[0-9a-f]{17}$`)

func checkWindowID(id, member string) error {
	var fe fieldErrors
	if !windowIDRE.MatchString(id) {
		fe.add(id, member, "Member must satisfy regular expression pattern: ^mw-[0-9a-f]{17}$")
	}
	return fe.err()
}

func checkUUID(id, member string) error {
	var fe fieldErrors
	if !assocIDRE.MatchString(id) {
		fe.add(id, member, `Member must satisfy regular expression pattern: ^[0-9a-fA-F]{8}\-[0-9a-fA-F]{4}\-[0-9a-fA-F]{4}\-[0-9a-fA-F]{4}\-[0-9a-fA-F]{12}$`)
	}
	return fe.err()
}

// windowSchedule parses w's schedule as it runs: in its timezone, with its
// offset, anchored at its StartDate (else its creation, for rates).
func windowSchedule(w *Window) (schedule.Schedule, error) {
	s, err := schedule.Parse(w.Schedule, schedule.SSMMaintenanceWindow)
	if err != nil {
		return s, err
	}
	loc, err := schedule.LoadLocation(w.ScheduleTimezone)
	if err != nil {
		return s, err
	}
	s = s.In(loc)
	if w.ScheduleOffset != nil && *w.ScheduleOffset != 0 {
		if s, err = s.WithOffset(*w.ScheduleOffset); err != nil {
			return s, err
		}
	}
	anchor := w.Created
	if t, ok := windowDate(w.StartDate); ok {
		anchor = t
	}
	if s.Kind() == schedule.Rate || w.StartDate != "" {
		s = s.StartAt(anchor)
	}
	return s, nil
}

func windowDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// nextWindowStart is w's first start strictly after after (zero: none —
// disabled, past its EndDate, or a schedule that never fires again).
func nextWindowStart(w *Window, after time.Time) time.Time {
	if !w.Enabled {
		return time.Time{}
	}
	s, err := windowSchedule(w)
	if err != nil {
		return time.Time{}
	}
	t, ok := s.Next(after)
	if !ok {
		return time.Time{}
	}
	if end, ok := windowDate(w.EndDate); ok && t.After(end) {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// apply checks in and applies it to w (create: w is empty; update: only
// given members change unless Replace).
func (in *WindowInput) apply(w *Window, create bool) error {
	var fe fieldErrors
	if create || in.Name != "" {
		if !assocNameRE.MatchString(in.Name) {
			fe.add(in.Name, "name", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$")
		}
	}
	if in.Description != nil {
		fe.length(*in.Description, "description", 1, 128, true)
	}
	if create || in.Schedule != "" {
		fe.length(in.Schedule, "schedule", 1, 256, false)
	}
	fe.intRange(in.ScheduleOffset, "scheduleOffset", schedule.MinScheduleOffset, schedule.MaxScheduleOffset)
	if create && in.Duration == nil {
		fe.null("duration")
	}
	fe.intRange(in.Duration, "duration", 1, 24)
	if create && in.Cutoff == nil {
		fe.null("cutoff")
	}
	fe.intRange(in.Cutoff, "cutoff", 0, 23)
	if create && in.AllowUnassociatedTargets == nil {
		fe.null("allowUnassociatedTargets")
	}
	if err := fe.err(); err != nil {
		return err
	}
	if create || in.Replace {
		*w = Window{WindowID: w.WindowID, Created: w.Created, Modified: w.Modified, Enabled: true, Tags: w.Tags}
		if !create && in.Enabled != nil {
			w.Enabled = *in.Enabled
		}
	}
	if in.Name != "" {
		w.Name = in.Name
	}
	if in.Description != nil {
		w.Description = *in.Description
	}
	if in.Schedule != "" {
		w.Schedule = in.Schedule
	}
	if in.ScheduleTimezone != nil {
		w.ScheduleTimezone = *in.ScheduleTimezone
	}
	if in.ScheduleOffset != nil {
		w.ScheduleOffset = in.ScheduleOffset
	}
	if in.StartDate != nil {
		w.StartDate = *in.StartDate
	}
	if in.EndDate != nil {
		w.EndDate = *in.EndDate
	}
	if in.Duration != nil {
		w.Duration = *in.Duration
	}
	if in.Cutoff != nil {
		w.Cutoff = *in.Cutoff
	}
	if in.AllowUnassociatedTargets != nil {
		w.AllowUnassociatedTargets = *in.AllowUnassociatedTargets
	}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
	if w.Name == "" || w.Schedule == "" || w.Duration == 0 {
		return steward.Validation("Name, Schedule, Duration, Cutoff and AllowUnassociatedTargets are required when Replace is true.")
	}
	if w.Cutoff >= w.Duration {
		return steward.Validation("The cutoff must be less than the duration of the maintenance window.")
	}
	for _, d := range []struct{ v, member string }{{w.StartDate, "StartDate"}, {w.EndDate, "EndDate"}} {
		if _, ok := windowDate(d.v); d.v != "" && !ok {
			return steward.Validation("%s %q is not an ISO-8601 date and time.", d.member, d.v)
		}
	}
	if s, ok := windowDate(w.StartDate); ok {
		if e, ok := windowDate(w.EndDate); ok && !e.After(s) {
			return steward.Validation("The EndDate must be later than the StartDate.")
		}
	}
	if _, err := windowSchedule(w); err != nil {
		return err
	}
	return nil
}

// CreateMaintenanceWindow creates an enabled window and returns its ID.
//
// Errors: ValidationException (members, schedule, cutoff ≥ duration),
// ResourceLimitExceededException (50 windows).
func (w *Windows) CreateMaintenanceWindow(ctx context.Context, in WindowInput) (string, error) {
	now := w.now()
	win := &Window{WindowID: newWindowID(), Created: now, Modified: now}
	if err := in.apply(win, true); err != nil {
		return "", err
	}
	win.Tags = in.Tags
	if e, ok := windowDate(win.EndDate); ok && !e.After(now) {
		return "", steward.Validation("The EndDate must be in the future.")
	}
	win.NextRun = nextWindowStart(win, now)
	if err := w.store.CreateWindow(ctx, win, windowAccountMax); err != nil {
		return "", windowStoreError(err, "maintenance windows")
	}
	return win.WindowID, nil
}

// GetMaintenanceWindow returns a window (DoesNotExistException).
func (w *Windows) GetMaintenanceWindow(ctx context.Context, id string) (*Window, error) {
	if err := checkWindowID(id, "windowId"); err != nil {
		return nil, err
	}
	win, err := w.store.GetWindow(ctx, id)
	if err != nil {
		return nil, windowStoreError(err, id)
	}
	return win, nil
}

// UpdateMaintenanceWindow changes a window and reschedules it.
func (w *Windows) UpdateMaintenanceWindow(ctx context.Context, id string, in WindowInput) (*Window, error) {
	win, err := w.GetMaintenanceWindow(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := in.apply(win, false); err != nil {
		return nil, err
	}
	win.Modified = w.now()
	win.NextRun = nextWindowStart(win, win.Modified)
	if err := w.store.UpdateWindow(ctx, win); err != nil {
		return nil, windowStoreError(err, id)
	}
	return win, nil
}

// DeleteMaintenanceWindow deletes a window with its targets, tasks and
// history. Deleting a window that does not exist succeeds (as on AWS).
func (w *Windows) DeleteMaintenanceWindow(ctx context.Context, id string) error {
	if err := checkWindowID(id, "windowId"); err != nil {
		return err
	}
	if err := w.store.DeleteWindow(ctx, id); err != nil && !errors.Is(err, ErrWindowNotFound) {
		return err
	}
	return nil
}

// WindowFilter is a MaintenanceWindowFilter.
type WindowFilter struct {
	Key    string
	Values []string
}

func filterMatch(filters []WindowFilter, key string, value string) bool {
	for _, f := range filters {
		if f.Key == key && len(f.Values) > 0 && !slices.Contains(f.Values, value) {
			return false
		}
	}
	return true
}

func checkFilterKeys(filters []WindowFilter, keys ...string) error {
	for _, f := range filters {
		if !slices.Contains(keys, f.Key) {
			return steward.Validation("Invalid filter key %s: valid keys are %s.", f.Key, strings.Join(keys, ", "))
		}
	}
	return nil
}

// DescribeMaintenanceWindows lists windows (filters Name, Enabled) by ID.
func (w *Windows) DescribeMaintenanceWindows(ctx context.Context, filters []WindowFilter, maxResults *int, token string) ([]*Window, string, error) {
	if err := checkFilterKeys(filters, "Name", "Enabled"); err != nil {
		return nil, "", err
	}
	all, err := w.store.ListWindows(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []*Window
	for _, win := range all {
		if filterMatch(filters, "Name", win.Name) && filterMatch(filters, "Enabled", strconv.FormatBool(win.Enabled)) {
			out = append(out, win)
		}
	}
	return windowPage(out, token, maxResults)
}

func windowPage[T any](all []T, token string, maxResults *int) ([]T, string, error) {
	var fe fieldErrors
	fe.intRange(maxResults, "maxResults", 10, windowPageMax)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	return pageOf(all, token, maxResults, windowPageDefault, windowPageMax, "maxResults")
}

// TargetInput is RegisterTargetWithMaintenanceWindow's request.
type TargetInput struct {
	WindowID         string
	ResourceType     string
	Targets          []Target
	OwnerInformation string
	Name             string
	Description      string
}

// RegisterTargetWithMaintenanceWindow adds a target (INSTANCE: InstanceIds,
// tag:KEY or tag-key; RESOURCE_GROUP is refused) and returns its ID.
func (w *Windows) RegisterTargetWithMaintenanceWindow(ctx context.Context, in TargetInput) (string, error) {
	var fe fieldErrors
	if !windowIDRE.MatchString(in.WindowID) {
		fe.add(in.WindowID, "windowId", "Member must satisfy regular expression pattern: ^mw-[0-9a-f]{17}$")
	}
	fe.enum(in.ResourceType, "resourceType", windowResourceTypes...)
	if len(in.Targets) == 0 || len(in.Targets) > 5 {
		fe.add("["+strconv.Itoa(len(in.Targets))+" targets]", "targets", "Member must have length between 1 and 5")
	}
	checkTargets(&fe, in.Targets, "targets")
	if in.OwnerInformation != "" {
		fe.length(in.OwnerInformation, "ownerInformation", 1, 128, true)
	}
	if in.Name != "" && !assocNameRE.MatchString(in.Name) {
		fe.add(in.Name, "name", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$")
	}
	if in.Description != "" {
		fe.length(in.Description, "description", 1, 128, true)
	}
	if err := fe.err(); err != nil {
		return "", err
	}
	if in.ResourceType != "INSTANCE" {
		return "", steward.Errorf(CodeFeatureNotAvailable, "Steward supports maintenance window targets of ResourceType INSTANCE only.")
	}
	for _, t := range in.Targets {
		switch {
		case t.Key == "InstanceIds":
			if len(t.Values) > windowTargetIDsMax {
				return "", steward.Validation("A window target can name at most %d node IDs.", windowTargetIDsMax)
			}
			for _, id := range t.Values {
				if !instanceIDRE.MatchString(id) {
					return "", steward.Errorf(CodeInvalidInstanceID, "Instance ID %s is not valid.", id)
				}
			}
		case t.Key == "tag-key" || strings.HasPrefix(t.Key, "tag:"):
		default:
			return "", steward.Validation("Target key %s is not supported for INSTANCE targets: use InstanceIds, tag:KEY or tag-key.", t.Key)
		}
	}
	if _, err := w.GetMaintenanceWindow(ctx, in.WindowID); err != nil {
		return "", err
	}
	t := &WindowTarget{WindowID: in.WindowID, WindowTargetID: uuid.NewString(), ResourceType: in.ResourceType, Targets: in.Targets,
		OwnerInformation: in.OwnerInformation, Name: in.Name, Description: in.Description}
	if err := w.store.PutTarget(ctx, t, windowTargetsMax); err != nil {
		return "", windowStoreError(err, "targets for the maintenance window")
	}
	return t.WindowTargetID, nil
}

// DeregisterTargetFromMaintenanceWindow removes a target; with safe, a
// target a task still names is refused (TargetInUseException).
func (w *Windows) DeregisterTargetFromMaintenanceWindow(ctx context.Context, windowID, targetID string, safe bool) error {
	if err := checkWindowID(windowID, "windowId"); err != nil {
		return err
	}
	if err := checkUUID(targetID, "windowTargetId"); err != nil {
		return err
	}
	if safe {
		tasks, err := w.store.ListTasks(ctx, windowID)
		if err != nil {
			return err
		}
		for _, t := range tasks {
			for _, tg := range t.Targets {
				if tg.Key == "WindowTargetIds" && slices.Contains(tg.Values, targetID) {
					return steward.Errorf(CodeTargetInUse, "Window target %s is used by task %s.", targetID, t.WindowTaskID)
				}
			}
		}
	}
	if err := w.store.DeleteTarget(ctx, windowID, targetID); err != nil {
		return windowStoreError(err, "Window target "+targetID)
	}
	return nil
}

// DescribeMaintenanceWindowTargets lists a window's targets (filters
// WindowTargetId, OwnerInformation).
func (w *Windows) DescribeMaintenanceWindowTargets(ctx context.Context, windowID string, filters []WindowFilter, maxResults *int, token string) ([]*WindowTarget, string, error) {
	if err := checkFilterKeys(filters, "WindowTargetId", "OwnerInformation"); err != nil {
		return nil, "", err
	}
	if _, err := w.GetMaintenanceWindow(ctx, windowID); err != nil {
		return nil, "", err
	}
	all, err := w.store.ListTargets(ctx, windowID)
	if err != nil {
		return nil, "", err
	}
	var out []*WindowTarget
	for _, t := range all {
		if filterMatch(filters, "WindowTargetId", t.WindowTargetID) && filterMatch(filters, "OwnerInformation", t.OwnerInformation) {
			out = append(out, t)
		}
	}
	return windowPage(out, token, maxResults)
}

// RegisterTaskWithMaintenanceWindow adds a RUN_COMMAND task (other types
// are refused with FeatureNotAvailableException) and returns its ID.
func (w *Windows) RegisterTaskWithMaintenanceWindow(ctx context.Context, t WindowTask) (string, error) {
	var fe fieldErrors
	if !windowIDRE.MatchString(t.WindowID) {
		fe.add(t.WindowID, "windowId", "Member must satisfy regular expression pattern: ^mw-[0-9a-f]{17}$")
	}
	fe.length(t.TaskArn, "taskArn", 1, 1600, false)
	fe.enum(t.TaskType, "taskType", windowTaskTypes...)
	if t.Priority < 0 {
		fe.add(strconv.Itoa(t.Priority), "priority", "Member must have value greater than or equal to 0")
	}
	if len(t.Targets) > 5 {
		fe.add("["+strconv.Itoa(len(t.Targets))+" targets]", "targets", "Member must have length less than or equal to 5")
	}
	if t.MaxConcurrency != "" && !maxConcurrencyRE.MatchString(t.MaxConcurrency) {
		fe.add(t.MaxConcurrency, "maxConcurrency", "Member must satisfy regular expression pattern: "+maxConcurrencyPattern)
	}
	if t.MaxErrors != "" && !maxErrorsRE.MatchString(t.MaxErrors) {
		fe.add(t.MaxErrors, "maxErrors", "Member must satisfy regular expression pattern: "+maxErrorsPattern)
	}
	if t.CutoffBehavior != "" {
		fe.enum(t.CutoffBehavior, "cutoffBehavior", windowCutoffBehavior...)
	}
	if t.Name != "" && !assocNameRE.MatchString(t.Name) {
		fe.add(t.Name, "name", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$")
	}
	if rc := t.RunCommand; rc != nil {
		fe.intRange(rc.TimeoutSeconds, "taskInvocationParameters.runCommand.timeoutSeconds", 30, 2592000)
		if rc.Comment != "" {
			fe.length(rc.Comment, "taskInvocationParameters.runCommand.comment", 0, 100, false)
		}
		if n := rc.NotificationConfig; n != nil {
			for _, e := range n.NotificationEvents {
				fe.enum(e, "taskInvocationParameters.runCommand.notificationConfig.notificationEvents", notificationEvents...)
			}
			if n.NotificationType != "" {
				fe.enum(n.NotificationType, "taskInvocationParameters.runCommand.notificationConfig.notificationType", notificationTypes...)
			}
		}
	}
	if err := fe.err(); err != nil {
		return "", err
	}
	if t.TaskType != TaskRunCommand {
		return "", steward.Errorf(CodeFeatureNotAvailable, "Steward runs maintenance window tasks of type RUN_COMMAND only; %s tasks are not supported.", t.TaskType)
	}
	if len(t.Targets) == 0 {
		return "", steward.Validation("Targets are required for RUN_COMMAND tasks: use Key=WindowTargetIds or Key=InstanceIds.")
	}
	if t.MaxConcurrency == "" || t.MaxErrors == "" {
		return "", steward.Validation("MaxConcurrency and MaxErrors are required for a task with targets.")
	}
	win, err := w.GetMaintenanceWindow(ctx, t.WindowID)
	if err != nil {
		return "", err
	}
	registered, err := w.store.ListTargets(ctx, win.WindowID)
	if err != nil {
		return "", err
	}
	n := 0
	for _, tg := range t.Targets {
		n += len(tg.Values)
		switch tg.Key {
		case "WindowTargetIds":
			for _, id := range tg.Values {
				if !slices.ContainsFunc(registered, func(r *WindowTarget) bool { return r.WindowTargetID == id }) {
					return "", steward.Errorf(CodeDoesNotExist, "Window target %s does not exist in maintenance window %s.", id, win.WindowID)
				}
			}
		case "InstanceIds":
			if !win.AllowUnassociatedTargets {
				return "", steward.Validation("Maintenance window %s does not allow unregistered targets: register the nodes as window targets, or set AllowUnassociatedTargets.", win.WindowID)
			}
			for _, id := range tg.Values {
				if !instanceIDRE.MatchString(id) {
					return "", steward.Errorf(CodeInvalidInstanceID, "Instance ID %s is not valid.", id)
				}
			}
		default:
			return "", steward.Validation("Task targets use Key=WindowTargetIds or Key=InstanceIds, not %s.", tg.Key)
		}
	}
	if n > windowTaskTargetsMax {
		return "", steward.Validation("A task can have at most %d targets.", windowTaskTargetsMax)
	}
	if _, _, err := w.cmds.docs.lookup(ctx, t.TaskArn, docVersionOf(t.RunCommand), ""); err != nil {
		return "", err
	}
	t.WindowTaskID = uuid.NewString()
	t.CutoffBehavior = cmpOr(t.CutoffBehavior, CutoffContinue)
	if err := w.store.PutTask(ctx, &t, windowTasksMax); err != nil {
		return "", windowStoreError(err, "tasks for the maintenance window")
	}
	return t.WindowTaskID, nil
}

func docVersionOf(rc *WindowRunCommand) string {
	if rc == nil {
		return ""
	}
	return rc.DocumentVersion
}

// DeregisterTaskFromMaintenanceWindow removes a task.
func (w *Windows) DeregisterTaskFromMaintenanceWindow(ctx context.Context, windowID, taskID string) error {
	if err := checkWindowID(windowID, "windowId"); err != nil {
		return err
	}
	if err := checkUUID(taskID, "windowTaskId"); err != nil {
		return err
	}
	if err := w.store.DeleteTask(ctx, windowID, taskID); err != nil {
		return windowStoreError(err, "Window task "+taskID)
	}
	return nil
}

// DescribeMaintenanceWindowTasks lists a window's tasks (filters
// WindowTaskId, TaskArn, Priority, TaskType).
func (w *Windows) DescribeMaintenanceWindowTasks(ctx context.Context, windowID string, filters []WindowFilter, maxResults *int, token string) ([]*WindowTask, string, error) {
	if err := checkFilterKeys(filters, "WindowTaskId", "TaskArn", "Priority", "TaskType"); err != nil {
		return nil, "", err
	}
	if _, err := w.GetMaintenanceWindow(ctx, windowID); err != nil {
		return nil, "", err
	}
	all, err := w.store.ListTasks(ctx, windowID)
	if err != nil {
		return nil, "", err
	}
	var out []*WindowTask
	for _, t := range all {
		if filterMatch(filters, "WindowTaskId", t.WindowTaskID) && filterMatch(filters, "TaskArn", t.TaskArn) &&
			filterMatch(filters, "Priority", strconv.Itoa(t.Priority)) && filterMatch(filters, "TaskType", t.TaskType) {
			out = append(out, t)
		}
	}
	return windowPage(out, token, maxResults)
}

// GetMaintenanceWindowTask returns one task.
func (w *Windows) GetMaintenanceWindowTask(ctx context.Context, windowID, taskID string) (*WindowTask, error) {
	if err := checkUUID(taskID, "windowTaskId"); err != nil {
		return nil, err
	}
	if _, err := w.GetMaintenanceWindow(ctx, windowID); err != nil {
		return nil, err
	}
	all, err := w.store.ListTasks(ctx, windowID)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.WindowTaskID == taskID {
			return t, nil
		}
	}
	return nil, steward.Errorf(CodeDoesNotExist, "Window task %s does not exist in maintenance window %s.", taskID, windowID)
}

// DescribeMaintenanceWindowExecutions lists a window's executions, newest
// first (filters ExecutedBefore, ExecutedAfter: ISO-8601 times).
func (w *Windows) DescribeMaintenanceWindowExecutions(ctx context.Context, windowID string, filters []WindowFilter, maxResults *int, token string) ([]*WindowExecution, string, error) {
	if err := checkFilterKeys(filters, "ExecutedBefore", "ExecutedAfter"); err != nil {
		return nil, "", err
	}
	if err := checkWindowID(windowID, "windowId"); err != nil {
		return nil, "", err
	}
	all, err := w.store.ListExecutions(ctx, windowID)
	if err != nil {
		return nil, "", err
	}
	var out []*WindowExecution
	for _, e := range all {
		keep := true
		for _, f := range filters {
			for _, v := range f.Values {
				t, ok := windowDate(v)
				if !ok {
					return nil, "", steward.Validation("Filter %s value %q is not an ISO-8601 time.", f.Key, v)
				}
				if f.Key == "ExecutedBefore" && !e.Start.Before(t) || f.Key == "ExecutedAfter" && e.Start.Before(t) {
					keep = false
				}
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return windowPage(out, token, maxResults)
}

// GetMaintenanceWindowExecution returns an execution and its task
// execution IDs.
func (w *Windows) GetMaintenanceWindowExecution(ctx context.Context, execID string) (*WindowExecution, []*WindowTaskExecution, error) {
	if err := checkUUID(execID, "windowExecutionId"); err != nil {
		return nil, nil, err
	}
	e, err := w.store.GetExecution(ctx, execID)
	if err != nil {
		return nil, nil, windowStoreError(err, execID)
	}
	tasks, err := w.store.ExecutionTasks(ctx, execID)
	if err != nil {
		return nil, nil, err
	}
	return e, tasks, nil
}

// DescribeMaintenanceWindowExecutionTasks lists an execution's task
// executions (filter Status).
func (w *Windows) DescribeMaintenanceWindowExecutionTasks(ctx context.Context, execID string, filters []WindowFilter, maxResults *int, token string) ([]*WindowTaskExecution, string, error) {
	if err := checkFilterKeys(filters, "Status"); err != nil {
		return nil, "", err
	}
	_, tasks, err := w.GetMaintenanceWindowExecution(ctx, execID)
	if err != nil {
		return nil, "", err
	}
	var out []*WindowTaskExecution
	for _, t := range tasks {
		if filterMatch(filters, "Status", t.Status) {
			out = append(out, t)
		}
	}
	return windowPage(out, token, maxResults)
}

// GetMaintenanceWindowExecutionTask returns one task execution.
func (w *Windows) GetMaintenanceWindowExecutionTask(ctx context.Context, execID, taskExecID string) (*WindowTaskExecution, error) {
	if err := checkUUID(taskExecID, "taskId"); err != nil {
		return nil, err
	}
	_, tasks, err := w.GetMaintenanceWindowExecution(ctx, execID)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		if t.TaskExecutionID == taskExecID {
			return t, nil
		}
	}
	return nil, steward.Errorf(CodeDoesNotExist, "Task execution %s does not exist in window execution %s.", taskExecID, execID)
}

// DescribeMaintenanceWindowExecutionTaskInvocations lists a task
// execution's invocations (filter Status).
func (w *Windows) DescribeMaintenanceWindowExecutionTaskInvocations(ctx context.Context, execID, taskExecID string, filters []WindowFilter, maxResults *int, token string) ([]*WindowTaskInvocation, string, error) {
	if err := checkFilterKeys(filters, "Status"); err != nil {
		return nil, "", err
	}
	if _, err := w.GetMaintenanceWindowExecutionTask(ctx, execID, taskExecID); err != nil {
		return nil, "", err
	}
	all, err := w.store.TaskInvocations(ctx, execID, taskExecID)
	if err != nil {
		return nil, "", err
	}
	var out []*WindowTaskInvocation
	for _, i := range all {
		if filterMatch(filters, "Status", i.Status) {
			out = append(out, i)
		}
	}
	return windowPage(out, token, maxResults)
}

// GetMaintenanceWindowExecutionTaskInvocation returns one invocation.
func (w *Windows) GetMaintenanceWindowExecutionTaskInvocation(ctx context.Context, execID, taskExecID, invocationID string) (*WindowTaskInvocation, error) {
	if err := checkUUID(invocationID, "invocationId"); err != nil {
		return nil, err
	}
	if _, err := w.GetMaintenanceWindowExecutionTask(ctx, execID, taskExecID); err != nil {
		return nil, err
	}
	all, err := w.store.TaskInvocations(ctx, execID, taskExecID)
	if err != nil {
		return nil, err
	}
	for _, i := range all {
		if i.InvocationID == invocationID {
			return i, nil
		}
	}
	return nil, steward.Errorf(CodeDoesNotExist, "Invocation %s does not exist.", invocationID)
}

// CancelMaintenanceWindowExecution stops an execution: tasks not started
// are CANCELLED, running ones finish; the execution ends CANCELLED.
func (w *Windows) CancelMaintenanceWindowExecution(ctx context.Context, execID string) error {
	if err := checkUUID(execID, "windowExecutionId"); err != nil {
		return err
	}
	e, err := w.store.GetExecution(ctx, execID)
	if err != nil {
		return windowStoreError(err, execID)
	}
	if e.Done || e.Status == WinCancelling {
		return nil
	}
	e.Status, e.StatusDetails = WinCancelling, "Cancellation requested."
	if err := w.store.SaveExecution(ctx, e, nil, nil); err != nil {
		return err
	}
	w.wakeLoop()
	return nil
}

// ScheduledWindowExecution is one entry of DescribeMaintenanceWindowSchedule.
type ScheduledWindowExecution struct {
	WindowID      string
	Name          string
	ExecutionTime time.Time
}

// DescribeMaintenanceWindowSchedule lists a window's coming starts (up to
// maxResults, default 10).
func (w *Windows) DescribeMaintenanceWindowSchedule(ctx context.Context, windowID string, maxResults *int) ([]ScheduledWindowExecution, error) {
	win, err := w.GetMaintenanceWindow(ctx, windowID)
	if err != nil {
		return nil, err
	}
	var fe fieldErrors
	fe.intRange(maxResults, "maxResults", 1, 100)
	if err := fe.err(); err != nil {
		return nil, err
	}
	n := windowPageDefault
	if maxResults != nil {
		n = *maxResults
	}
	var out []ScheduledWindowExecution
	t := w.now()
	if !win.NextRun.IsZero() {
		t = win.NextRun.Add(-time.Millisecond)
	}
	for len(out) < n {
		next := nextWindowStart(win, t)
		if next.IsZero() {
			break
		}
		out = append(out, ScheduledWindowExecution{WindowID: win.WindowID, Name: win.Name, ExecutionTime: next})
		t = next
	}
	return out, nil
}
