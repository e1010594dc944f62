package ssm

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// SNS notifications (a command's NotificationConfig; reference/ssm.md
// §2.10). Every status change the engine records is also checked against
// the command's NotificationConfig; a notification it asks for is written,
// as topic ARN and message, to a durable work table in the transaction of
// the change, so nothing accepted is lost. The background loop claims due
// rows (a lease, so replicas never publish one row together), publishes them
// through the TopicPublisher and deletes them; a failed publish is retried
// with capped backoff, and a row is dropped (logged) on a permanent error
// (ErrTopicUnusable) or when it is older than cmdNotifyMaxAge.
//
// What AWS documents (user guide, "Monitoring Systems Manager status changes
// using Amazon SNS notifications" and "Example Amazon SNS notifications"):
// InProgress, Success, Failed, TimedOut and Cancelled are notified; Pending
// and Cancelling never are. Choices where AWS documents none:
//   - Delayed is not notified (it is not among the notified statuses nor the
//     NotificationEvents enum).
//   - NotificationEvents empty means All; NotificationType empty means
//     Command.
//   - A command that targeted tags carries "instanceIds": [] (as the
//     tag-based example shows).

// CommandNotification is an SNS notification waiting to be published.
type CommandNotification struct {
	ID        int64 // set by the store
	TopicARN  string
	Message   string // the JSON payload
	Attempts  int    // failed publishes so far
	DueAt     time.Time
	CreatedAt time.Time
}

// NotificationStore is the notification work table.
//
// ClaimNotifications leases up to limit rows due at now and not leased (lease
// before now) until leaseUntil, oldest due first, and returns them; rows
// leased by another caller are skipped. DeleteNotification removes a row
// (no error when it is gone). RetryNotification records a failed attempt:
// it sets Attempts and DueAt and frees the lease.
type NotificationStore interface {
	ClaimNotifications(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*CommandNotification, error)
	DeleteNotification(ctx context.Context, id int64) error
	RetryNotification(ctx context.Context, id int64, attempts int, dueAt time.Time) error
}

// TopicPublisher publishes a message to an SNS topic. An error wrapping
// ErrTopicUnusable is permanent (the topic does not exist, or the message
// can never be accepted): the notification is dropped. Any other error is
// retried.
type TopicPublisher interface {
	PublishCommandNotification(ctx context.Context, topicARN, message string) error
}

// ErrTopicUnusable marks a permanent publish failure (see TopicPublisher).
var ErrTopicUnusable = errors.New("ssm: notification topic cannot take the notification")

// Notification limits.
const (
	cmdNotifyBatch      = 100
	cmdNotifyLease      = time.Minute
	cmdNotifyBackoffMin = time.Second
	cmdNotifyBackoffMax = 5 * time.Minute
	cmdNotifyMaxAge     = 24 * time.Hour
)

// The NotificationType values.
const (
	NotifyCommand    = "Command"
	NotifyInvocation = "Invocation"
)

// notifiedStatuses are the statuses SNS notifications report.
var notifiedStatuses = []string{CmdInProgress, CmdSuccess, CmdTimedOut, CmdCancelled, CmdFailed}

// wantsNotification tells whether n asks for a notification of kind
// (NotifyCommand or NotifyInvocation) when something enters status.
func wantsNotification(n NotificationConfig, kind, status string) bool {
	if n.NotificationArn == "" || !slices.Contains(notifiedStatuses, status) {
		return false
	}
	if t := cmpOr(n.NotificationType, NotifyCommand); t != kind {
		return false
	}
	return len(n.NotificationEvents) == 0 || slices.Contains(n.NotificationEvents, "All") ||
		slices.Contains(n.NotificationEvents, status)
}

// Payloads, fields in AWS's order.
type commandNotice struct {
	CommandID          string   `json:"commandId"`
	DocumentName       string   `json:"documentName"`
	InstanceIDs        []string `json:"instanceIds"`
	RequestedDateTime  string   `json:"requestedDateTime"`
	ExpiresAfter       string   `json:"expiresAfter"`
	OutputS3BucketName string   `json:"outputS3BucketName"`
	OutputS3KeyPrefix  string   `json:"outputS3KeyPrefix"`
	Status             string   `json:"status"`
	EventTime          string   `json:"eventTime"`
}

