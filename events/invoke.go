package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardhq/steward/events/input"
)

// Invoking targets. The services are reached through the small interfaces
// below, filled in by the server. A failure is a *TargetError saying what
// went wrong in the dead-letter queue's terms and whether retrying can help;
// any other error is a transient INTERNAL_ERROR.

// QueueSender sends a message to an SQS queue (targets and dead-letter
// queues).
type QueueSender interface {
	SendToQueue(ctx context.Context, queueARN string, m QueueMessage) error
}

// QueueMessage is a message for SQS. Attributes are String message
// attributes.
type QueueMessage struct {
	Body            string
	Attributes      map[string]string
	GroupID         string
	DeduplicationID string
}

// TopicPublisher publishes a message to an SNS topic.
type TopicPublisher interface {
	PublishToTopic(ctx context.Context, topicARN, message string) error
}

// LogWriter writes one log event to a CloudWatch Logs group, in a stream
// it creates when missing. A missing group is a permanent NO_RESOURCE.
type LogWriter interface {
	WriteLog(ctx context.Context, group, stream string, timestamp time.Time, message string) error
}

// CommandSender runs a Command document through Run Command and returns the
// command ID.
type CommandSender interface {
	SendCommand(ctx context.Context, req CommandRequest) (string, error)
}

// CommandRequest is a SendCommand made for a Run Command target.
type CommandRequest struct {
	DocumentName string
	Targets      []RunCommandTarget // InstanceIds or tag:KEY
	Parameters   map[string][]string
	Comment      string
}

// RoleChecker decides whether EventBridge may act with a role: the role
// exists, trusts events.amazonaws.com (with aws:SourceArn = the rule) and
// allows Action on every resource. It returns nil or a *TargetError
// (FAILED_TO_ASSUME_ROLE, NO_PERMISSIONS).
type RoleChecker interface {
	CheckRole(ctx context.Context, req RoleRequest) error
}

// RoleRequest is what a target does with its role.
type RoleRequest struct {
	RoleARN   string
	Action    string
	Resources []string
	SourceARN string // the rule
	Account   string
}

// Error codes of the dead-letter queue's ERROR_CODE attribute (AWS's list).
const (
	ErrConnectionFailure   = "CONNECTION_FAILURE"
	ErrFromTarget          = "ERROR_FROM_TARGET"
	ErrFailedToAssumeRole  = "FAILED_TO_ASSUME_ROLE"
	ErrInternal            = "INTERNAL_ERROR"
	ErrInvalidJSON         = "INVALID_JSON"
	ErrInvalidParameter    = "INVALID_PARAMETER"
	ErrNoPermissions       = "NO_PERMISSIONS"
	ErrNoResource          = "NO_RESOURCE"
	ErrResourceLimit       = "RESOURCE_LIMIT_EXCEEDED"
	ErrThrottling          = "THROTTLING"
	ErrTimeout             = "TIMEOUT"
	ErrTransientAssumeRole = "TRANSIENT_ASSUME_ROLE"
)

// TargetError is a failed invocation: Code is the dead-letter queue's
// ERROR_CODE, Message its ERROR_MESSAGE; Permanent failures are not
// retried.
type TargetError struct {
	Code      string
	Message   string
	Permanent bool
	Cause     error
}

func (e *TargetError) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *TargetError) Unwrap() error { return e.Cause }

// Permanent returns a failure that is not retried.
func Permanent(code, format string, args ...any) *TargetError {
	return &TargetError{Code: code, Message: fmt.Sprintf(format, args...), Permanent: true}
}

