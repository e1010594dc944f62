package ssmapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// Run Command: SendCommand, ListCommands, ListCommandInvocations,
// GetCommandInvocation, CancelCommand. Member names are the botocore
// model's. Output shapes write every member, empty ones as "" / [] / {}, as
// AWS does (a real SendCommand answer carries InstanceIds: [], ServiceRole:
// "", NotificationConfig with empty members …).

func commandOps(c *ssm.Commands) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("SendCommand", func(ctx context.Context, in *sendCommandInput) (*sendCommandOutput, error) {
			out, err := c.SendCommand(ctx, ssm.SendCommandInput{
				InstanceIDs: in.InstanceIds, Targets: cmdTargetsIn(in.Targets), DocumentName: in.DocumentName,
				DocumentVersion: in.DocumentVersion, DocumentHash: in.DocumentHash, DocumentHashType: in.DocumentHashType,
				TimeoutSeconds: in.TimeoutSeconds, Comment: in.Comment, Parameters: in.Parameters,
				OutputS3Region: in.OutputS3Region, OutputS3BucketName: in.OutputS3BucketName, OutputS3KeyPrefix: in.OutputS3KeyPrefix,
				MaxConcurrency: in.MaxConcurrency, MaxErrors: in.MaxErrors, ServiceRoleArn: in.ServiceRoleArn,
				NotificationConfig: in.NotificationConfig.domain(), CloudWatchOutputConfig: in.CloudWatchOutputConfig.domain(),
				AlarmConfiguration: in.AlarmConfiguration.domain(),
			})
			if err != nil {
				return nil, err
			}
			return &sendCommandOutput{Command: cmdCommandOut(out)}, nil
		}),
		gateway.Handle("ListCommands", func(ctx context.Context, in *listCommandsInput) (*listCommandsOutput, error) {
			out, err := c.ListCommands(ctx, ssm.ListCommandsInput{CommandID: in.CommandId, InstanceID: in.InstanceId,
				MaxResults: in.MaxResults, NextToken: in.NextToken, Filters: cmdFiltersIn(in.Filters)})
			if err != nil {
				return nil, err
			}
			res := &listCommandsOutput{Commands: make([]*cmdCommand, len(out.Commands)), NextToken: out.NextToken}
			for i, cmd := range out.Commands {
				res.Commands[i] = cmdCommandOut(cmd)
			}
			return res, nil
		}),
		gateway.Handle("ListCommandInvocations", func(ctx context.Context, in *listCommandInvocationsInput) (*listCommandInvocationsOutput, error) {
			out, err := c.ListCommandInvocations(ctx, ssm.ListCommandInvocationsInput{CommandID: in.CommandId,
				InstanceID: in.InstanceId, MaxResults: in.MaxResults, NextToken: in.NextToken,
				Filters: cmdFiltersIn(in.Filters), Details: in.Details})
			if err != nil {
				return nil, err
			}
			res := &listCommandInvocationsOutput{CommandInvocations: make([]*cmdInvocation, len(out.Invocations)), NextToken: out.NextToken}
			for i, inv := range out.Invocations {
				res.CommandInvocations[i] = cmdInvocationOut(inv)
			}
			return res, nil
		}),
		gateway.Handle("GetCommandInvocation", func(ctx context.Context, in *getCommandInvocationInput) (*getCommandInvocationOutput, error) {
			r, err := c.GetCommandInvocation(ctx, ssm.GetCommandInvocationInput{CommandID: in.CommandId,
				InstanceID: in.InstanceId, PluginName: in.PluginName})
			if err != nil {
				return nil, err
			}
			return &getCommandInvocationOutput{
				CommandId: r.CommandID, InstanceId: r.InstanceID, Comment: r.Comment, DocumentName: r.DocumentName,
				DocumentVersion: r.DocumentVersion, PluginName: r.PluginName, ResponseCode: r.ResponseCode,
				ExecutionStartDateTime: r.ExecutionStartDateTime, ExecutionElapsedTime: r.ExecutionElapsedTime,
				ExecutionEndDateTime: r.ExecutionEndDateTime, Status: r.Status, StatusDetails: r.StatusDetails,
				StandardOutputContent: r.StandardOutputContent, StandardOutputUrl: r.StandardOutputURL,
				StandardErrorContent: r.StandardErrorContent, StandardErrorUrl: r.StandardErrorURL,
				CloudWatchOutputConfig: cmdCloudWatchOut(r.CloudWatch),
			}, nil
		}),
		gateway.Handle("CancelCommand", func(ctx context.Context, in *cancelCommandInput) (*cancelCommandOutput, error) {
			if err := c.CancelCommand(ctx, in.CommandId, in.InstanceIds); err != nil {
				return nil, err
			}
			return &cancelCommandOutput{}, nil
		}),
	}
}

