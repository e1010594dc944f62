package eventsapi

import (
	"context"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// targetOps are PutTargets, RemoveTargets, ListTargetsByRule and
// ListRuleNamesByTarget.
func targetOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("PutTargets", func(ctx context.Context, in *putTargetsInput) (*targetsResult, error) {
			ts := make([]events.Target, len(in.Targets))
			for i := range in.Targets {
				ts[i] = in.Targets[i].domain()
			}
			failed, err := b.PutTargets(ctx, events.PutTargetsInput{EventBusName: in.EventBusName, Rule: in.Rule, Targets: ts})
			if err != nil {
				return nil, err
			}
			return failuresOut(failed), nil
		}),
		gateway.Handle("RemoveTargets", func(ctx context.Context, in *removeTargetsInput) (*targetsResult, error) {
			failed, err := b.RemoveTargets(ctx, in.EventBusName, in.Rule, in.Ids, in.Force != nil && *in.Force)
			if err != nil {
				return nil, err
			}
			return failuresOut(failed), nil
		}),
		gateway.Handle("ListTargetsByRule", func(ctx context.Context, in *listTargetsByRuleInput) (*listTargetsByRuleOutput, error) {
			ts, next, err := b.ListTargetsByRule(ctx, in.EventBusName, in.Rule, in.NextToken, intIn(in.Limit))
			if err != nil {
				return nil, err
			}
			out := &listTargetsByRuleOutput{Targets: make([]targetWire, len(ts)), NextToken: tokenOut(next)}
			for i := range ts {
				out.Targets[i] = targetOut(&ts[i])
			}
			return out, nil
		}),
		gateway.Handle("ListRuleNamesByTarget", func(ctx context.Context, in *listRuleNamesByTargetInput) (*listRuleNamesByTargetOutput, error) {
			names, next, err := b.ListRuleNamesByTarget(ctx, in.EventBusName, in.TargetArn, in.NextToken, intIn(in.Limit))
			if err != nil {
				return nil, err
			}
			if names == nil {
				names = []string{}
			}
			return &listRuleNamesByTargetOutput{RuleNames: names, NextToken: tokenOut(next)}, nil
		}),
	}
}

// targetsResult is the output of PutTargets and RemoveTargets (the
// FailedEntries members are the same).
type targetsResult struct {
	FailedEntryCount int32             `json:"FailedEntryCount"`
	FailedEntries    []failedEntryWire `json:"FailedEntries"`
}

