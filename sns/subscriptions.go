package sns

import (
	"context"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Subscriptions: Subscribe, ConfirmSubscription, Unsubscribe, the listings
// and Get/SetSubscriptionAttributes.
//
// Confirmation (reference D2): same-account SQS subscriptions are confirmed
// at once; HTTP/HTTPS endpoints get a SubscriptionConfirmation POST and
// email/email-json addresses a confirmation mail, both carrying a token and a
// SubscribeURL; until confirmed, nothing is delivered and Subscribe answers
// "pending confirmation" (the ARN with ReturnSubscriptionArn). Subscribing an
// endpoint that already has a subscription on the topic answers that one
// (re-sending the confirmation while pending) when the requested attributes
// are its attributes, else InvalidParameter. Unconfirmed subscriptions are
// deleted after 3 days.
//
// Unsubscribe keeps the subscription as a tombstone for 3 days
// (SubscriptionsDeleted counts them) with a fresh token, so the
// UnsubscribeConfirmation sent to HTTP/HTTPS endpoints carries a working
// SubscribeURL that restores it, as AWS's does.

// Subscription attributes.
const (
	AttrFilterPolicy        = "FilterPolicy"
	AttrFilterPolicyScope   = "FilterPolicyScope"
	AttrRawMessageDelivery  = "RawMessageDelivery"
	AttrRedrivePolicy       = "RedrivePolicy"
	AttrSubscriptionRoleArn = "SubscriptionRoleArn"
)

// SubscribeInput is a Subscribe request.
type SubscribeInput struct {
	TopicARN              string
	Protocol              string
	Endpoint              string
	Attributes            map[string]string
	ReturnSubscriptionArn bool
}

// Subscription is a ListSubscriptions entry.
type Subscription struct {
	SubscriptionARN string // "PendingConfirmation" while pending
	Owner           string
	Protocol        string
	Endpoint        string
	TopicARN        string
}

// PendingConfirmation is what Subscribe answers for a subscription awaiting
// confirmation.
const PendingConfirmation = "pending confirmation"

// Subscribe subscribes an endpoint to a topic.
func (t *Topics) Subscribe(ctx context.Context, in SubscribeInput) (string, error) {
	if err := t.checkTopicARN(ctx, in.TopicARN, "TopicArn", "Subscribe"); err != nil {
		return "", err
	}
	protocol := in.Protocol
	switch protocol {
	case ProtocolHTTP, ProtocolHTTPS, ProtocolEmail, ProtocolEmailJSON, ProtocolSQS:
	case "sms", "lambda", "application", "firehose":
		return "", invalid("Protocol Reason: Steward does not deliver to the %s protocol", protocol)
	default:
		return "", invalid("Amazon SNS does not support this protocol string: %s", protocol)
	}
	if err := t.checkEndpoint(protocol, in.Endpoint); err != nil {
		return "", err
	}
	topic, err := t.getTopic(ctx, in.TopicARN)
	if err != nil {
		return "", err
	}
	if topic.Fifo {
		name, _ := QueueARNName(in.Endpoint)
		if protocol != ProtocolSQS || !strings.HasSuffix(name, ".fifo") {
			return "", invalid("Endpoint Reason: FIFO SNS Topics currently only support FIFO SQS queues as endpoints")
		}
	} else if name, _ := QueueARNName(in.Endpoint); protocol == ProtocolSQS && strings.HasSuffix(name, ".fifo") {
		return "", invalid("Endpoint Reason: Please use FIFO SNS topic")
	}
	attrs := map[string]string{}
	// The scope first: the policy is compiled for it.
	keys := slices.Sorted(maps.Keys(in.Attributes))
	if i := slices.Index(keys, AttrFilterPolicyScope); i > 0 {
		keys = append([]string{AttrFilterPolicyScope}, slices.Delete(keys, i, i+1)...)
	}
	for _, k := range keys {
		if err := t.setSubAttr(topic, protocol, attrs, k, in.Attributes[k]); err != nil {
			return "", err
		}
	}

	now := t.now()
	var sub *SubscriptionRecord
	var job *job
	err = t.store.Update(ctx, func(tx Tx) error {
		sub, job = nil, nil
		cur, err := tx.Topic(ctx, in.TopicARN)
		if err != nil {
			return err
		}
		if cur == nil {
			return topicNotFound()
		}
		existing, err := tx.FindSubscription(ctx, in.TopicARN, protocol, in.Endpoint)
		if err != nil {
			return err
		}
		if existing != nil {
			for k, v := range in.Attributes {
				if k == AttrRawMessageDelivery {
					v = normBool(v)
				}
				if subAttrValue(existing, k) != v {
					return invalid("Attributes Reason: Subscription already exists with different attributes")
				}
			}
			sub = existing
			if existing.State == StatePending {
				job, err = t.addConfirmation(ctx, tx, cur, existing, TypeSubscriptionConfirmation)
			}
			return err
		}
		if attrs[AttrFilterPolicy] != "" {
			n, err := tx.CountFilterPolicies(ctx, in.TopicARN, "")
			if err != nil {
				return err
			}
			if n >= maxFilterPoliciesTopic {
				return steward.Errorf(CodeFilterPolicyLimit, "Filter policy limit exceeded")
			}
		}
		sub = &SubscriptionRecord{
			ARN: in.TopicARN + ":" + uuid.NewString(), TopicARN: in.TopicARN, Protocol: protocol, Endpoint: in.Endpoint,
			Owner: t.opts.Account, State: StatePending, Token: randomHex(tokenBytes), UnsubscribeToken: randomHex(32),
			Attributes: attrs, CreatedAt: now, StateAt: now,
		}
		if protocol == ProtocolSQS {
			// Same-account queues are confirmed at once (checkEndpoint refused others).
			sub.State, sub.ConfirmationAuthenticated = StateConfirmed, true
		}
		if err := tx.PutSubscription(ctx, sub); err != nil {
			return err
		}
		if sub.State == StatePending {
			job, err = t.addConfirmation(ctx, tx, cur, sub, TypeSubscriptionConfirmation)
		}
		return err
	})
	if err != nil {
		return "", internal(err)
	}
	if job != nil {
		t.engine.submit(job)
	}
	if sub.State == StatePending && !in.ReturnSubscriptionArn {
		return PendingConfirmation, nil
	}
	return sub.ARN, nil
}

// addConfirmation queues a SubscriptionConfirmation or
// UnsubscribeConfirmation message for sub inside tx and returns the job to
// hand to the engine after commit.
func (t *Topics) addConfirmation(ctx context.Context, tx Tx, topic *TopicRecord, sub *SubscriptionRecord, kind string) (*job, error) {
	at := t.now()
	d := &Delivery{Kind: kind, SubscriptionARN: sub.ARN, MessageID: uuid.NewString(), DueAt: at, CreatedAt: at}
	if err := tx.AddDeliveries(ctx, nil, []*Delivery{d}, at.Add(t.opts.Lease)); err != nil {
		return nil, err
	}
	return &job{d: d, sub: sub, topic: topic}, nil
}

// checkEndpoint validates an endpoint for its protocol.
func (t *Topics) checkEndpoint(protocol, endpoint string) error {
	if endpoint == "" {
		return invalid("Endpoint")
	}
	switch protocol {
	case ProtocolHTTP, ProtocolHTTPS:
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" || u.Opaque != "" {
			return invalid("Endpoint")
		}
		if u.Scheme != protocol {
			return invalid("Endpoint must match the specified protocol")
		}
	case ProtocolEmail, ProtocolEmailJSON:
		if !validEmail(endpoint) {
			return invalid("Email address")
		}
	case ProtocolSQS:
		region, account, name, ok := arnParts(endpoint, "sqs")
		if !ok || strings.Contains(name, ":") || len(name) > 80 {
			return invalid("SQS endpoint ARN")
		}
		if account != t.opts.Account || region != t.opts.Region {
			return invalid("SQS endpoint ARN Reason: Steward delivers to queues of its own account and region")
		}
	}
	return nil
}

