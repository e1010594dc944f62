package ssmapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// Maintenance Windows: Create/Get/Update/Delete/DescribeMaintenanceWindows,
// Register/Deregister/DescribeMaintenanceWindowTargets,
// Register/Deregister/Describe/GetMaintenanceWindowTask(s), the execution,
// execution task and invocation reads, CancelMaintenanceWindowExecution and
// DescribeMaintenanceWindowSchedule. Member names are the botocore model's.

func windowOps(w *ssm.Windows) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateMaintenanceWindow", func(ctx context.Context, in *createWindowInput) (*windowIDOutput, error) {
			tags := make([]ssm.AssociationTag, len(in.Tags))
			for i, t := range in.Tags {
				tags[i] = ssm.AssociationTag{Key: t.Key, Value: t.Value}
			}
			id, err := w.CreateMaintenanceWindow(ctx, ssm.WindowInput{Name: in.Name, Description: in.Description,
				StartDate: in.StartDate, EndDate: in.EndDate, Schedule: in.Schedule, ScheduleTimezone: in.ScheduleTimezone,
				ScheduleOffset: in.ScheduleOffset, Duration: in.Duration, Cutoff: in.Cutoff,
				AllowUnassociatedTargets: in.AllowUnassociatedTargets, Tags: tags})
			if err != nil {
				return nil, err
			}
			return &windowIDOutput{WindowId: id}, nil
		}),
		gateway.Handle("GetMaintenanceWindow", func(ctx context.Context, in *windowIDInput) (*getWindowOutput, error) {
			win, err := w.GetMaintenanceWindow(ctx, in.WindowId)
			if err != nil {
				return nil, err
			}
			f := windowFieldsOut(win)
			return &getWindowOutput{WindowId: f.WindowId, Name: f.Name, Description: f.Description, StartDate: f.StartDate,
				EndDate: f.EndDate, Schedule: f.Schedule, ScheduleTimezone: f.ScheduleTimezone, ScheduleOffset: f.ScheduleOffset,
				Duration: f.Duration, Cutoff: f.Cutoff, AllowUnassociatedTargets: f.AllowUnassociatedTargets, Enabled: f.Enabled,
				NextExecutionTime: isoTime(win.NextRun), CreatedDate: win.Created, ModifiedDate: win.Modified}, nil
		}),
		gateway.Handle("UpdateMaintenanceWindow", func(ctx context.Context, in *updateWindowInput) (*windowFields, error) {
			win, err := w.UpdateMaintenanceWindow(ctx, in.WindowId, ssm.WindowInput{Name: in.Name, Description: in.Description,
				StartDate: in.StartDate, EndDate: in.EndDate, Schedule: in.Schedule, ScheduleTimezone: in.ScheduleTimezone,
				ScheduleOffset: in.ScheduleOffset, Duration: in.Duration, Cutoff: in.Cutoff,
				AllowUnassociatedTargets: in.AllowUnassociatedTargets, Enabled: in.Enabled, Replace: in.Replace})
			if err != nil {
				return nil, err
			}
			out := windowFieldsOut(win)
			return &out, nil
		}),
		gateway.Handle("DeleteMaintenanceWindow", func(ctx context.Context, in *windowIDInput) (*windowIDOutput, error) {
			if err := w.DeleteMaintenanceWindow(ctx, in.WindowId); err != nil {
				return nil, err
			}
			return &windowIDOutput{WindowId: in.WindowId}, nil
		}),
		gateway.Handle("DescribeMaintenanceWindows", func(ctx context.Context, in *describeWindowsInput) (*describeWindowsOutput, error) {
			list, next, err := w.DescribeMaintenanceWindows(ctx, windowFiltersIn(in.Filters), in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeWindowsOutput{WindowIdentities: []windowIdentity{}, NextToken: next}
			for _, win := range list {
				f := windowFieldsOut(win)
				out.WindowIdentities = append(out.WindowIdentities, windowIdentity{WindowId: f.WindowId, Name: f.Name,
					Description: f.Description, Enabled: f.Enabled, Duration: f.Duration, Cutoff: f.Cutoff, Schedule: f.Schedule,
					ScheduleTimezone: f.ScheduleTimezone, ScheduleOffset: f.ScheduleOffset, EndDate: f.EndDate,
					StartDate: f.StartDate, NextExecutionTime: isoTime(win.NextRun)})
			}
			return out, nil
		}),
		gateway.Handle("DescribeMaintenanceWindowSchedule", func(ctx context.Context, in *describeWindowScheduleInput) (*describeWindowScheduleOutput, error) {
			list, err := w.DescribeMaintenanceWindowSchedule(ctx, in.WindowId, in.MaxResults)
			if err != nil {
				return nil, err
			}
			out := &describeWindowScheduleOutput{ScheduledWindowExecutions: []scheduledWindowExecution{}}
			for _, s := range list {
				out.ScheduledWindowExecutions = append(out.ScheduledWindowExecutions, scheduledWindowExecution{WindowId: s.WindowID,
					Name: s.Name, ExecutionTime: isoTime(s.ExecutionTime)})
			}
			return out, nil
		}),
		gateway.Handle("RegisterTargetWithMaintenanceWindow", func(ctx context.Context, in *registerTargetInput) (*windowTargetIDOutput, error) {
			id, err := w.RegisterTargetWithMaintenanceWindow(ctx, ssm.TargetInput{WindowID: in.WindowId, ResourceType: in.ResourceType,
				Targets: cmdTargetsIn(in.Targets), OwnerInformation: in.OwnerInformation, Name: in.Name, Description: in.Description})
			if err != nil {
				return nil, err
			}
			return &windowTargetIDOutput{WindowTargetId: id}, nil
		}),
		gateway.Handle("DeregisterTargetFromMaintenanceWindow", func(ctx context.Context, in *deregisterTargetInput) (*deregisterTargetOutput, error) {
			if err := w.DeregisterTargetFromMaintenanceWindow(ctx, in.WindowId, in.WindowTargetId, in.Safe); err != nil {
				return nil, err
			}
			return &deregisterTargetOutput{WindowId: in.WindowId, WindowTargetId: in.WindowTargetId}, nil
		}),
		gateway.Handle("DescribeMaintenanceWindowTargets", func(ctx context.Context, in *describeWindowItemsInput) (*describeWindowTargetsOutput, error) {
			list, next, err := w.DescribeMaintenanceWindowTargets(ctx, in.WindowId, windowFiltersIn(in.Filters), in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeWindowTargetsOutput{Targets: []windowTarget{}, NextToken: next}
			for _, t := range list {
				out.Targets = append(out.Targets, windowTarget{WindowId: t.WindowID, WindowTargetId: t.WindowTargetID,
					ResourceType: t.ResourceType, Targets: assocTargetsOut(t.Targets), OwnerInformation: t.OwnerInformation,
					Name: t.Name, Description: t.Description})
			}
			return out, nil
		}),
		gateway.Handle("RegisterTaskWithMaintenanceWindow", func(ctx context.Context, in *registerTaskInput) (*windowTaskIDOutput, error) {
			t := ssm.WindowTask{WindowID: in.WindowId, TaskArn: in.TaskArn, TaskType: in.TaskType, Targets: cmdTargetsIn(in.Targets),
				MaxConcurrency: in.MaxConcurrency, MaxErrors: in.MaxErrors, ServiceRoleArn: in.ServiceRoleArn, Name: in.Name,
				Description: in.Description, CutoffBehavior: in.CutoffBehavior}
			if in.Priority != nil {
				t.Priority = *in.Priority
			}
			if in.TaskInvocationParameters != nil && in.TaskInvocationParameters.RunCommand != nil {
				t.RunCommand = in.TaskInvocationParameters.RunCommand.domain()
			}
			if len(in.TaskParameters) > 0 {
				if t.RunCommand == nil {
					t.RunCommand = &ssm.WindowRunCommand{}
				}
				if t.RunCommand.Parameters == nil {
					t.RunCommand.Parameters = map[string][]string{}
				}
				for k, v := range in.TaskParameters {
					t.RunCommand.Parameters[k] = v.Values
				}
			}
			id, err := w.RegisterTaskWithMaintenanceWindow(ctx, t)
			if err != nil {
				return nil, err
			}
			return &windowTaskIDOutput{WindowTaskId: id}, nil
		}),
		gateway.Handle("DeregisterTaskFromMaintenanceWindow", func(ctx context.Context, in *windowTaskRef) (*windowTaskRef, error) {
			if err := w.DeregisterTaskFromMaintenanceWindow(ctx, in.WindowId, in.WindowTaskId); err != nil {
				return nil, err
			}
			return in, nil
		}),
		gateway.Handle("DescribeMaintenanceWindowTasks", func(ctx context.Context, in *describeWindowItemsInput) (*describeWindowTasksOutput, error) {
			list, next, err := w.DescribeMaintenanceWindowTasks(ctx, in.WindowId, windowFiltersIn(in.Filters), in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeWindowTasksOutput{Tasks: []windowTask{}, NextToken: next}
			for _, t := range list {
				out.Tasks = append(out.Tasks, windowTask{WindowId: t.WindowID, WindowTaskId: t.WindowTaskID, TaskArn: t.TaskArn,
					Type: t.TaskType, Targets: assocTargetsOut(t.Targets), Priority: t.Priority, ServiceRoleArn: t.ServiceRoleArn,
					MaxConcurrency: t.MaxConcurrency, MaxErrors: t.MaxErrors, Name: t.Name, Description: t.Description,
					CutoffBehavior: t.CutoffBehavior, TaskParameters: map[string]taskParamValue{}})
			}
			return out, nil
		}),
		gateway.Handle("GetMaintenanceWindowTask", func(ctx context.Context, in *windowTaskRef) (*getWindowTaskOutput, error) {
			t, err := w.GetMaintenanceWindowTask(ctx, in.WindowId, in.WindowTaskId)
			if err != nil {
				return nil, err
			}
			out := &getWindowTaskOutput{WindowId: t.WindowID, WindowTaskId: t.WindowTaskID, Targets: assocTargetsOut(t.Targets),
				TaskArn: t.TaskArn, ServiceRoleArn: t.ServiceRoleArn, TaskType: t.TaskType, Priority: t.Priority,
				MaxConcurrency: t.MaxConcurrency, MaxErrors: t.MaxErrors, Name: t.Name, Description: t.Description,
				CutoffBehavior: t.CutoffBehavior, TaskParameters: map[string]taskParamValue{}}
			if rc := t.RunCommand; rc != nil {
				out.TaskInvocationParameters = &taskInvocationParameters{RunCommand: runCommandOut(rc)}
			}
			return out, nil
		}),
		gateway.Handle("DescribeMaintenanceWindowExecutions", func(ctx context.Context, in *describeWindowItemsInput) (*describeWindowExecutionsOutput, error) {
			list, next, err := w.DescribeMaintenanceWindowExecutions(ctx, in.WindowId, windowFiltersIn(in.Filters), in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeWindowExecutionsOutput{WindowExecutions: []windowExecution{}, NextToken: next}
			for _, e := range list {
				out.WindowExecutions = append(out.WindowExecutions, windowExecution{WindowId: e.WindowID,
					WindowExecutionId: e.WindowExecutionID, Status: e.Status, StatusDetails: e.StatusDetails,
					StartTime: timePtr(e.Start), EndTime: timePtr(e.End)})
			}
			return out, nil
		}),
		gateway.Handle("GetMaintenanceWindowExecution", func(ctx context.Context, in *windowExecutionRef) (*getWindowExecutionOutput, error) {
			e, tasks, err := w.GetMaintenanceWindowExecution(ctx, in.WindowExecutionId)
			if err != nil {
				return nil, err
			}
			out := &getWindowExecutionOutput{WindowExecutionId: e.WindowExecutionID, TaskIds: []string{}, Status: e.Status,
				StatusDetails: e.StatusDetails, StartTime: timePtr(e.Start), EndTime: timePtr(e.End)}
			for _, t := range tasks {
				out.TaskIds = append(out.TaskIds, t.TaskExecutionID)
			}
			return out, nil
		}),
		gateway.Handle("DescribeMaintenanceWindowExecutionTasks", func(ctx context.Context, in *describeExecutionTasksInput) (*describeExecutionTasksOutput, error) {
			list, next, err := w.DescribeMaintenanceWindowExecutionTasks(ctx, in.WindowExecutionId, windowFiltersIn(in.Filters), in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeExecutionTasksOutput{WindowExecutionTaskIdentities: []executionTaskIdentity{}, NextToken: next}
			for _, t := range list {
				out.WindowExecutionTaskIdentities = append(out.WindowExecutionTaskIdentities, executionTaskIdentity{
					WindowExecutionId: t.WindowExecutionID, TaskExecutionId: t.TaskExecutionID, Status: t.Status,
					StatusDetails: t.StatusDetails, StartTime: timePtr(t.Start), EndTime: timePtr(t.End), TaskArn: t.Task.TaskArn,
					TaskType: t.Task.TaskType})
			}
			return out, nil
		}),
		gateway.Handle("GetMaintenanceWindowExecutionTask", func(ctx context.Context, in *executionTaskRef) (*getExecutionTaskOutput, error) {
			t, err := w.GetMaintenanceWindowExecutionTask(ctx, in.WindowExecutionId, in.TaskId)
			if err != nil {
				return nil, err
			}
			out := &getExecutionTaskOutput{WindowExecutionId: t.WindowExecutionID, TaskExecutionId: t.TaskExecutionID,
				TaskArn: t.Task.TaskArn, ServiceRole: t.Task.ServiceRoleArn, Type: t.Task.TaskType,
				TaskParameters: []map[string]taskParamValue{}, Priority: t.Task.Priority, MaxConcurrency: t.Task.MaxConcurrency,
				MaxErrors: t.Task.MaxErrors, Status: t.Status, StatusDetails: t.StatusDetails, StartTime: timePtr(t.Start),
				EndTime: timePtr(t.End)}
			if rc := t.Task.RunCommand; rc != nil && len(rc.Parameters) > 0 {
				ps := map[string]taskParamValue{}
				for k, v := range rc.Parameters {
					ps[k] = taskParamValue{Values: nonNilStrings(v)}
				}
				out.TaskParameters = append(out.TaskParameters, ps)
			}
			return out, nil
		}),
		gateway.Handle("DescribeMaintenanceWindowExecutionTaskInvocations", func(ctx context.Context, in *describeInvocationsInput) (*describeInvocationsOutput, error) {
			list, next, err := w.DescribeMaintenanceWindowExecutionTaskInvocations(ctx, in.WindowExecutionId, in.TaskId, windowFiltersIn(in.Filters), in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeInvocationsOutput{WindowExecutionTaskInvocationIdentities: []invocationIdentity{}, NextToken: next}
			for _, i := range list {
				out.WindowExecutionTaskInvocationIdentities = append(out.WindowExecutionTaskInvocationIdentities, invocationOut(i))
			}
			return out, nil
		}),
		gateway.Handle("GetMaintenanceWindowExecutionTaskInvocation", func(ctx context.Context, in *invocationRef) (*invocationIdentity, error) {
			i, err := w.GetMaintenanceWindowExecutionTaskInvocation(ctx, in.WindowExecutionId, in.TaskId, in.InvocationId)
			if err != nil {
				return nil, err
			}
			out := invocationOut(i)
			return &out, nil
		}),
		gateway.Handle("CancelMaintenanceWindowExecution", func(ctx context.Context, in *windowExecutionRef) (*windowExecutionRef, error) {
			if err := w.CancelMaintenanceWindowExecution(ctx, in.WindowExecutionId); err != nil {
				return nil, err
			}
			return in, nil
		}),
	}
}

// isoTime renders a MaintenanceWindowStringDateTime ("" for the zero time).
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04Z")
}

func windowFiltersIn(fs []windowFilter) []ssm.WindowFilter {
	out := make([]ssm.WindowFilter, len(fs))
	for i, f := range fs {
		out[i] = ssm.WindowFilter{Key: f.Key, Values: f.Values}
	}
	return out
}

func windowFieldsOut(w *ssm.Window) windowFields {
	return windowFields{WindowId: w.WindowID, Name: w.Name, Description: w.Description, StartDate: w.StartDate,
		EndDate: w.EndDate, Schedule: w.Schedule, ScheduleTimezone: w.ScheduleTimezone, ScheduleOffset: w.ScheduleOffset,
		Duration: w.Duration, Cutoff: w.Cutoff, AllowUnassociatedTargets: w.AllowUnassociatedTargets, Enabled: w.Enabled}
}

func (r *runCommandParams) domain() *ssm.WindowRunCommand {
	return &ssm.WindowRunCommand{Comment: r.Comment, DocumentHash: r.DocumentHash, DocumentHashType: r.DocumentHashType,
		DocumentVersion: r.DocumentVersion, NotificationConfig: r.NotificationConfig.domain(),
		CloudWatchOutputConfig: r.CloudWatchOutputConfig.domain(), OutputS3BucketName: r.OutputS3BucketName,
		OutputS3KeyPrefix: r.OutputS3KeyPrefix, Parameters: r.Parameters, ServiceRoleArn: r.ServiceRoleArn,
		TimeoutSeconds: r.TimeoutSeconds}
}

func runCommandOut(rc *ssm.WindowRunCommand) *runCommandParams {
	out := &runCommandParams{Comment: rc.Comment, DocumentHash: rc.DocumentHash, DocumentHashType: rc.DocumentHashType,
		DocumentVersion: rc.DocumentVersion, OutputS3BucketName: rc.OutputS3BucketName, OutputS3KeyPrefix: rc.OutputS3KeyPrefix,
		Parameters: rc.Parameters, ServiceRoleArn: rc.ServiceRoleArn, TimeoutSeconds: rc.TimeoutSeconds}
	if rc.NotificationConfig != nil {
		out.NotificationConfig = cmdNotificationOut(*rc.NotificationConfig)
	}
	if rc.CloudWatchOutputConfig != nil {
		out.CloudWatchOutputConfig = cmdCloudWatchOut(*rc.CloudWatchOutputConfig)
	}
	return out
}

func invocationOut(i *ssm.WindowTaskInvocation) invocationIdentity {
	return invocationIdentity{WindowExecutionId: i.WindowExecutionID, TaskExecutionId: i.TaskExecutionID,
		InvocationId: i.InvocationID, ExecutionId: i.ExecutionID, TaskType: i.TaskType, Parameters: i.Parameters,
		Status: i.Status, StatusDetails: i.StatusDetails, StartTime: timePtr(i.Start), EndTime: timePtr(i.End),
		OwnerInformation: i.OwnerInformation, WindowTargetId: i.WindowTargetID}
}

// Wire shapes (botocore ssm/2014-11-06).

type windowFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type createWindowInput struct {
	Name                     string     `json:"Name"`
	Description              *string    `json:"Description"`
	StartDate                *string    `json:"StartDate"`
	EndDate                  *string    `json:"EndDate"`
	Schedule                 string     `json:"Schedule"`
	ScheduleTimezone         *string    `json:"ScheduleTimezone"`
	ScheduleOffset           *int       `json:"ScheduleOffset"`
	Duration                 *int       `json:"Duration"`
	Cutoff                   *int       `json:"Cutoff"`
	AllowUnassociatedTargets *bool      `json:"AllowUnassociatedTargets"`
	ClientToken              string     `json:"ClientToken"`
	Tags                     []assocTag `json:"Tags"`
}

type updateWindowInput struct {
	WindowId                 string  `json:"WindowId"`
	Name                     string  `json:"Name"`
	Description              *string `json:"Description"`
	StartDate                *string `json:"StartDate"`
	EndDate                  *string `json:"EndDate"`
	Schedule                 string  `json:"Schedule"`
	ScheduleTimezone         *string `json:"ScheduleTimezone"`
	ScheduleOffset           *int    `json:"ScheduleOffset"`
	Duration                 *int    `json:"Duration"`
	Cutoff                   *int    `json:"Cutoff"`
	AllowUnassociatedTargets *bool   `json:"AllowUnassociatedTargets"`
	Enabled                  *bool   `json:"Enabled"`
	Replace                  bool    `json:"Replace"`
}

type windowIDInput struct {
	WindowId string `json:"WindowId"`
}

type windowIDOutput struct {
	WindowId string `json:"WindowId"`
}

// windowFields is UpdateMaintenanceWindowResult, and the members
// GetMaintenanceWindowResult shares with it.
type windowFields struct {
	WindowId                 string `json:"WindowId"`
	Name                     string `json:"Name"`
	Description              string `json:"Description,omitempty"`
	StartDate                string `json:"StartDate,omitempty"`
	EndDate                  string `json:"EndDate,omitempty"`
	Schedule                 string `json:"Schedule"`
	ScheduleTimezone         string `json:"ScheduleTimezone,omitempty"`
	ScheduleOffset           *int   `json:"ScheduleOffset,omitempty"`
	Duration                 int    `json:"Duration"`
	Cutoff                   int    `json:"Cutoff"`
	AllowUnassociatedTargets bool   `json:"AllowUnassociatedTargets"`
	Enabled                  bool   `json:"Enabled"`
}

type getWindowOutput struct {
	WindowId                 string    `json:"WindowId"`
	Name                     string    `json:"Name"`
	Description              string    `json:"Description,omitempty"`
	StartDate                string    `json:"StartDate,omitempty"`
	EndDate                  string    `json:"EndDate,omitempty"`
	Schedule                 string    `json:"Schedule"`
	ScheduleTimezone         string    `json:"ScheduleTimezone,omitempty"`
	ScheduleOffset           *int      `json:"ScheduleOffset,omitempty"`
	Duration                 int       `json:"Duration"`
	Cutoff                   int       `json:"Cutoff"`
	AllowUnassociatedTargets bool      `json:"AllowUnassociatedTargets"`
	Enabled                  bool      `json:"Enabled"`
	NextExecutionTime        string    `json:"NextExecutionTime,omitempty"`
	CreatedDate              time.Time `json:"CreatedDate"`
	ModifiedDate             time.Time `json:"ModifiedDate"`
}

type describeWindowsInput struct {
	Filters    []windowFilter `json:"Filters"`
	MaxResults *int           `json:"MaxResults"`
	NextToken  string         `json:"NextToken"`
}

type windowIdentity struct {
	WindowId          string `json:"WindowId"`
	Name              string `json:"Name"`
	Description       string `json:"Description,omitempty"`
	Enabled           bool   `json:"Enabled"`
	Duration          int    `json:"Duration"`
	Cutoff            int    `json:"Cutoff"`
	Schedule          string `json:"Schedule"`
	ScheduleTimezone  string `json:"ScheduleTimezone,omitempty"`
	ScheduleOffset    *int   `json:"ScheduleOffset,omitempty"`
	EndDate           string `json:"EndDate,omitempty"`
	StartDate         string `json:"StartDate,omitempty"`
	NextExecutionTime string `json:"NextExecutionTime,omitempty"`
}

type describeWindowsOutput struct {
	WindowIdentities []windowIdentity `json:"WindowIdentities"`
	NextToken        string           `json:"NextToken,omitempty"`
}

type describeWindowScheduleInput struct {
	WindowId   string `json:"WindowId"`
	MaxResults *int   `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type scheduledWindowExecution struct {
	WindowId      string `json:"WindowId"`
	Name          string `json:"Name"`
	ExecutionTime string `json:"ExecutionTime"`
}

type describeWindowScheduleOutput struct {
	ScheduledWindowExecutions []scheduledWindowExecution `json:"ScheduledWindowExecutions"`
	NextToken                 string                     `json:"NextToken,omitempty"`
}

type registerTargetInput struct {
	WindowId         string      `json:"WindowId"`
	ResourceType     string      `json:"ResourceType"`
	Targets          []cmdTarget `json:"Targets"`
	OwnerInformation string      `json:"OwnerInformation"`
	Name             string      `json:"Name"`
	Description      string      `json:"Description"`
	ClientToken      string      `json:"ClientToken"`
}

type windowTargetIDOutput struct {
	WindowTargetId string `json:"WindowTargetId"`
}

type deregisterTargetInput struct {
	WindowId       string `json:"WindowId"`
	WindowTargetId string `json:"WindowTargetId"`
	Safe           bool   `json:"Safe"`
}

type deregisterTargetOutput struct {
	WindowId       string `json:"WindowId"`
	WindowTargetId string `json:"WindowTargetId"`
}

// describeWindowItemsInput is the request of DescribeMaintenanceWindowTargets,
// …Tasks and …Executions.
type describeWindowItemsInput struct {
	WindowId   string         `json:"WindowId"`
	Filters    []windowFilter `json:"Filters"`
	MaxResults *int           `json:"MaxResults"`
	NextToken  string         `json:"NextToken"`
}

type windowTarget struct {
	WindowId         string      `json:"WindowId"`
	WindowTargetId   string      `json:"WindowTargetId"`
	ResourceType     string      `json:"ResourceType"`
	Targets          []cmdTarget `json:"Targets"`
	OwnerInformation string      `json:"OwnerInformation,omitempty"`
	Name             string      `json:"Name,omitempty"`
	Description      string      `json:"Description,omitempty"`
}

type describeWindowTargetsOutput struct {
	Targets   []windowTarget `json:"Targets"`
	NextToken string         `json:"NextToken,omitempty"`
}

type taskParamValue struct {
	Values []string `json:"Values"`
}

type runCommandParams struct {
	Comment                string                     `json:"Comment,omitempty"`
	CloudWatchOutputConfig *cmdCloudWatchOutputConfig `json:"CloudWatchOutputConfig,omitempty"`
	DocumentHash           string                     `json:"DocumentHash,omitempty"`
	DocumentHashType       string                     `json:"DocumentHashType,omitempty"`
	DocumentVersion        string                     `json:"DocumentVersion,omitempty"`
	NotificationConfig     *cmdNotificationConfig     `json:"NotificationConfig,omitempty"`
	OutputS3BucketName     string                     `json:"OutputS3BucketName,omitempty"`
	OutputS3KeyPrefix      string                     `json:"OutputS3KeyPrefix,omitempty"`
	Parameters             map[string][]string        `json:"Parameters,omitempty"`
	ServiceRoleArn         string                     `json:"ServiceRoleArn,omitempty"`
	TimeoutSeconds         *int                       `json:"TimeoutSeconds,omitempty"`
}

type taskInvocationParameters struct {
	RunCommand *runCommandParams `json:"RunCommand,omitempty"`
}

type registerTaskInput struct {
	WindowId                 string                    `json:"WindowId"`
	Targets                  []cmdTarget               `json:"Targets"`
	TaskArn                  string                    `json:"TaskArn"`
	ServiceRoleArn           string                    `json:"ServiceRoleArn"`
	TaskType                 string                    `json:"TaskType"`
	TaskParameters           map[string]taskParamValue `json:"TaskParameters"`
	TaskInvocationParameters *taskInvocationParameters `json:"TaskInvocationParameters"`
	Priority                 *int                      `json:"Priority"`
	MaxConcurrency           string                    `json:"MaxConcurrency"`
	MaxErrors                string                    `json:"MaxErrors"`
	Name                     string                    `json:"Name"`
	Description              string                    `json:"Description"`
	ClientToken              string                    `json:"ClientToken"`
	CutoffBehavior           string                    `json:"CutoffBehavior"`
}

type windowTaskIDOutput struct {
	WindowTaskId string `json:"WindowTaskId"`
}

type windowTaskRef struct {
	WindowId     string `json:"WindowId"`
	WindowTaskId string `json:"WindowTaskId"`
}

type windowTask struct {
	WindowId       string                    `json:"WindowId"`
	WindowTaskId   string                    `json:"WindowTaskId"`
	TaskArn        string                    `json:"TaskArn"`
	Type           string                    `json:"Type"`
	Targets        []cmdTarget               `json:"Targets"`
	TaskParameters map[string]taskParamValue `json:"TaskParameters"`
	Priority       int                       `json:"Priority"`
	ServiceRoleArn string                    `json:"ServiceRoleArn,omitempty"`
	MaxConcurrency string                    `json:"MaxConcurrency,omitempty"`
	MaxErrors      string                    `json:"MaxErrors,omitempty"`
	Name           string                    `json:"Name,omitempty"`
	Description    string                    `json:"Description,omitempty"`
	CutoffBehavior string                    `json:"CutoffBehavior,omitempty"`
}

type describeWindowTasksOutput struct {
	Tasks     []windowTask `json:"Tasks"`
	NextToken string       `json:"NextToken,omitempty"`
}

type getWindowTaskOutput struct {
	WindowId                 string                    `json:"WindowId"`
	WindowTaskId             string                    `json:"WindowTaskId"`
	Targets                  []cmdTarget               `json:"Targets"`
	TaskArn                  string                    `json:"TaskArn"`
	ServiceRoleArn           string                    `json:"ServiceRoleArn,omitempty"`
	TaskType                 string                    `json:"TaskType"`
	TaskParameters           map[string]taskParamValue `json:"TaskParameters"`
	TaskInvocationParameters *taskInvocationParameters `json:"TaskInvocationParameters,omitempty"`
	Priority                 int                       `json:"Priority"`
	MaxConcurrency           string                    `json:"MaxConcurrency,omitempty"`
	MaxErrors                string                    `json:"MaxErrors,omitempty"`
	Name                     string                    `json:"Name,omitempty"`
	Description              string                    `json:"Description,omitempty"`
	CutoffBehavior           string                    `json:"CutoffBehavior,omitempty"`
}

type windowExecution struct {
	WindowId          string     `json:"WindowId"`
	WindowExecutionId string     `json:"WindowExecutionId"`
	Status            string     `json:"Status"`
	StatusDetails     string     `json:"StatusDetails,omitempty"`
	StartTime         *time.Time `json:"StartTime,omitempty"`
	EndTime           *time.Time `json:"EndTime,omitempty"`
}

type describeWindowExecutionsOutput struct {
	WindowExecutions []windowExecution `json:"WindowExecutions"`
	NextToken        string            `json:"NextToken,omitempty"`
}

type windowExecutionRef struct {
	WindowExecutionId string `json:"WindowExecutionId"`
}

type getWindowExecutionOutput struct {
	WindowExecutionId string     `json:"WindowExecutionId"`
	TaskIds           []string   `json:"TaskIds"`
	Status            string     `json:"Status"`
	StatusDetails     string     `json:"StatusDetails,omitempty"`
	StartTime         *time.Time `json:"StartTime,omitempty"`
	EndTime           *time.Time `json:"EndTime,omitempty"`
}

type describeExecutionTasksInput struct {
	WindowExecutionId string         `json:"WindowExecutionId"`
	Filters           []windowFilter `json:"Filters"`
	MaxResults        *int           `json:"MaxResults"`
	NextToken         string         `json:"NextToken"`
}

type executionTaskIdentity struct {
	WindowExecutionId string     `json:"WindowExecutionId"`
	TaskExecutionId   string     `json:"TaskExecutionId"`
	Status            string     `json:"Status"`
	StatusDetails     string     `json:"StatusDetails,omitempty"`
	StartTime         *time.Time `json:"StartTime,omitempty"`
	EndTime           *time.Time `json:"EndTime,omitempty"`
	TaskArn           string     `json:"TaskArn"`
	TaskType          string     `json:"TaskType"`
}

type describeExecutionTasksOutput struct {
	WindowExecutionTaskIdentities []executionTaskIdentity `json:"WindowExecutionTaskIdentities"`
	NextToken                     string                  `json:"NextToken,omitempty"`
}

type executionTaskRef struct {
	WindowExecutionId string `json:"WindowExecutionId"`
	TaskId            string `json:"TaskId"`
}

type getExecutionTaskOutput struct {
	WindowExecutionId string                      `json:"WindowExecutionId"`
	TaskExecutionId   string                      `json:"TaskExecutionId"`
	TaskArn           string                      `json:"TaskArn"`
	ServiceRole       string                      `json:"ServiceRole,omitempty"`
	Type              string                      `json:"Type"`
	TaskParameters    []map[string]taskParamValue `json:"TaskParameters"`
	Priority          int                         `json:"Priority"`
	MaxConcurrency    string                      `json:"MaxConcurrency,omitempty"`
	MaxErrors         string                      `json:"MaxErrors,omitempty"`
	Status            string                      `json:"Status"`
	StatusDetails     string                      `json:"StatusDetails,omitempty"`
	StartTime         *time.Time                  `json:"StartTime,omitempty"`
	EndTime           *time.Time                  `json:"EndTime,omitempty"`
}

type describeInvocationsInput struct {
	WindowExecutionId string         `json:"WindowExecutionId"`
	TaskId            string         `json:"TaskId"`
	Filters           []windowFilter `json:"Filters"`
	MaxResults        *int           `json:"MaxResults"`
	NextToken         string         `json:"NextToken"`
}

type invocationRef struct {
	WindowExecutionId string `json:"WindowExecutionId"`
	TaskId            string `json:"TaskId"`
	InvocationId      string `json:"InvocationId"`
}

type invocationIdentity struct {
	WindowExecutionId string     `json:"WindowExecutionId"`
	TaskExecutionId   string     `json:"TaskExecutionId"`
	InvocationId      string     `json:"InvocationId"`
	ExecutionId       string     `json:"ExecutionId,omitempty"`
	TaskType          string     `json:"TaskType"`
	Parameters        string     `json:"Parameters,omitempty"`
	Status            string     `json:"Status"`
	StatusDetails     string     `json:"StatusDetails,omitempty"`
	StartTime         *time.Time `json:"StartTime,omitempty"`
	EndTime           *time.Time `json:"EndTime,omitempty"`
	OwnerInformation  string     `json:"OwnerInformation,omitempty"`
	WindowTargetId    string     `json:"WindowTargetId,omitempty"`
}

type describeInvocationsOutput struct {
	WindowExecutionTaskInvocationIdentities []invocationIdentity `json:"WindowExecutionTaskInvocationIdentities"`
	NextToken                               string               `json:"NextToken,omitempty"`
}
