package server

import (
	"context"
	"time"

	"github.com/stewardhq/steward/cloudwatch"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/cloudwatchapi"
	"github.com/stewardhq/steward/sqlstore"
)

// metricsSweepEvery is how often buckets past their retention are deleted.
const metricsSweepEvery = 10 * time.Minute

// openMetrics builds CloudWatch metrics on the database and starts the
// retention sweep (stopped by closeMetrics).
func (s *Server) openMetrics() {
	s.metrics = cloudwatch.New(sqlstore.NewMetricsStore(s.db), cloudwatch.Env{Clock: s.cfg.Clock, Account: s.cfg.AccountID, Region: s.cfg.Region}, s.log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.stopMetrics = func() { cancel(); <-done }
	go func() {
		defer close(done)
		t := time.NewTicker(metricsSweepEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := s.metrics.Sweep(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("cloudwatch: retention sweep failed; trying again later", "err", err)
				}
			}
		}
	}()
}

// closeMetrics stops the sweep.
func (s *Server) closeMetrics() {
	if s.stopMetrics != nil {
		s.stopMetrics()
		s.stopMetrics = nil
	}
}

// metricsService is CloudWatch's operation table.
func (s *Server) metricsService() *gateway.Service { return cloudwatchapi.Service(s.metrics) }

// Metrics returns CloudWatch metrics (tests, and the services that publish
// metrics).
func (s *Server) Metrics() *cloudwatch.Service { return s.metrics }