func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || len(s) > 254 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == ',' || r == '"' {
			return false
		}
	}
	return true
}

// setSubAttr validates and applies one subscription attribute to attrs (the
// subscription's current attributes); an empty value removes it.
func (t *Topics) setSubAttr(topic *TopicRecord, protocol string, attrs map[string]string, name, value string) error {
	switch name {
	case AttrRawMessageDelivery:
		value = normBool(value)
		if err := checkBool(name, value); err != nil {
			return err
		}
		if protocol != ProtocolSQS && protocol != ProtocolHTTP && protocol != ProtocolHTTPS {
			return invalid("Delivery protocol [%s] does not support raw message delivery.", protocol)
		}
		if value == "false" {
			delete(attrs, name)
			return nil
		}
	case AttrDeliveryPolicy:
		if protocol != ProtocolHTTP && protocol != ProtocolHTTPS {
			return invalid("DeliveryPolicy: Delivery protocol [%s] does not support delivery policies.", protocol)
		}
		if value != "" {
			if _, err := parseSubDeliveryPolicy(value); err != nil {
				return err
			}
		}
	case AttrFilterPolicy:
		if value != "" {
			scope := attrs[AttrFilterPolicyScope]
			if scope == "" {
				scope = ScopeMessageAttributes
			}
			if _, err := t.filters.compile(value, scope); err != nil {
				return err
			}
		}
	case AttrFilterPolicyScope:
		if value != ScopeMessageAttributes && value != ScopeMessageBody {
			return invalid("Attributes Reason: FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", value)
		}
		if p := attrs[AttrFilterPolicy]; p != "" {
			if _, err := t.filters.compile(p, value); err != nil {
				return err
			}
		}
	case AttrRedrivePolicy:
		if value != "" {
			if _, err := t.parseRedrivePolicy(value, topic.Fifo); err != nil {
				return err
			}
		}
	case AttrSubscriptionRoleArn:
		return invalid("Attributes Reason: SubscriptionRoleArn applies to firehose subscriptions, which Steward does not deliver to")
	default:
		return invalid("AttributeName")
	}
	if value == "" {
		delete(attrs, name)
		if name == AttrFilterPolicy {
			delete(attrs, AttrFilterPolicyScope)
		}
		return nil
	}
	attrs[name] = value
	return nil
}

