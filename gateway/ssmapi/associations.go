package ssmapi

import (
	"context"
	"strconv"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// State Manager: CreateAssociation, CreateAssociationBatch,
// DescribeAssociation, ListAssociations, UpdateAssociation,
// ListAssociationVersions, DeleteAssociation,
// DescribeInstanceAssociationsStatus, DescribeAssociationExecutions,
// DescribeAssociationExecutionTargets, StartAssociationsOnce. Member names
// are the botocore model's.

func associationOps(a *ssm.Associations) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateAssociation", func(ctx context.Context, in *createAssociationInput) (*associationDescriptionOutput, error) {
			d, err := a.CreateAssociation(ctx, in.domain())
			if err != nil {
				return nil, err
			}
			return &associationDescriptionOutput{AssociationDescription: assocDescriptionOut(d)}, nil
		}),
		gateway.Handle("CreateAssociationBatch", func(ctx context.Context, in *createAssociationBatchInput) (*createAssociationBatchOutput, error) {
			entries := make([]ssm.AssociationInput, len(in.Entries))
			for i := range in.Entries {
				entries[i] = in.Entries[i].domain()
			}
			ok, failed, err := a.CreateAssociationBatch(ctx, entries)
			if err != nil {
				return nil, err
			}
			out := &createAssociationBatchOutput{Successful: []*assocDescription{}, Failed: []assocBatchFailure{}}
			for _, d := range ok {
				out.Successful = append(out.Successful, assocDescriptionOut(d))
			}
			for _, f := range failed {
				out.Failed = append(out.Failed, assocBatchFailure{Entry: in.Entries[f.Index], Message: f.Message, Fault: f.Fault})
			}
			return out, nil
		}),
		gateway.Handle("DescribeAssociation", func(ctx context.Context, in *describeAssociationInput) (*associationDescriptionOutput, error) {
			d, err := a.DescribeAssociation(ctx, in.AssociationId, in.Name, in.InstanceId, in.AssociationVersion)
			if err != nil {
				return nil, err
			}
			return &associationDescriptionOutput{AssociationDescription: assocDescriptionOut(d)}, nil
		}),
		gateway.Handle("ListAssociations", func(ctx context.Context, in *listAssociationsInput) (*listAssociationsOutput, error) {
			fs := make([]ssm.AssociationFilter, len(in.AssociationFilterList))
			for i, f := range in.AssociationFilterList {
				fs[i] = ssm.AssociationFilter{Key: f.Key, Value: f.Value}
			}
			list, next, err := a.ListAssociations(ctx, fs, in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &listAssociationsOutput{Associations: []assocSummary{}, NextToken: next}
			for _, d := range list {
				out.Associations = append(out.Associations, assocSummary{
					Name: d.Name, InstanceId: d.InstanceID, AssociationId: d.AssociationID,
					AssociationVersion: strconv.Itoa(d.Version), DocumentVersion: d.DocumentVersion, Targets: assocTargetsOut(d.Targets),
					LastExecutionDate: timePtr(d.LastExecution), Overview: assocOverviewOut(d), ScheduleExpression: d.ScheduleExpression,
					AssociationName: d.AssociationName, ScheduleOffset: d.ScheduleOffset,
				})
			}
			return out, nil
		}),
		gateway.Handle("UpdateAssociation", func(ctx context.Context, in *updateAssociationInput) (*associationDescriptionOutput, error) {
			d, err := a.UpdateAssociation(ctx, in.AssociationId, in.AssociationVersion, in.domain())
			if err != nil {
				return nil, err
			}
			return &associationDescriptionOutput{AssociationDescription: assocDescriptionOut(d)}, nil
		}),
		gateway.Handle("ListAssociationVersions", func(ctx context.Context, in *listAssociationVersionsInput) (*listAssociationVersionsOutput, error) {
			vs, next, err := a.ListAssociationVersions(ctx, in.AssociationId, in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &listAssociationVersionsOutput{AssociationVersions: []assocVersionInfo{}, NextToken: next}
			for _, v := range vs {
				out.AssociationVersions = append(out.AssociationVersions, assocVersionInfo{
					AssociationId: v.AssociationID, AssociationVersion: strconv.Itoa(v.Version), CreatedDate: v.Updated,
					Name: v.Name, DocumentVersion: v.DocumentVersion, Parameters: v.Parameters, Targets: assocTargetsOut(v.Targets),
					ScheduleExpression: v.ScheduleExpression, OutputLocation: assocOutputOut(v.OutputLocation),
					AssociationName: v.AssociationName, MaxErrors: v.MaxErrors, MaxConcurrency: v.MaxConcurrency,
					ComplianceSeverity: v.ComplianceSeverity, SyncCompliance: v.SyncCompliance,
					ApplyOnlyAtCronInterval: v.ApplyOnlyAtCronInterval, ScheduleOffset: v.ScheduleOffset,
				})
			}
			return out, nil
		}),
		gateway.Handle("DeleteAssociation", func(ctx context.Context, in *deleteAssociationInput) (*struct{}, error) {
			return &struct{}{}, a.DeleteAssociation(ctx, in.AssociationId, in.Name, in.InstanceId)
		}),
		gateway.Handle("DescribeInstanceAssociationsStatus", func(ctx context.Context, in *describeInstanceAssociationsStatusInput) (*describeInstanceAssociationsStatusOutput, error) {
			ts, next, err := a.DescribeInstanceAssociationsStatus(ctx, in.InstanceId, in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeInstanceAssociationsStatusOutput{InstanceAssociationStatusInfos: []instanceAssociationStatusInfo{}, NextToken: next}
			for _, t := range ts {
				out.InstanceAssociationStatusInfos = append(out.InstanceAssociationStatusInfos, instanceAssociationStatusInfo{
					AssociationId: t.AssociationID, Name: t.DocumentName, DocumentVersion: t.DocumentVersion,
					AssociationVersion: strconv.Itoa(t.Version), InstanceId: t.NodeID, ExecutionDate: t.ExecutionDate,
					Status: t.Status, DetailedStatus: t.DetailedStatus, ExecutionSummary: t.ExecutionSummary, ErrorCode: t.ErrorCode,
					OutputUrl: &assocOutputURL{S3OutputUrl: &assocS3OutputURL{}}, AssociationName: t.AssociationName,
				})
			}
			return out, nil
		}),
		gateway.Handle("DescribeAssociationExecutions", func(ctx context.Context, in *describeAssociationExecutionsInput) (*describeAssociationExecutionsOutput, error) {
			es, next, err := a.DescribeAssociationExecutions(ctx, in.AssociationId, len(in.Filters) > 0, in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeAssociationExecutionsOutput{AssociationExecutions: []assocExecution{}, NextToken: next}
			for _, e := range es {
				out.AssociationExecutions = append(out.AssociationExecutions, assocExecution{
					AssociationId: e.AssociationID, AssociationVersion: strconv.Itoa(e.Version), ExecutionId: e.ExecutionID,
					Status: e.Status, DetailedStatus: e.DetailedStatus, CreatedTime: e.Created, LastExecutionDate: e.LastExecution,
					ResourceCountByStatus: ssm.ResourceCountByStatus(e.Counts),
				})
			}
			return out, nil
		}),
		gateway.Handle("DescribeAssociationExecutionTargets", func(ctx context.Context, in *describeAssociationExecutionTargetsInput) (*describeAssociationExecutionTargetsOutput, error) {
			fs := make([]ssm.AssociationFilter, len(in.Filters))
			for i, f := range in.Filters {
				fs[i] = ssm.AssociationFilter{Key: f.Key, Value: f.Value}
			}
			ts, next, err := a.DescribeAssociationExecutionTargets(ctx, in.AssociationId, in.ExecutionId, fs, in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			out := &describeAssociationExecutionTargetsOutput{AssociationExecutionTargets: []assocExecutionTarget{}, NextToken: next}
			for _, t := range ts {
				tg := assocExecutionTarget{
					AssociationId: t.AssociationID, AssociationVersion: strconv.Itoa(t.Version), ExecutionId: t.ExecutionID,
					ResourceId: t.NodeID, ResourceType: "ManagedInstance", Status: t.Status, DetailedStatus: t.DetailedStatus,
					LastExecutionDate: t.ExecutionDate,
				}
				if t.CommandID != "" {
					tg.OutputSource = &assocOutputSource{OutputSourceId: t.CommandID, OutputSourceType: "RunCommand"}
				}
				out.AssociationExecutionTargets = append(out.AssociationExecutionTargets, tg)
			}
			return out, nil
		}),
		gateway.Handle("StartAssociationsOnce", func(ctx context.Context, in *startAssociationsOnceInput) (*struct{}, error) {
			return &struct{}{}, a.StartAssociationsOnce(ctx, in.AssociationIds)
		}),
	}
}

// Wire shapes (botocore ssm/2014-11-06).

type assocS3Location struct {
	OutputS3Region     string `json:"OutputS3Region,omitempty"`
	OutputS3BucketName string `json:"OutputS3BucketName,omitempty"`
	OutputS3KeyPrefix  string `json:"OutputS3KeyPrefix,omitempty"`
}

type assocOutputLocation struct {
	S3Location *assocS3Location `json:"S3Location,omitempty"`
}

type assocTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// createAssociationInput is CreateAssociationRequest: a batch entry's
// members and Tags.
type createAssociationInput struct {
	Name                          string               `json:"Name"`
	DocumentVersion               string               `json:"DocumentVersion"`
	InstanceId                    string               `json:"InstanceId"`
	Parameters                    map[string][]string  `json:"Parameters"`
	Targets                       []cmdTarget          `json:"Targets"`
	ScheduleExpression            string               `json:"ScheduleExpression"`
	OutputLocation                *assocOutputLocation `json:"OutputLocation"`
	AssociationName               string               `json:"AssociationName"`
	AutomationTargetParameterName string               `json:"AutomationTargetParameterName"`
	MaxErrors                     string               `json:"MaxErrors"`
	MaxConcurrency                string               `json:"MaxConcurrency"`
	ComplianceSeverity            string               `json:"ComplianceSeverity"`
	SyncCompliance                string               `json:"SyncCompliance"`
	ApplyOnlyAtCronInterval       bool                 `json:"ApplyOnlyAtCronInterval"`
	CalendarNames                 []string             `json:"CalendarNames"`
	ScheduleOffset                *int                 `json:"ScheduleOffset"`
	Duration                      *int                 `json:"Duration"`
	Tags                          []assocTag           `json:"Tags"`
}

func (in *createAssociationInput) domain() ssm.AssociationInput {
	e := assocEntry{Name: in.Name, DocumentVersion: in.DocumentVersion, InstanceId: in.InstanceId, Parameters: in.Parameters,
		Targets: in.Targets, ScheduleExpression: in.ScheduleExpression, OutputLocation: in.OutputLocation,
		AssociationName: in.AssociationName, AutomationTargetParameterName: in.AutomationTargetParameterName,
		MaxErrors: in.MaxErrors, MaxConcurrency: in.MaxConcurrency, ComplianceSeverity: in.ComplianceSeverity,
		SyncCompliance: in.SyncCompliance, ApplyOnlyAtCronInterval: in.ApplyOnlyAtCronInterval,
		CalendarNames: in.CalendarNames, ScheduleOffset: in.ScheduleOffset, Duration: in.Duration}
	out := e.domain()
	for _, t := range in.Tags {
		out.Tags = append(out.Tags, ssm.AssociationTag{Key: t.Key, Value: t.Value})
	}
	return out
}

// assocEntry is CreateAssociationBatchRequestEntry. The members Steward does
// not support are decoded to be refused.
type assocEntry struct {
	Name                          string               `json:"Name"`
	DocumentVersion               string               `json:"DocumentVersion"`
	InstanceId                    string               `json:"InstanceId"`
	Parameters                    map[string][]string  `json:"Parameters"`
	Targets                       []cmdTarget          `json:"Targets"`
	ScheduleExpression            string               `json:"ScheduleExpression"`
	OutputLocation                *assocOutputLocation `json:"OutputLocation"`
	AssociationName               string               `json:"AssociationName"`
	AutomationTargetParameterName string               `json:"AutomationTargetParameterName"`
	MaxErrors                     string               `json:"MaxErrors"`
	MaxConcurrency                string               `json:"MaxConcurrency"`
	ComplianceSeverity            string               `json:"ComplianceSeverity"`
	SyncCompliance                string               `json:"SyncCompliance"`
	ApplyOnlyAtCronInterval       bool                 `json:"ApplyOnlyAtCronInterval"`
	CalendarNames                 []string             `json:"CalendarNames"`
	ScheduleOffset                *int                 `json:"ScheduleOffset"`
	Duration                      *int                 `json:"Duration"`
}

func (in *assocEntry) domain() ssm.AssociationInput {
	out := ssm.AssociationInput{
		Name: in.Name, DocumentVersion: in.DocumentVersion, InstanceID: in.InstanceId, Parameters: in.Parameters,
		Targets: cmdTargetsIn(in.Targets), ScheduleExpression: in.ScheduleExpression, AssociationName: in.AssociationName,
		MaxErrors: in.MaxErrors, MaxConcurrency: in.MaxConcurrency, ComplianceSeverity: in.ComplianceSeverity,
		SyncCompliance: in.SyncCompliance, ApplyOnlyAtCronInterval: in.ApplyOnlyAtCronInterval, ScheduleOffset: in.ScheduleOffset,
	}
	if in.OutputLocation != nil && in.OutputLocation.S3Location != nil {
		l := in.OutputLocation.S3Location
		out.OutputLocation = &ssm.S3OutputLocation{OutputS3Region: l.OutputS3Region, OutputS3BucketName: l.OutputS3BucketName, OutputS3KeyPrefix: l.OutputS3KeyPrefix}
	}
	switch {
	case in.AutomationTargetParameterName != "":
		out.Unsupported = "AutomationTargetParameterName"
	case len(in.CalendarNames) > 0:
		out.Unsupported = "CalendarNames"
	case in.Duration != nil:
		out.Unsupported = "Duration"
	}
	return out
}

type createAssociationBatchInput struct {
	Entries []assocEntry `json:"Entries"`
}

type assocBatchFailure struct {
	Entry   assocEntry `json:"Entry"`
	Message string     `json:"Message"`
	Fault   string     `json:"Fault"`
}

type createAssociationBatchOutput struct {
	Successful []*assocDescription `json:"Successful"`
	Failed     []assocBatchFailure `json:"Failed"`
}

type assocStatus struct {
	Date    time.Time `json:"Date"`
	Name    string    `json:"Name"`
	Message string    `json:"Message"`
}

type assocOverview struct {
	Status                           string         `json:"Status"`
	DetailedStatus                   string         `json:"DetailedStatus"`
	AssociationStatusAggregatedCount map[string]int `json:"AssociationStatusAggregatedCount"`
}

// assocDescription is the AssociationDescription shape.
type assocDescription struct {
	Name                        string               `json:"Name"`
	InstanceId                  string               `json:"InstanceId,omitempty"`
	AssociationVersion          string               `json:"AssociationVersion"`
	Date                        time.Time            `json:"Date"`
	LastUpdateAssociationDate   time.Time            `json:"LastUpdateAssociationDate"`
	Status                      *assocStatus         `json:"Status,omitempty"`
	Overview                    *assocOverview       `json:"Overview"`
	DocumentVersion             string               `json:"DocumentVersion,omitempty"`
	Parameters                  map[string][]string  `json:"Parameters,omitempty"`
	AssociationId               string               `json:"AssociationId"`
	Targets                     []cmdTarget          `json:"Targets,omitempty"`
	ScheduleExpression          string               `json:"ScheduleExpression,omitempty"`
	OutputLocation              *assocOutputLocation `json:"OutputLocation,omitempty"`
	LastExecutionDate           *time.Time           `json:"LastExecutionDate,omitempty"`
	LastSuccessfulExecutionDate *time.Time           `json:"LastSuccessfulExecutionDate,omitempty"`
	AssociationName             string               `json:"AssociationName,omitempty"`
	MaxErrors                   string               `json:"MaxErrors,omitempty"`
	MaxConcurrency              string               `json:"MaxConcurrency,omitempty"`
	ComplianceSeverity          string               `json:"ComplianceSeverity,omitempty"`
	SyncCompliance              string               `json:"SyncCompliance,omitempty"`
	ApplyOnlyAtCronInterval     bool                 `json:"ApplyOnlyAtCronInterval"`
	ScheduleOffset              *int                 `json:"ScheduleOffset,omitempty"`
}

type associationDescriptionOutput struct {
	AssociationDescription *assocDescription `json:"AssociationDescription"`
}

type describeAssociationInput struct {
	Name               string `json:"Name"`
	InstanceId         string `json:"InstanceId"`
	AssociationId      string `json:"AssociationId"`
	AssociationVersion string `json:"AssociationVersion"`
}

type assocFilter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type listAssociationsInput struct {
	AssociationFilterList []assocFilter `json:"AssociationFilterList"`
	MaxResults            *int          `json:"MaxResults"`
	NextToken             string        `json:"NextToken"`
}

// assocSummary is the Association shape.
type assocSummary struct {
	Name               string         `json:"Name"`
	InstanceId         string         `json:"InstanceId,omitempty"`
	AssociationId      string         `json:"AssociationId"`
	AssociationVersion string         `json:"AssociationVersion"`
	DocumentVersion    string         `json:"DocumentVersion,omitempty"`
	Targets            []cmdTarget    `json:"Targets,omitempty"`
	LastExecutionDate  *time.Time     `json:"LastExecutionDate,omitempty"`
	Overview           *assocOverview `json:"Overview"`
	ScheduleExpression string         `json:"ScheduleExpression,omitempty"`
	AssociationName    string         `json:"AssociationName,omitempty"`
	ScheduleOffset     *int           `json:"ScheduleOffset,omitempty"`
}

type listAssociationsOutput struct {
	Associations []assocSummary `json:"Associations"`
	NextToken    string         `json:"NextToken,omitempty"`
}

type updateAssociationInput struct {
	AssociationId                 string               `json:"AssociationId"`
	AssociationVersion            string               `json:"AssociationVersion"`
	Name                          string               `json:"Name"`
	DocumentVersion               string               `json:"DocumentVersion"`
	Parameters                    map[string][]string  `json:"Parameters"`
	Targets                       []cmdTarget          `json:"Targets"`
	ScheduleExpression            string               `json:"ScheduleExpression"`
	OutputLocation                *assocOutputLocation `json:"OutputLocation"`
	AssociationName               string               `json:"AssociationName"`
	AutomationTargetParameterName string               `json:"AutomationTargetParameterName"`
	MaxErrors                     string               `json:"MaxErrors"`
	MaxConcurrency                string               `json:"MaxConcurrency"`
	ComplianceSeverity            string               `json:"ComplianceSeverity"`
	SyncCompliance                string               `json:"SyncCompliance"`
	ApplyOnlyAtCronInterval       bool                 `json:"ApplyOnlyAtCronInterval"`
	CalendarNames                 []string             `json:"CalendarNames"`
	ScheduleOffset                *int                 `json:"ScheduleOffset"`
	Duration                      *int                 `json:"Duration"`
}

func (in *updateAssociationInput) domain() ssm.AssociationInput {
	e := assocEntry{Name: in.Name, DocumentVersion: in.DocumentVersion, Parameters: in.Parameters, Targets: in.Targets,
		ScheduleExpression: in.ScheduleExpression, OutputLocation: in.OutputLocation, AssociationName: in.AssociationName,
		AutomationTargetParameterName: in.AutomationTargetParameterName, MaxErrors: in.MaxErrors, MaxConcurrency: in.MaxConcurrency,
		ComplianceSeverity: in.ComplianceSeverity, SyncCompliance: in.SyncCompliance, ApplyOnlyAtCronInterval: in.ApplyOnlyAtCronInterval,
		CalendarNames: in.CalendarNames, ScheduleOffset: in.ScheduleOffset, Duration: in.Duration}
	return e.domain()
}

type listAssociationVersionsInput struct {
	AssociationId string `json:"AssociationId"`
	MaxResults    *int   `json:"MaxResults"`
	NextToken     string `json:"NextToken"`
}

// assocVersionInfo is the AssociationVersionInfo shape.
type assocVersionInfo struct {
	AssociationId           string               `json:"AssociationId"`
	AssociationVersion      string               `json:"AssociationVersion"`
	CreatedDate             time.Time            `json:"CreatedDate"`
	Name                    string               `json:"Name"`
	DocumentVersion         string               `json:"DocumentVersion,omitempty"`
	Parameters              map[string][]string  `json:"Parameters,omitempty"`
	Targets                 []cmdTarget          `json:"Targets,omitempty"`
	ScheduleExpression      string               `json:"ScheduleExpression,omitempty"`
	OutputLocation          *assocOutputLocation `json:"OutputLocation,omitempty"`
	AssociationName         string               `json:"AssociationName,omitempty"`
	MaxErrors               string               `json:"MaxErrors,omitempty"`
	MaxConcurrency          string               `json:"MaxConcurrency,omitempty"`
	ComplianceSeverity      string               `json:"ComplianceSeverity,omitempty"`
	SyncCompliance          string               `json:"SyncCompliance,omitempty"`
	ApplyOnlyAtCronInterval bool                 `json:"ApplyOnlyAtCronInterval"`
	ScheduleOffset          *int                 `json:"ScheduleOffset,omitempty"`
}

type listAssociationVersionsOutput struct {
	AssociationVersions []assocVersionInfo `json:"AssociationVersions"`
	NextToken           string             `json:"NextToken,omitempty"`
}

type deleteAssociationInput struct {
	Name          string `json:"Name"`
	InstanceId    string `json:"InstanceId"`
	AssociationId string `json:"AssociationId"`
}

type describeInstanceAssociationsStatusInput struct {
	InstanceId string `json:"InstanceId"`
	MaxResults *int   `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

type assocS3OutputURL struct {
	OutputUrl string `json:"OutputUrl,omitempty"`
}

type assocOutputURL struct {
	S3OutputUrl *assocS3OutputURL `json:"S3OutputUrl"`
}

// instanceAssociationStatusInfo is the InstanceAssociationStatusInfo shape.
type instanceAssociationStatusInfo struct {
	AssociationId      string          `json:"AssociationId"`
	Name               string          `json:"Name"`
	DocumentVersion    string          `json:"DocumentVersion"`
	AssociationVersion string          `json:"AssociationVersion"`
	InstanceId         string          `json:"InstanceId"`
	ExecutionDate      time.Time       `json:"ExecutionDate"`
	Status             string          `json:"Status"`
	DetailedStatus     string          `json:"DetailedStatus"`
	ExecutionSummary   string          `json:"ExecutionSummary,omitempty"`
	ErrorCode          string          `json:"ErrorCode"`
	OutputUrl          *assocOutputURL `json:"OutputUrl"`
	AssociationName    string          `json:"AssociationName,omitempty"`
}

type describeInstanceAssociationsStatusOutput struct {
	InstanceAssociationStatusInfos []instanceAssociationStatusInfo `json:"InstanceAssociationStatusInfos"`
	NextToken                      string                          `json:"NextToken,omitempty"`
}

type assocExecutionFilter struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
	Type  string `json:"Type"`
}

type describeAssociationExecutionsInput struct {
	AssociationId string                 `json:"AssociationId"`
	Filters       []assocExecutionFilter `json:"Filters"`
	MaxResults    *int                   `json:"MaxResults"`
	NextToken     string                 `json:"NextToken"`
}

// assocExecution is the AssociationExecution shape.
type assocExecution struct {
	AssociationId         string    `json:"AssociationId"`
	AssociationVersion    string    `json:"AssociationVersion"`
	ExecutionId           string    `json:"ExecutionId"`
	Status                string    `json:"Status"`
	DetailedStatus        string    `json:"DetailedStatus"`
	CreatedTime           time.Time `json:"CreatedTime"`
	LastExecutionDate     time.Time `json:"LastExecutionDate"`
	ResourceCountByStatus string    `json:"ResourceCountByStatus"`
}

type describeAssociationExecutionsOutput struct {
	AssociationExecutions []assocExecution `json:"AssociationExecutions"`
	NextToken             string           `json:"NextToken,omitempty"`
}

type assocExecutionTargetsFilter struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type describeAssociationExecutionTargetsInput struct {
	AssociationId string                        `json:"AssociationId"`
	ExecutionId   string                        `json:"ExecutionId"`
	Filters       []assocExecutionTargetsFilter `json:"Filters"`
	MaxResults    *int                          `json:"MaxResults"`
	NextToken     string                        `json:"NextToken"`
}

type assocOutputSource struct {
	OutputSourceId   string `json:"OutputSourceId"`
	OutputSourceType string `json:"OutputSourceType"`
}

// assocExecutionTarget is the AssociationExecutionTarget shape.
type assocExecutionTarget struct {
	AssociationId      string             `json:"AssociationId"`
	AssociationVersion string             `json:"AssociationVersion"`
	ExecutionId        string             `json:"ExecutionId"`
	ResourceId         string             `json:"ResourceId"`
	ResourceType       string             `json:"ResourceType"`
	Status             string             `json:"Status"`
	DetailedStatus     string             `json:"DetailedStatus"`
	LastExecutionDate  time.Time          `json:"LastExecutionDate"`
	OutputSource       *assocOutputSource `json:"OutputSource,omitempty"`
}

type describeAssociationExecutionTargetsOutput struct {
	AssociationExecutionTargets []assocExecutionTarget `json:"AssociationExecutionTargets"`
	NextToken                   string                 `json:"NextToken,omitempty"`
}

type startAssociationsOnceInput struct {
	AssociationIds []string `json:"AssociationIds"`
}

// Conversions.

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func assocTargetsOut(ts []ssm.Target) []cmdTarget {
	out := make([]cmdTarget, 0, len(ts))
	for _, t := range ts {
		out = append(out, cmdTarget{Key: t.Key, Values: nonNilStrings(t.Values)})
	}
	return out
}

func assocOutputOut(l *ssm.S3OutputLocation) *assocOutputLocation {
	if l == nil {
		return nil
	}
	return &assocOutputLocation{S3Location: &assocS3Location{OutputS3Region: l.OutputS3Region, OutputS3BucketName: l.OutputS3BucketName, OutputS3KeyPrefix: l.OutputS3KeyPrefix}}
}

func assocOverviewOut(d *ssm.AssociationDescription) *assocOverview {
	counts := d.Counts
	if counts == nil {
		counts = map[string]int{}
	}
	return &assocOverview{Status: d.Status, DetailedStatus: d.DetailedStatus, AssociationStatusAggregatedCount: counts}
}

func assocDescriptionOut(d *ssm.AssociationDescription) *assocDescription {
	out := &assocDescription{
		Name: d.Name, InstanceId: d.InstanceID, AssociationVersion: strconv.Itoa(d.Version), Date: d.Created,
		LastUpdateAssociationDate: d.Updated, Overview: assocOverviewOut(d), DocumentVersion: d.DocumentVersion,
		Parameters: d.Parameters, AssociationId: d.AssociationID, Targets: assocTargetsOut(d.Targets),
		ScheduleExpression: d.ScheduleExpression, OutputLocation: assocOutputOut(d.OutputLocation),
		LastExecutionDate: timePtr(d.LastExecution), LastSuccessfulExecutionDate: timePtr(d.LastSuccess),
		AssociationName: d.AssociationName, MaxErrors: d.MaxErrors, MaxConcurrency: d.MaxConcurrency,
		ComplianceSeverity: d.ComplianceSeverity, SyncCompliance: d.SyncCompliance,
		ApplyOnlyAtCronInterval: d.ApplyOnlyAtCronInterval, ScheduleOffset: d.ScheduleOffset,
	}
	if d.InstanceID != "" {
		out.Status = &assocStatus{Date: d.Updated, Name: d.Status, Message: d.DetailedStatus}
	}
	if d.DocumentVersion == "" {
		out.DocumentVersion = "$DEFAULT"
	}
	return out
}