// Wire shapes (botocore ssm/2014-11-06).

type cmdTarget struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type cmdNotificationConfig struct {
	NotificationArn    string   `json:"NotificationArn"`
	NotificationEvents []string `json:"NotificationEvents"`
	NotificationType   string   `json:"NotificationType"`
}

func (n *cmdNotificationConfig) domain() *ssm.NotificationConfig {
	if n == nil {
		return nil
	}
	return &ssm.NotificationConfig{NotificationArn: n.NotificationArn, NotificationEvents: n.NotificationEvents, NotificationType: n.NotificationType}
}

type cmdCloudWatchOutputConfig struct {
	CloudWatchLogGroupName  string `json:"CloudWatchLogGroupName"`
	CloudWatchOutputEnabled bool   `json:"CloudWatchOutputEnabled"`
}

func (c *cmdCloudWatchOutputConfig) domain() *ssm.CloudWatchOutputConfig {
	if c == nil {
		return nil
	}
	return &ssm.CloudWatchOutputConfig{CloudWatchLogGroupName: c.CloudWatchLogGroupName, CloudWatchOutputEnabled: c.CloudWatchOutputEnabled}
}

type cmdAlarm struct {
	Name string `json:"Name"`
}

type cmdAlarmConfiguration struct {
	IgnorePollAlarmFailure bool       `json:"IgnorePollAlarmFailure"`
	Alarms                 []cmdAlarm `json:"Alarms"`
}

func (a *cmdAlarmConfiguration) domain() *ssm.AlarmConfiguration {
	if a == nil {
		return nil
	}
	out := &ssm.AlarmConfiguration{IgnorePollAlarmFailure: a.IgnorePollAlarmFailure, Alarms: []string{}}
	for _, al := range a.Alarms {
		out.Alarms = append(out.Alarms, al.Name)
	}
	return out
}

type cmdAlarmState struct {
	Name  string `json:"Name"`
	State string `json:"State"`
}

type cmdFilter struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// cmdCommand is the Command shape.
type cmdCommand struct {
	CommandId              string                     `json:"CommandId"`
	DocumentName           string                     `json:"DocumentName"`
	DocumentVersion        string                     `json:"DocumentVersion"`
	Comment                string                     `json:"Comment"`
	ExpiresAfter           time.Time                  `json:"ExpiresAfter"`
	Parameters             map[string][]string        `json:"Parameters"`
	InstanceIds            []string                   `json:"InstanceIds"`
	Targets                []cmdTarget                `json:"Targets"`
	RequestedDateTime      time.Time                  `json:"RequestedDateTime"`
	Status                 string                     `json:"Status"`
	StatusDetails          string                     `json:"StatusDetails"`
	OutputS3Region         string                     `json:"OutputS3Region"`
	OutputS3BucketName     string                     `json:"OutputS3BucketName"`
	OutputS3KeyPrefix      string                     `json:"OutputS3KeyPrefix"`
	MaxConcurrency         string                     `json:"MaxConcurrency"`
	MaxErrors              string                     `json:"MaxErrors"`
	TargetCount            int                        `json:"TargetCount"`
	CompletedCount         int                        `json:"CompletedCount"`
	ErrorCount             int                        `json:"ErrorCount"`
	DeliveryTimedOutCount  int                        `json:"DeliveryTimedOutCount"`
	ServiceRole            string                     `json:"ServiceRole"`
	NotificationConfig     *cmdNotificationConfig     `json:"NotificationConfig"`
	CloudWatchOutputConfig *cmdCloudWatchOutputConfig `json:"CloudWatchOutputConfig"`
	TimeoutSeconds         int                        `json:"TimeoutSeconds"`
	AlarmConfiguration     *cmdAlarmConfiguration     `json:"AlarmConfiguration"`
	TriggeredAlarms        []cmdAlarmState            `json:"TriggeredAlarms"`
}