// subAttrValue is a settable attribute's current value, default included.
func subAttrValue(s *SubscriptionRecord, k string) string {
	if v, ok := s.Attributes[k]; ok {
		return v
	}
	switch k {
	case AttrRawMessageDelivery:
		return "false"
	case AttrFilterPolicyScope:
		return ScopeMessageAttributes
	}
	return ""
}

// ConfirmSubscription confirms a subscription with its token. authenticated
// tells whether the request was signed (the API) or not (the SubscribeURL
// link): only an authenticated confirmation may set AuthenticateOnUnsubscribe.
func (t *Topics) ConfirmSubscription(ctx context.Context, topicARN, token, authOnUnsubscribe string, authenticated bool) (string, error) {
	if err := t.checkTopicARN(ctx, topicARN, "TopicArn", "ConfirmSubscription"); err != nil {
		return "", err
	}
	if token == "" || len(token) > 2048 {
		return "", invalid("Token")
	}
	aou := false
	if authOnUnsubscribe != "" {
		switch strings.ToLower(authOnUnsubscribe) {
		case "true":
			aou = true
		case "false":
		default:
			return "", invalid("AuthenticateOnUnsubscribe")
		}
	}
	now := t.now()
	var arn string
	err := t.store.Update(ctx, func(tx Tx) error {
		topic, err := tx.Topic(ctx, topicARN)
		if err != nil {
			return err
		}
		if topic == nil {
			return topicNotFound()
		}
		sub, err := tx.SubscriptionByToken(ctx, token)
		if err != nil {
			return err
		}
		if sub == nil || sub.TopicARN != topicARN || sub.State != StateConfirmed && now.Sub(sub.StateAt) > pendingTTL {
			return invalid("Token")
		}
		arn = sub.ARN
		switch sub.State {
		case StateConfirmed:
			if !(authenticated && aou && !sub.AuthenticateOnUnsubscribe) {
				return nil
			}
		case StateDeleted:
			live, err := tx.FindSubscription(ctx, sub.TopicARN, sub.Protocol, sub.Endpoint)
			if err != nil {
				return err
			}
			if live != nil {
				arn = live.ARN
				return nil
			}
			fallthrough
		default:
			sub.State, sub.StateAt = StateConfirmed, now
			sub.ConfirmationAuthenticated = authenticated
		}
		sub.AuthenticateOnUnsubscribe = sub.AuthenticateOnUnsubscribe || authenticated && aou
		return tx.PutSubscription(ctx, sub)
	})
	if err != nil {
		return "", internal(err)
	}
	return arn, nil
}

