package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/sqs"
	"github.com/stewardhq/steward/ssm"
)

// EventBridge wiring: the buses on the store, delivering to SQS, SNS,
// CloudWatch Logs and Run Command in process, with RoleArn checked by IAM.
// Each adapter says which failures are permanent (the target or its input
// is wrong: retrying sends the same thing) and which the retry policy
// should retry.

// newEvents builds EventBridge (not yet open). Connection secrets are
// sealed with the keyring; API destinations are called with the outbound
// TLS settings SNS uses, without following redirects.
func (s *Server) newEvents(ring events.Sealer) (*events.Buses, error) {
	tlsCfg, err := outboundTLS(s.cfg.ExtraCAFile)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	opts := events.Options{
		Sealer: ring, HTTPClient: client,
		Clock: s.cfg.Clock, Account: s.cfg.AccountID, Region: s.cfg.Region, Logger: s.log,
		Queues: eventsQueues{s}, Topics: eventsTopics{s}, Commands: eventsCommands{s}, Logs: eventsLogs{s}, Roles: eventsRoles{s},
		Exclusive: !isPostgres(s.cfg.Database), AllowAWSSources: s.cfg.AllowAWSEventSources,
	}
	if isPostgres(s.cfg.Database) {
		opts.Refresh = 2 * time.Second // rules changed by other replicas, when a notification was lost
	}
	if c := s.cluster; c != nil {
		opts.OnRulesChanged = c.rulesChanged
	}
	b := events.New(sqlstore.NewEventsStore(s.db), opts)
	if c := s.cluster; c != nil {
		c.bridge.Store(b)
	}
	return b, nil
}

// Events returns EventBridge (tests and admin commands).
func (s *Server) Events() *events.Buses { return s.bridge }

func (s *Server) closeEvents() {
	if s.bridge != nil {
		_ = s.bridge.Close()
	}
}

// eventBridgeCaller is who EventBridge acts as in the services it invokes.
func (s *Server) eventBridgeCaller(ctx context.Context) context.Context {
	return steward.WithCaller(ctx, &steward.Caller{Account: s.cfg.AccountID, Region: s.cfg.Region,
		ARN: "arn:aws:iam::" + s.cfg.AccountID + ":root", UserID: "events.amazonaws.com"})
}

// permanentUnless turns a domain error into a target failure: internal
// faults (and throttling) are retried, anything else the service refused is
// permanent, with code.
func permanentUnless(err error, code string) error {
	if err == nil {
		return nil
	}
	var se *steward.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case steward.CodeInternalFailure, steward.CodeThrottling, steward.CodeServiceUnavailable, ssm.CodeInternalServerError, sns.CodeInternalError:
		return &events.TargetError{Code: events.ErrInternal, Message: se.Message, Cause: err}
	}
	return &events.TargetError{Code: code, Message: se.Message, Permanent: true, Cause: err}
}

// eventsQueues sends to SQS queues.
type eventsQueues struct{ s *Server }

func (a eventsQueues) SendToQueue(ctx context.Context, queueARN string, m events.QueueMessage) error {
	q := a.s.Queues()
	if q == nil {
		return events.Transient(events.ErrInternal, "The SQS service is not running.")
	}
	out := sqs.Outbound{Body: m.Body, GroupID: m.GroupID, DeduplicationID: m.DeduplicationID}
	if len(m.Attributes) > 0 {
		out.Attributes = make(map[string]sqs.MessageAttributeValue, len(m.Attributes))
		for k, v := range m.Attributes {
			out.Attributes[k] = sqs.MessageAttributeValue{DataType: "String", StringValue: v}
		}
	}
	_, err := q.SendByARN(a.s.eventBridgeCaller(ctx), queueARN, out)
	if steward.ErrorCode(err) == sqs.CodeQueueDoesNotExist {
		return &events.TargetError{Code: events.ErrNoResource, Message: "The queue " + queueARN + " does not exist.", Permanent: true, Cause: err}
	}
	return permanentUnless(err, events.ErrInvalidParameter)
}

// eventsTopics publishes to SNS topics.
type eventsTopics struct{ s *Server }

func (a eventsTopics) PublishToTopic(ctx context.Context, topicARN, message string) error {
	t := a.s.SNS()
	if t == nil {
		return events.Transient(events.ErrInternal, "The SNS service is not running.")
	}
	_, err := t.Publish(a.s.eventBridgeCaller(ctx), sns.PublishInput{TopicARN: topicARN, PublishEntry: sns.PublishEntry{Message: message}})
	switch steward.ErrorCode(err) {
	case sns.CodeNotFound, sns.CodeResourceNotFound:
		return &events.TargetError{Code: events.ErrNoResource, Message: "The topic " + topicARN + " does not exist.", Permanent: true, Cause: err}
	case sns.CodeAuthorizationError:
		return &events.TargetError{Code: events.ErrNoPermissions, Message: steward.AsError(err).Message, Permanent: true, Cause: err}
	}
	return permanentUnless(err, events.ErrInvalidParameter)
}

// eventsCommands sends Run Command commands.
type eventsCommands struct{ s *Server }

func (a eventsCommands) SendCommand(ctx context.Context, req events.CommandRequest) (string, error) {
	c := a.s.commands
	if c == nil {
		return "", events.Transient(events.ErrInternal, "Run Command is not running.")
	}
	in := ssm.SendCommandInput{DocumentName: req.DocumentName, Parameters: req.Parameters, Comment: req.Comment}
	if len(req.Targets) == 1 && req.Targets[0].Key == "InstanceIds" {
		in.InstanceIDs = req.Targets[0].Values
	} else {
		for _, t := range req.Targets {
			in.Targets = append(in.Targets, ssm.Target{Key: t.Key, Values: t.Values})
		}
	}
	cmd, err := c.SendCommand(a.s.eventBridgeCaller(ctx), in)
	if err != nil {
		if steward.ErrorCode(err) == ssm.CodeInvalidDocument {
			return "", &events.TargetError{Code: events.ErrNoResource, Message: steward.AsError(err).Message, Permanent: true, Cause: err}
		}
		return "", permanentUnless(err, events.ErrInvalidParameter)
	}
	return cmd.CommandID, nil
}

// eventsRoles checks a target's RoleArn with IAM: the role exists, trusts
// events.amazonaws.com for this rule and allows the action on every
// resource.
type eventsRoles struct{ s *Server }

func (a eventsRoles) CheckRole(ctx context.Context, req events.RoleRequest) error {
	roles := a.s.Roles()
	if roles == nil {
		return nil
	}
	keys := map[string][]string{"aws:SourceArn": {req.SourceARN}, "aws:SourceAccount": {req.Account}}
	for _, res := range req.Resources {
		err := roles.AuthorizeService(ctx, req.RoleARN, "events.amazonaws.com", iam.Request{Action: req.Action, Resource: res, Context: keys})
		if err == nil {
			continue
		}
		switch iam.ReasonOf(err) {
		case iam.ReasonRoleNotFound, iam.ReasonNotTrusted:
			return &events.TargetError{Code: events.ErrFailedToAssumeRole, Message: "The defined assume role is unable to be assumed.", Permanent: true, Cause: err}
		case iam.ReasonNotAllowed, iam.ReasonDenied:
			return &events.TargetError{Code: events.ErrNoPermissions, Message: err.Error(), Permanent: true, Cause: err}
		}
		return err // storage: retried
	}
	return nil
}
