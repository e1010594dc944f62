package server

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/ssm"
)

// commandNotifier publishes Run Command's NotificationConfig notifications
// to SNS topics (ssm.TopicPublisher). Run Command starts before SNS, so the
// topics are handed over once SNS exists; until then publishing fails and
// Run Command retries.
type commandNotifier struct{ topics atomic.Pointer[sns.Topics] }

var _ ssm.TopicPublisher = (*commandNotifier)(nil)

// PublishCommandNotification implements ssm.TopicPublisher: a topic that
// does not exist, or a message SNS refuses, is permanent.
func (p *commandNotifier) PublishCommandNotification(ctx context.Context, topicARN, message string) error {
	topics := p.topics.Load()
	if topics == nil {
		return errors.New("SNS is not running")
	}
	_, err := topics.Publish(ctx, sns.PublishInput{TopicARN: topicARN, PublishEntry: sns.PublishEntry{Message: message}})
	switch steward.ErrorCode(err) {
	case sns.CodeNotFound, sns.CodeResourceNotFound, sns.CodeInvalidParameter, sns.CodeInvalidParameterValue:
		return fmt.Errorf("%w: %w", ssm.ErrTopicUnusable, err)
	}
	return err
}
