package server

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/sqsapi"
	"github.com/stewardhq/steward/sqlstore"
	"github.com/stewardhq/steward/sqs"
)

// openSQS builds SQS on the database and starts its retention sweep.
func (s *Server) openSQS(ctx context.Context) error {
	opt := sqs.Options{Logger: s.log}
	if c := s.cluster; c != nil {
		// Replicas wake each other's long polls (server/cluster.go); as
		// notifications may be lost, long polls also look again now and then.
		opt.OnWake = c.wakeQueue
		opt.RecheckEvery = 5 * time.Second
	}
	s.queues = sqs.New(sqlstore.NewSQSStore(s.db), sqs.Env{Clock: s.cfg.Clock, Account: s.cfg.AccountID, Region: s.cfg.Region}, opt)
	if c := s.cluster; c != nil {
		c.queues.Store(s.queues)
	}
	return s.queues.Open(ctx)
}

// sqsService is SQS's operation table.
func (s *Server) sqsService() *gateway.Service { return sqsapi.Service(s.queues) }

// closeSQS answers held long polls and stops the sweep. Close calls it
// before shutting the listener down, so that no poll holds shutdown up.
func (s *Server) closeSQS() {
	if s.queues != nil {
		_ = s.queues.Close()
	}
}

// Queues is SQS, for the services that deliver to queues (SNS,
// EventBridge): see (*sqs.Queues).SendByARN.
func (s *Server) Queues() *sqs.Queues { return s.queues }