type sendCommandInput struct {
	InstanceIds            []string                   `json:"InstanceIds"`
	Targets                []cmdTarget                `json:"Targets"`
	DocumentName           string                     `json:"DocumentName"`
	DocumentVersion        string                     `json:"DocumentVersion"`
	DocumentHash           string                     `json:"DocumentHash"`
	DocumentHashType       string                     `json:"DocumentHashType"`
	TimeoutSeconds         *int                       `json:"TimeoutSeconds"`
	Comment                string                     `json:"Comment"`
	Parameters             map[string][]string        `json:"Parameters"`
	OutputS3Region         string                     `json:"OutputS3Region"`
	OutputS3BucketName     string                     `json:"OutputS3BucketName"`
	OutputS3KeyPrefix      string                     `json:"OutputS3KeyPrefix"`
	MaxConcurrency         string                     `json:"MaxConcurrency"`
	MaxErrors              string                     `json:"MaxErrors"`
	ServiceRoleArn         string                     `json:"ServiceRoleArn"`
	NotificationConfig     *cmdNotificationConfig     `json:"NotificationConfig"`
	CloudWatchOutputConfig *cmdCloudWatchOutputConfig `json:"CloudWatchOutputConfig"`
	AlarmConfiguration     *cmdAlarmConfiguration     `json:"AlarmConfiguration"`
}

type sendCommandOutput struct {
	Command *cmdCommand `json:"Command"`
}

type listCommandsInput struct {
	CommandId  string      `json:"CommandId"`
	InstanceId string      `json:"InstanceId"`
	MaxResults *int        `json:"MaxResults"`
	NextToken  string      `json:"NextToken"`
	Filters    []cmdFilter `json:"Filters"`
}

type listCommandsOutput struct {
	Commands  []*cmdCommand `json:"Commands"`
	NextToken string        `json:"NextToken,omitempty"`
}

type listCommandInvocationsInput struct {
	CommandId  string      `json:"CommandId"`
	InstanceId string      `json:"InstanceId"`
	MaxResults *int        `json:"MaxResults"`
	NextToken  string      `json:"NextToken"`
	Filters    []cmdFilter `json:"Filters"`
	Details    bool        `json:"Details"`
}

// cmdInvocation is the CommandInvocation shape.
type cmdInvocation struct {
	CommandId              string                     `json:"CommandId"`
	InstanceId             string                     `json:"InstanceId"`
	InstanceName           string                     `json:"InstanceName"`
	Comment                string                     `json:"Comment"`
	DocumentName           string                     `json:"DocumentName"`
	DocumentVersion        string                     `json:"DocumentVersion"`
	RequestedDateTime      time.Time                  `json:"RequestedDateTime"`
	Status                 string                     `json:"Status"`
	StatusDetails          string                     `json:"StatusDetails"`
	TraceOutput            string                     `json:"TraceOutput"`
	StandardOutputUrl      string                     `json:"StandardOutputUrl"`
	StandardErrorUrl       string                     `json:"StandardErrorUrl"`
	CommandPlugins         []cmdPlugin                `json:"CommandPlugins"`
	ServiceRole            string                     `json:"ServiceRole"`
	NotificationConfig     *cmdNotificationConfig     `json:"NotificationConfig"`
	CloudWatchOutputConfig *cmdCloudWatchOutputConfig `json:"CloudWatchOutputConfig"`
}

