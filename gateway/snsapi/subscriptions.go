package snsapi

import (
	"context"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/sns"
)

// subscriptionOps are the subscription operations.
func subscriptionOps(t *sns.Topics) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("Subscribe", func(ctx context.Context, in *subscribeInput) (*subscriptionArnOutput, error) {
			arn, err := t.Subscribe(ctx, sns.SubscribeInput{
				TopicARN: in.TopicArn, Protocol: in.Protocol, Endpoint: deref(in.Endpoint),
				Attributes: in.Attributes, ReturnSubscriptionArn: deref(in.ReturnSubscriptionArn),
			})
			if err != nil {
				return nil, err
			}
			return &subscriptionArnOutput{SubscriptionArn: arn}, nil
		}),
		gateway.Handle("ConfirmSubscription", func(ctx context.Context, in *confirmSubscriptionInput) (*subscriptionArnOutput, error) {
			arn, err := t.ConfirmSubscription(ctx, in.TopicArn, in.Token, deref(in.AuthenticateOnUnsubscribe), true)
			if err != nil {
				return nil, err
			}
			return &subscriptionArnOutput{SubscriptionArn: arn}, nil
		}),
		gateway.Handle("Unsubscribe", func(ctx context.Context, in *unsubscribeInput) (*struct{}, error) {
			return nil, t.Unsubscribe(ctx, in.SubscriptionArn, false, "")
		}),
		gateway.Handle("ListSubscriptions", func(ctx context.Context, in *listSubscriptionsInput) (*listSubscriptionsOutput, error) {
			subs, next, err := t.ListSubscriptions(ctx, deref(in.NextToken))
			if err != nil {
				return nil, err
			}
			return &listSubscriptionsOutput{Subscriptions: subscriptionsOut(subs), NextToken: tokenOut(next)}, nil
		}),
		gateway.Handle("ListSubscriptionsByTopic", func(ctx context.Context, in *listSubscriptionsByTopicInput) (*listSubscriptionsOutput, error) {
			subs, next, err := t.ListSubscriptionsByTopic(ctx, in.TopicArn, deref(in.NextToken))
			if err != nil {
				return nil, err
			}
			return &listSubscriptionsOutput{Subscriptions: subscriptionsOut(subs), NextToken: tokenOut(next)}, nil
		}),
		gateway.Handle("GetSubscriptionAttributes", func(ctx context.Context, in *getSubscriptionAttributesInput) (*attributesOutput, error) {
			attrs, err := t.GetSubscriptionAttributes(ctx, in.SubscriptionArn)
			if err != nil {
				return nil, err
			}
			return &attributesOutput{Attributes: attrs}, nil
		}),
		gateway.Handle("SetSubscriptionAttributes", func(ctx context.Context, in *setSubscriptionAttributesInput) (*struct{}, error) {
			return nil, t.SetSubscriptionAttributes(ctx, in.SubscriptionArn, in.AttributeName, deref(in.AttributeValue))
		}),
	}
}

func subscriptionsOut(subs []sns.Subscription) []subscription {
	out := make([]subscription, len(subs))
	for i, s := range subs {
		out[i] = subscription{SubscriptionArn: s.SubscriptionARN, Owner: s.Owner, Protocol: s.Protocol, Endpoint: s.Endpoint, TopicArn: s.TopicARN}
	}
	return out
}

// Wire shapes (botocore sns/2010-03-31).

type subscribeInput struct {
	TopicArn              string            `json:"TopicArn"`
	Protocol              string            `json:"Protocol"`
	Endpoint              *string           `json:"Endpoint"`
	Attributes            map[string]string `json:"Attributes"`
	ReturnSubscriptionArn *bool             `json:"ReturnSubscriptionArn"`
}

// subscriptionArnOutput is Subscribe's and ConfirmSubscription's answer.
type subscriptionArnOutput struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

type confirmSubscriptionInput struct {
	TopicArn                  string  `json:"TopicArn"`
	Token                     string  `json:"Token"`
	AuthenticateOnUnsubscribe *string `json:"AuthenticateOnUnsubscribe"`
}

type unsubscribeInput struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

type listSubscriptionsInput struct {
	NextToken *string `json:"NextToken"`
}

type listSubscriptionsByTopicInput struct {
	TopicArn  string  `json:"TopicArn"`
	NextToken *string `json:"NextToken"`
}

type subscription struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	Owner           string `json:"Owner"`
	Protocol        string `json:"Protocol"`
	Endpoint        string `json:"Endpoint"`
	TopicArn        string `json:"TopicArn"`
}

type listSubscriptionsOutput struct {
	Subscriptions []subscription `json:"Subscriptions"`
	NextToken     *string        `json:"NextToken"`
}

type getSubscriptionAttributesInput struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

type setSubscriptionAttributesInput struct {
	SubscriptionArn string  `json:"SubscriptionArn"`
	AttributeName   string  `json:"AttributeName"`
	AttributeValue  *string `json:"AttributeValue"`
}