// Transient returns a failure that is retried per the target's policy.
func Transient(code, format string, args ...any) *TargetError {
	return &TargetError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// asTargetError classifies any error of an invocation.
func asTargetError(err error) *TargetError {
	var te *TargetError
	if errors.As(err, &te) {
		return te
	}
	return &TargetError{Code: ErrInternal, Message: "The target could not be invoked.", Cause: err}
}

// payload is what the target receives: the event, the constant Input, the
// InputPath selection or the transformer's output.
func (b *Buses) payload(rs *ruleState, t *target, d *Delivery) ([]byte, error) {
	switch {
	case t.Input != nil:
		return []byte(*t.Input), nil
	case t.inputPath != nil:
		raw, ok, err := t.inputPath.Select(d.Event)
		if err != nil {
			return nil, Permanent(ErrInvalidJSON, "The event is not valid JSON.")
		}
		if !ok {
			return []byte("null"), nil
		}
		return raw, nil
	case t.transformer != nil:
		out, err := t.transformer.Apply(d.Event, input.Predefined{
			RuleARN: rs.arn, RuleName: rs.rec.Name, IngestionTime: d.IngestedAt.UTC().Format(time.RFC3339),
		})
		if err != nil {
			return nil, Permanent(ErrInvalidJSON, "The input transformer did not produce valid input: %v", err)
		}
		return out, nil
	}
	return d.Event, nil
}

// invoke delivers one payload to its target.
func (b *Buses) invoke(ctx context.Context, rs *ruleState, t *target, d *Delivery, body []byte) error {
	switch t.kind {
	case kindSQS:
		if b.opts.Queues == nil {
			return Transient(ErrInternal, "The SQS service is not running.")
		}
		m := QueueMessage{Body: string(body)}
		if t.fifo {
			m.GroupID, m.DeduplicationID = deref(t.SQSMessageGroup), d.EventID
		}
		return b.opts.Queues.SendToQueue(ctx, t.resource, m)
	case kindSNS:
		if b.opts.Topics == nil {
			return Transient(ErrInternal, "The SNS service is not running.")
		}
		return b.opts.Topics.PublishToTopic(ctx, t.resource, string(body))
	case kindRunCommand:
		return b.runCommand(ctx, rs, t, body)
	case kindAutomation:
		if err := b.checkRole(ctx, rs, t, "ssm:StartAutomationExecution", t.ARN); err != nil {
			return err
		}
		return Permanent(ErrNoResource, "SSM Automation is not available in this Steward version: automation definition %s cannot be started.", t.resource)
	case kindBus:
		return b.forward(ctx, rs, t, d)
	case kindAPIDestination:
		if err := b.checkRole(ctx, rs, t, "events:InvokeApiDestination", t.ARN); err != nil {
			return err
		}
		return b.invokeAPIDestination(ctx, t, body)
	case kindLogGroup:
		return b.writeLog(ctx, t, d, body)
	}
	return Permanent(ErrInvalidParameter, "Unsupported target %s.", t.ARN)
}

// checkRole checks the target's RoleArn, when it has one and a checker is
// configured.
func (b *Buses) checkRole(ctx context.Context, rs *ruleState, t *target, action string, resources ...string) error {
	if t.RoleARN == "" || b.opts.Roles == nil {
		return nil
	}
	return b.opts.Roles.CheckRole(ctx, RoleRequest{RoleARN: t.RoleARN, Action: action, Resources: resources, SourceARN: rs.arn, Account: b.opts.Account})
}

// runCommand sends the document of a Run Command target with the payload as
// its parameters: a JSON object of parameter names to a list of strings (a
// single string is a list of one).
func (b *Buses) runCommand(ctx context.Context, rs *ruleState, t *target, body []byte) error {
	params, err := commandParameters(body)
	if err != nil {
		return err
	}
	resources := []string{t.ARN}
	for _, rc := range t.RunCommand {
		if rc.Key == "InstanceIds" {
			for _, id := range rc.Values {
				resources = append(resources, b.instanceARN(id))
			}
		} else {
			resources = append(resources, "arn:aws:ec2:"+b.opts.Region+":"+b.opts.Account+":instance/*")
		}
	}
	if err := b.checkRole(ctx, rs, t, "ssm:SendCommand", resources...); err != nil {
		return err
	}
	if b.opts.Commands == nil {
		return Transient(ErrInternal, "Run Command is not running.")
	}
	_, err = b.opts.Commands.SendCommand(ctx, CommandRequest{
		DocumentName: t.resource, Targets: t.RunCommand, Parameters: params,
		Comment: "EventBridge rule " + rs.rec.Name,
	})
	return err
}

// instanceARN is the IAM resource of a node: managed-instance/mi-… or
// EC2's instance/i-….
func (b *Buses) instanceARN(id string) string {
	if strings.HasPrefix(id, "mi-") {
		return "arn:aws:ssm:" + b.opts.Region + ":" + b.opts.Account + ":managed-instance/" + id
	}
	return "arn:aws:ec2:" + b.opts.Region + ":" + b.opts.Account + ":instance/" + id
}

// commandParameters reads a Run Command target's input.
func commandParameters(body []byte) (map[string][]string, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil || raw == nil {
		return nil, Permanent(ErrInvalidJSON, "The input of a Run Command target must be a JSON object of document parameters.")
	}
	out := make(map[string][]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []any:
			list := make([]string, 0, len(v))
			for _, e := range v {
				s, ok := scalarText(e)
				if !ok {
					return nil, Permanent(ErrInvalidParameter, "Parameter %s of the Run Command input must be a string or a list of strings.", k)
				}
				list = append(list, s)
			}
			out[k] = list
		default:
			s, ok := scalarText(v)
			if !ok {
				return nil, Permanent(ErrInvalidParameter, "Parameter %s of the Run Command input must be a string or a list of strings.", k)
			}
			out[k] = []string{s}
		}
	}
	return out, nil
}