// Unsubscribe deletes a subscription. viaLink marks the unauthenticated
// UnsubscribeURL, whose linkToken must be the subscription's unsubscribe
// token and which subscriptions confirmed with AuthenticateOnUnsubscribe
// refuse.
func (t *Topics) Unsubscribe(ctx context.Context, arn string, viaLink bool, linkToken string) error {
	if err := t.checkSubscriptionARN(ctx, arn, "Unsubscribe"); err != nil {
		return err
	}
	now := t.now()
	var job *job
	err := t.store.Update(ctx, func(tx Tx) error {
		job = nil
		sub, err := tx.Subscription(ctx, arn)
		if err != nil {
			return err
		}
		if sub == nil || sub.State == StateDeleted {
			return subscriptionNotFound()
		}
		if viaLink {
			if linkToken == "" || linkToken != sub.UnsubscribeToken {
				return invalid("Token")
			}
			if sub.AuthenticateOnUnsubscribe {
				return notAuthorized(ctx, "Unsubscribe", arn)
			}
		}
		wasConfirmed := sub.State == StateConfirmed
		sub.State, sub.StateAt, sub.Token = StateDeleted, now, randomHex(tokenBytes)
		if err := tx.PutSubscription(ctx, sub); err != nil {
			return err
		}
		if wasConfirmed && (sub.Protocol == ProtocolHTTP || sub.Protocol == ProtocolHTTPS) {
			topic, err := tx.Topic(ctx, sub.TopicARN)
			if err != nil || topic == nil {
				return err
			}
			job, err = t.addConfirmation(ctx, tx, topic, sub, TypeUnsubscribeConfirmation)
			return err
		}
		return nil
	})
	if err != nil {
		return internal(err)
	}
	if job != nil {
		t.engine.submit(job)
	}
	return nil
}

// ListSubscriptions returns a page of up to 100 subscriptions of every
// topic and the next token.
func (t *Topics) ListSubscriptions(ctx context.Context, token string) ([]Subscription, string, error) {
	return t.listSubscriptions(ctx, "", token)
}

// ListSubscriptionsByTopic returns a page of up to 100 subscriptions of a
// topic and the next token.
func (t *Topics) ListSubscriptionsByTopic(ctx context.Context, topicARN, token string) ([]Subscription, string, error) {
	if err := t.checkTopicARN(ctx, topicARN, "TopicArn", "ListSubscriptionsByTopic"); err != nil {
		return nil, "", err
	}
	if _, err := t.getTopic(ctx, topicARN); err != nil {
		return nil, "", err
	}
	return t.listSubscriptions(ctx, topicARN, token)
}