type failedEntryWire struct {
	TargetId     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

func failuresOut(fs []events.TargetFailure) *targetsResult {
	out := &targetsResult{FailedEntryCount: int32(len(fs)), FailedEntries: make([]failedEntryWire, len(fs))}
	for i, f := range fs {
		out.FailedEntries[i] = failedEntryWire{TargetId: f.TargetID, ErrorCode: f.Code, ErrorMessage: f.Message}
	}
	return out
}

type targetWire struct {
	Id                   string                    `json:"Id"`
	Arn                  string                    `json:"Arn"`
	RoleArn              *string                   `json:"RoleArn,omitempty"`
	Input                *string                   `json:"Input,omitempty"`
	InputPath            *string                   `json:"InputPath,omitempty"`
	InputTransformer     *inputTransformerWire     `json:"InputTransformer,omitempty"`
	RunCommandParameters *runCommandParametersWire `json:"RunCommandParameters,omitempty"`
	SqsParameters        *sqsParametersWire        `json:"SqsParameters,omitempty"`
	DeadLetterConfig     *deadLetterConfigWire     `json:"DeadLetterConfig,omitempty"`
	RetryPolicy          *retryPolicyWire          `json:"RetryPolicy,omitempty"`
	HttpParameters       *httpParametersWire       `json:"HttpParameters,omitempty"`
}

type httpParametersWire struct {
	PathParameterValues   []string          `json:"PathParameterValues,omitempty"`
	HeaderParameters      map[string]string `json:"HeaderParameters,omitempty"`
	QueryStringParameters map[string]string `json:"QueryStringParameters,omitempty"`
}

type inputTransformerWire struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

type runCommandParametersWire struct {
	RunCommandTargets []runCommandTargetWire `json:"RunCommandTargets"`
}

type runCommandTargetWire struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type sqsParametersWire struct {
	MessageGroupId *string `json:"MessageGroupId,omitempty"`
}

type deadLetterConfigWire struct {
	Arn *string `json:"Arn,omitempty"`
}

type retryPolicyWire struct {
	MaximumRetryAttempts     *int32 `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int32 `json:"MaximumEventAgeInSeconds,omitempty"`
}

func (t *targetWire) domain() events.Target {
	out := events.Target{ID: t.Id, ARN: t.Arn, Input: t.Input, InputPath: t.InputPath}
	if t.RoleArn != nil {
		out.RoleARN = *t.RoleArn
	}
	if tr := t.InputTransformer; tr != nil {
		out.InputTransformer = &events.InputTransformer{PathsMap: tr.InputPathsMap, Template: tr.InputTemplate}
	}
	if rc := t.RunCommandParameters; rc != nil {
		out.HasRunCommand = true
		for _, r := range rc.RunCommandTargets {
			out.RunCommand = append(out.RunCommand, events.RunCommandTarget{Key: r.Key, Values: r.Values})
		}
	}
	if s := t.SqsParameters; s != nil {
		g := ""
		if s.MessageGroupId != nil {
			g = *s.MessageGroupId
		}
		out.SQSMessageGroup = &g
	}
	if d := t.DeadLetterConfig; d != nil && d.Arn != nil {
		out.DeadLetterARN = *d.Arn
	}
	if p := t.RetryPolicy; p != nil {
		out.RetryPolicy = &events.RetryPolicy{MaximumRetryAttempts: intIn(p.MaximumRetryAttempts), MaximumEventAgeInSeconds: intIn(p.MaximumEventAgeInSeconds)}
	}
	if h := t.HttpParameters; h != nil {
		out.HTTP = &events.HTTPParametersTarget{PathParameterValues: h.PathParameterValues, HeaderParameters: h.HeaderParameters, QueryParameters: h.QueryStringParameters}
	}
	return out
}

func targetOut(t *events.Target) targetWire {
	out := targetWire{Id: t.ID, Arn: t.ARN, RoleArn: strOut(t.RoleARN), Input: t.Input, InputPath: t.InputPath}
	if tr := t.InputTransformer; tr != nil {
		out.InputTransformer = &inputTransformerWire{InputPathsMap: tr.PathsMap, InputTemplate: tr.Template}
	}
	if t.HasRunCommand {
		rc := &runCommandParametersWire{RunCommandTargets: make([]runCommandTargetWire, len(t.RunCommand))}
		for i, r := range t.RunCommand {
			rc.RunCommandTargets[i] = runCommandTargetWire{Key: r.Key, Values: r.Values}
		}
		out.RunCommandParameters = rc
	}
	if t.SQSMessageGroup != nil {
		out.SqsParameters = &sqsParametersWire{MessageGroupId: strOut(*t.SQSMessageGroup)}
	}
	if t.DeadLetterARN != "" {
		arn := t.DeadLetterARN
		out.DeadLetterConfig = &deadLetterConfigWire{Arn: &arn}
	}
	if p := t.RetryPolicy; p != nil {
		out.RetryPolicy = &retryPolicyWire{MaximumRetryAttempts: intOut(p.MaximumRetryAttempts), MaximumEventAgeInSeconds: intOut(p.MaximumEventAgeInSeconds)}
	}
	if h := t.HTTP; h != nil {
		out.HttpParameters = &httpParametersWire{PathParameterValues: h.PathParameterValues, HeaderParameters: h.HeaderParameters, QueryStringParameters: h.QueryParameters}
	}
	return out
}

type putTargetsInput struct {
	Rule         string       `json:"Rule"`
	EventBusName *string      `json:"EventBusName"`
	Targets      []targetWire `json:"Targets"`
}

type removeTargetsInput struct {
	Rule         string   `json:"Rule"`
	EventBusName *string  `json:"EventBusName"`
	Ids          []string `json:"Ids"`
	Force        *bool    `json:"Force"`
}

type listTargetsByRuleInput struct {
	Rule         string  `json:"Rule"`
	EventBusName *string `json:"EventBusName"`
	NextToken    *string `json:"NextToken"`
	Limit        *int32  `json:"Limit"`
}

type listTargetsByRuleOutput struct {
	Targets   []targetWire `json:"Targets"`
	NextToken *string      `json:"NextToken,omitempty"`
}

type listRuleNamesByTargetInput struct {
	TargetArn    string  `json:"TargetArn"`
	EventBusName *string `json:"EventBusName"`
	NextToken    *string `json:"NextToken"`
	Limit        *int32  `json:"Limit"`
}

type listRuleNamesByTargetOutput struct {
	RuleNames []string `json:"RuleNames"`
	NextToken *string  `json:"NextToken,omitempty"`
}
