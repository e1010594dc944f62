package eventsapi

import (
	"context"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// ruleOps are PutRule, DescribeRule, ListRules, EnableRule, DisableRule and
// DeleteRule.
func ruleOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("PutRule", func(ctx context.Context, in *putRuleInput) (*putRuleOutput, error) {
			arn, err := b.PutRule(ctx, events.PutRuleInput{Name: in.Name, EventBusName: in.EventBusName,
				EventPattern: in.EventPattern, ScheduleExpression: in.ScheduleExpression, State: in.State,
				Description: in.Description, RoleARN: in.RoleArn, Tags: tagsIn(in.Tags)})
			if err != nil {
				return nil, err
			}
			return &putRuleOutput{RuleArn: arn}, nil
		}),
		gateway.Handle("DescribeRule", func(ctx context.Context, in *ruleRef) (*describeRuleOutput, error) {
			r, err := b.DescribeRule(ctx, in.EventBusName, in.Name)
			if err != nil {
				return nil, err
			}
			return &describeRuleOutput{ruleWire: ruleOut(r), CreatedBy: strOut(r.CreatedBy)}, nil
		}),
		gateway.Handle("ListRules", func(ctx context.Context, in *listRulesInput) (*listRulesOutput, error) {
			rules, next, err := b.ListRules(ctx, events.ListRulesInput{NamePrefix: in.NamePrefix, EventBusName: in.EventBusName,
				NextToken: in.NextToken, Limit: intIn(in.Limit)})
			if err != nil {
				return nil, err
			}
			out := &listRulesOutput{Rules: make([]ruleWire, len(rules)), NextToken: tokenOut(next)}
			for i, r := range rules {
				out.Rules[i] = ruleOut(r)
			}
			return out, nil
		}),
		gateway.Handle("EnableRule", func(ctx context.Context, in *ruleRef) (*struct{}, error) {
			return &struct{}{}, b.EnableRule(ctx, in.EventBusName, in.Name)
		}),
		gateway.Handle("DisableRule", func(ctx context.Context, in *ruleRef) (*struct{}, error) {
			return &struct{}{}, b.DisableRule(ctx, in.EventBusName, in.Name)
		}),
		gateway.Handle("DeleteRule", func(ctx context.Context, in *deleteRuleInput) (*struct{}, error) {
			return &struct{}{}, b.DeleteRule(ctx, in.EventBusName, in.Name, in.Force != nil && *in.Force)
		}),
	}
}

func ruleOut(r *events.Rule) ruleWire {
	return ruleWire{
		Name: r.Name, Arn: r.ARN, EventPattern: strOut(r.EventPattern), ScheduleExpression: strOut(r.ScheduleExpression),
		State: r.State, Description: strOut(r.Description), RoleArn: strOut(r.RoleARN), ManagedBy: strOut(r.ManagedBy),
		EventBusName: r.Bus,
	}
}

type putRuleInput struct {
	Name               string    `json:"Name"`
	ScheduleExpression *string   `json:"ScheduleExpression"`
	EventPattern       *string   `json:"EventPattern"`
	State              *string   `json:"State"`
	Description        *string   `json:"Description"`
	RoleArn            *string   `json:"RoleArn"`
	Tags               []tagWire `json:"Tags"`
	EventBusName       *string   `json:"EventBusName"`
}

type putRuleOutput struct {
	RuleArn string `json:"RuleArn"`
}

// ruleRef is the input of DescribeRule, EnableRule and DisableRule.
type ruleRef struct {
	Name         string  `json:"Name"`
	EventBusName *string `json:"EventBusName"`
}

type deleteRuleInput struct {
	Name         string  `json:"Name"`
	EventBusName *string `json:"EventBusName"`
	Force        *bool   `json:"Force"`
}

type ruleWire struct {
	Name               string  `json:"Name"`
	Arn                string  `json:"Arn"`
	EventPattern       *string `json:"EventPattern,omitempty"`
	State              string  `json:"State"`
	Description        *string `json:"Description,omitempty"`
	ScheduleExpression *string `json:"ScheduleExpression,omitempty"`
	RoleArn            *string `json:"RoleArn,omitempty"`
	ManagedBy          *string `json:"ManagedBy,omitempty"`
	EventBusName       string  `json:"EventBusName"`
}

type describeRuleOutput struct {
	ruleWire
	CreatedBy *string `json:"CreatedBy,omitempty"`
}

type listRulesInput struct {
	NamePrefix   *string `json:"NamePrefix"`
	EventBusName *string `json:"EventBusName"`
	NextToken    *string `json:"NextToken"`
	Limit        *int32  `json:"Limit"`
}

type listRulesOutput struct {
	Rules     []ruleWire `json:"Rules"`
	NextToken *string    `json:"NextToken,omitempty"`
}