func (t *Topics) listSubscriptions(ctx context.Context, topicARN, token string) ([]Subscription, string, error) {
	recs, next, err := t.store.ListSubscriptions(ctx, topicARN, token, listPageSize)
	if errors.Is(err, ErrInvalidToken) {
		return nil, "", invalid("NextToken")
	}
	if err != nil {
		return nil, "", internal(err)
	}
	out := make([]Subscription, len(recs))
	for i, r := range recs {
		arn := r.ARN
		if r.State == StatePending {
			arn = "PendingConfirmation"
		}
		out[i] = Subscription{SubscriptionARN: arn, Owner: r.Owner, Protocol: r.Protocol, Endpoint: r.Endpoint, TopicARN: r.TopicARN}
	}
	return out, next, nil
}

// GetSubscriptionAttributes returns a subscription's attributes.
func (t *Topics) GetSubscriptionAttributes(ctx context.Context, arn string) (map[string]string, error) {
	if err := t.checkSubscriptionARN(ctx, arn, "GetSubscriptionAttributes"); err != nil {
		return nil, err
	}
	sub, err := t.store.GetSubscription(ctx, arn)
	if errors.Is(err, ErrNotFound) || err == nil && sub.State == StateDeleted {
		return nil, subscriptionNotFound()
	}
	if err != nil {
		return nil, internal(err)
	}
	out := maps.Clone(sub.Attributes)
	if out == nil {
		out = map[string]string{}
	}
	out["SubscriptionArn"] = sub.ARN
	out["TopicArn"] = sub.TopicARN
	out["Owner"] = sub.Owner
	out["Protocol"] = sub.Protocol
	out["Endpoint"] = sub.Endpoint
	out["PendingConfirmation"] = strconv.FormatBool(sub.State == StatePending)
	out["ConfirmationWasAuthenticated"] = strconv.FormatBool(sub.ConfirmationAuthenticated)
	out[AttrRawMessageDelivery] = subAttrValue(sub, AttrRawMessageDelivery)
	if out[AttrFilterPolicy] != "" {
		out[AttrFilterPolicyScope] = filterScope(sub)
	}
	if sub.Protocol == ProtocolHTTP || sub.Protocol == ProtocolHTTPS {
		topicPolicy := ""
		if topic, err := t.store.GetTopic(ctx, sub.TopicARN); err == nil {
			topicPolicy = topic.Attributes[AttrDeliveryPolicy]
		}
		out["EffectiveDeliveryPolicy"] = effectiveSubDeliveryPolicy(topicPolicy, sub.Attributes[AttrDeliveryPolicy])
	}
	return out, nil
}

// SetSubscriptionAttributes sets one attribute; an empty value removes it.
func (t *Topics) SetSubscriptionAttributes(ctx context.Context, arn, name, value string) error {
	if err := t.checkSubscriptionARN(ctx, arn, "SetSubscriptionAttributes"); err != nil {
		return err
	}
	err := t.store.Update(ctx, func(tx Tx) error {
		sub, err := tx.Subscription(ctx, arn)
		if err != nil {
			return err
		}
		if sub == nil || sub.State == StateDeleted {
			return subscriptionNotFound()
		}
		topic, err := tx.Topic(ctx, sub.TopicARN)
		if err != nil {
			return err
		}
		if topic == nil {
			return subscriptionNotFound()
		}
		attrs := maps.Clone(sub.Attributes)
		if attrs == nil {
			attrs = map[string]string{}
		}
		if err := t.setSubAttr(topic, sub.Protocol, attrs, name, value); err != nil {
			return err
		}
		if name == AttrFilterPolicy && value != "" && sub.Attributes[AttrFilterPolicy] == "" {
			n, err := tx.CountFilterPolicies(ctx, sub.TopicARN, sub.ARN)
			if err != nil {
				return err
			}
			if n >= maxFilterPoliciesTopic {
				return steward.Errorf(CodeFilterPolicyLimit, "Filter policy limit exceeded")
			}
		}
		sub.Attributes = attrs
		return tx.PutSubscription(ctx, sub)
	})
	return internalOrNil(err)
}