type invocationNotice struct {
	CommandID         string `json:"commandId"`
	DocumentName      string `json:"documentName"`
	InstanceID        string `json:"instanceId"`
	RequestedDateTime string `json:"requestedDateTime"`
	Status            string `json:"status"`
	EventTime         string `json:"eventTime"`
}

// noticeTime formats a time as the notifications do: milliseconds without
// trailing zeros (2019-04-25T17:57:09.17Z, 2019-04-25T18:01:03.888Z).
func noticeTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999Z") }

func (s *engineStep) addNotice(payload any) {
	b, _ := json.Marshal(payload)
	s.notes = append(s.notes, &CommandNotification{
		TopicARN: s.cmd.Notification.NotificationArn, Message: string(b), DueAt: s.now, CreatedAt: s.now,
	})
}

// notifyInvocation records the SNS notification of an invocation entering
// status, when the command asks for it.
func (s *engineStep) notifyInvocation(nodeID, status string) {
	if !wantsNotification(s.cmd.Notification, NotifyInvocation, status) {
		return
	}
	s.addNotice(invocationNotice{
		CommandID: s.cmd.CommandID, DocumentName: s.cmd.DocumentName, InstanceID: nodeID,
		RequestedDateTime: noticeTime(s.cmd.RequestedAt), Status: status, EventTime: noticeTime(s.now),
	})
}

// notifyCommand records the SNS notification of the command's new status,
// when the command asks for it.
func (s *engineStep) notifyCommand() {
	if !wantsNotification(s.cmd.Notification, NotifyCommand, s.cmd.Status) {
		return
	}
	s.addNotice(commandNotice{
		CommandID: s.cmd.CommandID, DocumentName: s.cmd.DocumentName, InstanceIDs: nonNilStrings(s.cmd.InstanceIDs),
		RequestedDateTime: noticeTime(s.cmd.RequestedAt), ExpiresAfter: noticeTime(s.cmd.ExpiresAt),
		OutputS3BucketName: s.cmd.OutputS3Bucket, OutputS3KeyPrefix: s.cmd.OutputS3Prefix,
		Status: s.cmd.Status, EventTime: noticeTime(s.now),
	})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// notifyBackoff is the wait before the next attempt after attempts failed
// ones: 1 s doubling, at most 5 min.
func notifyBackoff(attempts int) time.Duration {
	d := cmdNotifyBackoffMin
	for i := 1; i < attempts && d < cmdNotifyBackoffMax; i++ {
		d *= 2
	}
	return min(d, cmdNotifyBackoffMax)
}

// PublishNotifications publishes the notifications that are due: each is
// deleted once published, retried later after a failure, and dropped after
// a permanent failure or cmdNotifyMaxAge. Without a Publisher it does
// nothing. The loop calls it every Tick; tests call it after moving a fake
// clock.
func (c *Commands) PublishNotifications(ctx context.Context) error {
	pub := c.opts.Publisher
	if pub == nil {
		return nil
	}
	for {
		now := c.now()
		notes, err := c.store.ClaimNotifications(ctx, now, now.Add(cmdNotifyLease), cmdNotifyBatch)
		if err != nil {
			return err
		}
		for _, n := range notes {
			if err := c.publishOne(ctx, pub, n, now); err != nil {
				return err
			}
		}
		if len(notes) < cmdNotifyBatch {
			return nil
		}
	}
}

func (c *Commands) publishOne(ctx context.Context, pub TopicPublisher, n *CommandNotification, now time.Time) error {
	err := pub.PublishCommandNotification(ctx, n.TopicARN, n.Message)
	switch {
	case err == nil:
		return c.store.DeleteNotification(ctx, n.ID)
	case ctx.Err() != nil:
		return ctx.Err() // the lease runs out; the row is tried again
	case errors.Is(err, ErrTopicUnusable):
		c.log.Warn("run command notification dropped", "topic", n.TopicARN, "attempts", n.Attempts+1, "err", err)
		return c.store.DeleteNotification(ctx, n.ID)
	case now.Sub(n.CreatedAt) >= cmdNotifyMaxAge:
		c.log.Warn("run command notification dropped: too old", "topic", n.TopicARN, "attempts", n.Attempts+1, "err", err)
		return c.store.DeleteNotification(ctx, n.ID)
	}
	attempts := n.Attempts + 1
	c.log.Info("run command notification failed; retrying", "topic", n.TopicARN, "attempts", attempts, "err", err)
	return c.store.RetryNotification(ctx, n.ID, attempts, now.Add(notifyBackoff(attempts)))
}
