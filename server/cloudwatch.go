package server

import (
	"context"
	"errors"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/cloudwatchapi"
	"github.com/stewardhq/steward/sns"
	"github.com/stewardhq/steward/sqlstore"
)

// metricsSweepEvery is how often buckets past their retention are deleted;
// eventMetricsEvery how often EventBridge's counters are folded into
// namespace AWS/Events (AWS's own metrics lag about a minute).
const (
	metricsSweepEvery = 10 * time.Minute
	eventMetricsEvery = 10 * time.Second
)

// openMetrics builds CloudWatch metrics and alarms on the database and
// starts the alarm engine, the retention sweep and the export of
// EventBridge's counters (stopped by closeMetrics). Alarm actions publish
// to SNS (s.sns, built before).
func (s *Server) openMetrics() {
	s.metrics = cloudwatch.New(sqlstore.NewMetricsStore(s.db), cloudwatch.Env{Clock: s.cfg.Clock, Account: s.cfg.AccountID, Region: s.cfg.Region}, s.log)
	s.metrics.UseAlarms(sqlstore.NewAlarmsStore(s.db), alarmPublisher{s.sns})
	ctx, cancel := context.WithCancel(context.Background())
	_ = s.metrics.Open(ctx)
	done := make(chan struct{})
	s.stopMetrics = func() { cancel(); <-done; _ = s.metrics.Close() }
	go func() {
		defer close(done)
		sweep := time.NewTicker(metricsSweepEvery)
		defer sweep.Stop()
		export := time.NewTicker(eventMetricsEvery)
		defer export.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-sweep.C:
				if _, err := s.metrics.Sweep(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("cloudwatch: retention sweep failed; trying again later", "err", err)
				}
			case <-export.C:
				if err := s.ExportEventMetrics(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("cloudwatch: exporting EventBridge metrics failed; trying again later", "err", err)
				}
			}
		}
	}()
}

// ExportEventMetrics folds what EventBridge counted since the last export
// into CloudWatch (namespace AWS/Events); it runs every eventMetricsEvery.
func (s *Server) ExportEventMetrics(ctx context.Context) error {
	_, err := sqlstore.NewEventsStore(s.db).ExportMetrics(ctx)
	return err
}

// closeMetrics stops the sweep and the export.
func (s *Server) closeMetrics() {
	if s.stopMetrics != nil {
		s.stopMetrics()
		s.stopMetrics = nil
	}
}

// alarmPublisher publishes alarm notifications to SNS topics.
type alarmPublisher struct{ topics *sns.Topics }

func (p alarmPublisher) PublishAlarm(ctx context.Context, topicARN, subject, message string) error {
	if p.topics == nil {
		return errors.New("SNS is not running")
	}
	_, err := p.topics.Publish(ctx, sns.PublishInput{TopicARN: topicARN, PublishEntry: sns.PublishEntry{Subject: subject, Message: message}})
	return err
}

// metricsService is CloudWatch's operation table.
func (s *Server) metricsService() *gateway.Service { return cloudwatchapi.Service(s.metrics) }

// Metrics returns CloudWatch metrics (tests, and the services that publish
// metrics).
func (s *Server) Metrics() *cloudwatch.Service { return s.metrics }