func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// writeLog writes the payload as one log event in a stream named after the
// event ID (as EventBridge names them), stamped with the event's time. A
// transformer's output must be {"timestamp":…,"message":…}, as AWS
// requires of log-group targets.
func (b *Buses) writeLog(ctx context.Context, t *target, d *Delivery, body []byte) error {
	if b.opts.Logs == nil {
		return Transient(ErrInternal, "The CloudWatch Logs service is not running.")
	}
	at := d.IngestedAt
	var head struct {
		Time string `json:"time"`
	}
	if json.Unmarshal(d.Event, &head) == nil {
		if tm, err := time.Parse(time.RFC3339, head.Time); err == nil {
			at = tm
		}
	}
	msg := string(body)
	if t.transformer != nil {
		var out struct {
			Timestamp json.RawMessage `json:"timestamp"` // ms or RFC 3339
			Message   json.RawMessage `json:"message"`   // a string, or JSON kept as text
		}
		if json.Unmarshal(body, &out) != nil || len(out.Message) == 0 || string(out.Message) == "null" {
			return Permanent(ErrInvalidParameter, `The input transformer of a log-group target must produce {"timestamp":<timestamp>,"message":<message>}.`)
		}
		var text string
		if msg = string(out.Message); json.Unmarshal(out.Message, &text) == nil {
			msg = text
		}
		var ms int64
		if json.Unmarshal(out.Timestamp, &ms) == nil {
			at = time.UnixMilli(ms)
		} else if json.Unmarshal(out.Timestamp, &text) == nil {
			if tm, err := time.Parse(time.RFC3339, text); err == nil {
				at = tm
			}
		}
	}
	return b.opts.Logs.WriteLog(ctx, t.resource, d.EventID, at, msg)
}

// forward puts the event on another bus of this account, as it is.
func (b *Buses) forward(ctx context.Context, rs *ruleState, t *target, d *Delivery) error {
	if d.Hops+1 > maxHops {
		return &TargetError{Code: ErrInvalidParameter, Message: "The event crossed too many event buses (a loop?); it was dropped.", Permanent: true, Cause: errLoop}
	}
	if err := b.checkRole(ctx, rs, t, "events:PutEvents", t.ARN); err != nil {
		return err
	}
	if !b.busKnown(ctx, t.resource) {
		return Permanent(ErrNoResource, "Event bus %s does not exist.", t.resource)
	}
	var in Ingest
	now := b.now()
	if err := b.route(&in, t.resource, &event{id: d.EventID, raw: d.Event}, now, d.Hops+1); err != nil {
		return Permanent(ErrInvalidJSON, "The event is not valid JSON.")
	}
	return b.commit(ctx, &in)
}

// errLoop marks a forward refused by loop protection.
var errLoop = errors.New("events: too many hops")