// cmdPlugin is the CommandPlugin shape. Start and finish times are absent
// until the step has run.
type cmdPlugin struct {
	Name                   string    `json:"Name"`
	Status                 string    `json:"Status"`
	StatusDetails          string    `json:"StatusDetails"`
	ResponseCode           int       `json:"ResponseCode"`
	ResponseStartDateTime  time.Time `json:"ResponseStartDateTime,omitempty"`
	ResponseFinishDateTime time.Time `json:"ResponseFinishDateTime,omitempty"`
	Output                 string    `json:"Output"`
	StandardOutputUrl      string    `json:"StandardOutputUrl"`
	StandardErrorUrl       string    `json:"StandardErrorUrl"`
	OutputS3Region         string    `json:"OutputS3Region"`
	OutputS3BucketName     string    `json:"OutputS3BucketName"`
	OutputS3KeyPrefix      string    `json:"OutputS3KeyPrefix"`
}

type listCommandInvocationsOutput struct {
	CommandInvocations []*cmdInvocation `json:"CommandInvocations"`
	NextToken          string           `json:"NextToken,omitempty"`
}

type getCommandInvocationInput struct {
	CommandId  string `json:"CommandId"`
	InstanceId string `json:"InstanceId"`
	PluginName string `json:"PluginName"`
}

type getCommandInvocationOutput struct {
	CommandId              string                     `json:"CommandId"`
	InstanceId             string                     `json:"InstanceId"`
	Comment                string                     `json:"Comment"`
	DocumentName           string                     `json:"DocumentName"`
	DocumentVersion        string                     `json:"DocumentVersion"`
	PluginName             string                     `json:"PluginName"`
	ResponseCode           int                        `json:"ResponseCode"`
	ExecutionStartDateTime string                     `json:"ExecutionStartDateTime"`
	ExecutionElapsedTime   string                     `json:"ExecutionElapsedTime"`
	ExecutionEndDateTime   string                     `json:"ExecutionEndDateTime"`
	Status                 string                     `json:"Status"`
	StatusDetails          string                     `json:"StatusDetails"`
	StandardOutputContent  string                     `json:"StandardOutputContent"`
	StandardOutputUrl      string                     `json:"StandardOutputUrl"`
	StandardErrorContent   string                     `json:"StandardErrorContent"`
	StandardErrorUrl       string                     `json:"StandardErrorUrl"`
	CloudWatchOutputConfig *cmdCloudWatchOutputConfig `json:"CloudWatchOutputConfig"`
}

type cancelCommandInput struct {
	CommandId   string   `json:"CommandId"`
	InstanceIds []string `json:"InstanceIds"`
}

type cancelCommandOutput struct{}

// Conversions.

func cmdTargetsIn(ts []cmdTarget) []ssm.Target {
	if ts == nil {
		return nil
	}
	out := make([]ssm.Target, len(ts))
	for i, t := range ts {
		out[i] = ssm.Target{Key: t.Key, Values: t.Values}
	}
	return out
}

func cmdFiltersIn(fs []cmdFilter) []ssm.CommandFilter {
	if fs == nil {
		return nil
	}
	out := make([]ssm.CommandFilter, len(fs))
	for i, f := range fs {
		out[i] = ssm.CommandFilter{Key: f.Key, Value: f.Value}
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func cmdNotificationOut(n ssm.NotificationConfig) *cmdNotificationConfig {
	return &cmdNotificationConfig{NotificationArn: n.NotificationArn, NotificationEvents: nonNilStrings(n.NotificationEvents),
		NotificationType: n.NotificationType}
}

func cmdCloudWatchOut(c ssm.CloudWatchOutputConfig) *cmdCloudWatchOutputConfig {
	return &cmdCloudWatchOutputConfig{CloudWatchLogGroupName: c.CloudWatchLogGroupName, CloudWatchOutputEnabled: c.CloudWatchOutputEnabled}
}

func cmdCommandOut(c *ssm.CommandRecord) *cmdCommand {
	out := &cmdCommand{
		CommandId: c.CommandID, DocumentName: c.DocumentName, DocumentVersion: c.DocumentVersion, Comment: c.Comment,
		ExpiresAfter: c.ExpiresAt, Parameters: c.Parameters, InstanceIds: nonNilStrings(c.InstanceIDs), Targets: []cmdTarget{},
		RequestedDateTime: c.RequestedAt, Status: c.Status, StatusDetails: c.StatusDetails,
		OutputS3Region: c.OutputS3Region, OutputS3BucketName: c.OutputS3Bucket, OutputS3KeyPrefix: c.OutputS3Prefix,
		MaxConcurrency: c.MaxConcurrency, MaxErrors: c.MaxErrors, TargetCount: c.Counters.Target,
		CompletedCount: c.Counters.Completed, ErrorCount: c.Counters.Errors(), DeliveryTimedOutCount: c.Counters.DeliveryTimedOut,
		ServiceRole: c.ServiceRole, NotificationConfig: cmdNotificationOut(c.Notification),
		CloudWatchOutputConfig: cmdCloudWatchOut(c.CloudWatch), TimeoutSeconds: c.TimeoutSeconds,
		AlarmConfiguration: &cmdAlarmConfiguration{Alarms: []cmdAlarm{}}, TriggeredAlarms: []cmdAlarmState{},
	}
	if out.Parameters == nil {
		out.Parameters = map[string][]string{}
	}
	for _, t := range c.Targets {
		out.Targets = append(out.Targets, cmdTarget{Key: t.Key, Values: nonNilStrings(t.Values)})
	}
	if a := c.Alarms; a != nil {
		out.AlarmConfiguration.IgnorePollAlarmFailure = a.IgnorePollAlarmFailure
		for _, name := range a.Alarms {
			out.AlarmConfiguration.Alarms = append(out.AlarmConfiguration.Alarms, cmdAlarm{Name: name})
		}
	}
	for _, t := range c.TriggeredAlarms {
		out.TriggeredAlarms = append(out.TriggeredAlarms, cmdAlarmState{Name: t.Name, State: t.State})
	}
	return out
}

func cmdInvocationOut(inv *ssm.CommandInvocation) *cmdInvocation {
	out := &cmdInvocation{
		CommandId: inv.CommandID, InstanceId: inv.InstanceID, InstanceName: inv.InstanceName, Comment: inv.Comment,
		DocumentName: inv.DocumentName, DocumentVersion: inv.DocumentVersion, RequestedDateTime: inv.RequestedDateTime,
		Status: inv.Status, StatusDetails: inv.StatusDetails, TraceOutput: inv.TraceOutput,
		StandardOutputUrl: inv.StandardOutputURL, StandardErrorUrl: inv.StandardErrorURL,
		CommandPlugins: make([]cmdPlugin, len(inv.Plugins)), ServiceRole: inv.ServiceRole,
		NotificationConfig: cmdNotificationOut(inv.Notification), CloudWatchOutputConfig: cmdCloudWatchOut(inv.CloudWatch),
	}
	for i, p := range inv.Plugins {
		out.CommandPlugins[i] = cmdPlugin{
			Name: p.Name, Status: p.Status, StatusDetails: p.StatusDetails, ResponseCode: p.ResponseCode,
			ResponseStartDateTime: p.ResponseStartDateTime, ResponseFinishDateTime: p.ResponseFinishDateTime,
			Output: p.Output, StandardOutputUrl: p.StandardOutputURL, StandardErrorUrl: p.StandardErrorURL,
			OutputS3Region: p.OutputS3Region, OutputS3BucketName: p.OutputS3BucketName, OutputS3KeyPrefix: p.OutputS3KeyPrefix,
		}
	}
	return out
}
