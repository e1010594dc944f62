package sqs

import (
	"context"
	"time"
)

// sweepLoop deletes expired messages and deduplication entries every
// Options.SweepEvery until ctx ends. Receives never return expired
// messages whether or not the sweep has reached them yet.
func (q *Queues) sweepLoop(ctx context.Context) {
	t := time.NewTicker(q.opt.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := q.Sweep(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("sqs retention sweep", "err", err)
		}
	}
}

// Sweep deletes every queue's messages older than its retention period and
// the deduplication entries past their window, once. The background loop
// calls it; tests call it after moving the clock.
func (q *Queues) Sweep(ctx context.Context) error {
	now := q.now()
	after := ""
	for {
		recs, err := q.store.ListQueues(ctx, "", after, 500)
		if err != nil {
			return err
		}
		for _, r := range recs {
			cfg := configOf(r.Attributes)
			n, err := q.store.DeleteExpired(ctx, r.ID, now.Add(-cfg.retention))
			if err != nil {
				return err
			}
			if n > 0 {
				q.log.Debug("sqs retention", "queue", r.Name, "deleted", n)
			}
		}
		if len(recs) < 500 {
			break
		}
		after = recs[len(recs)-1].Name
	}
	_, err := q.store.DeleteExpiredDedup(ctx, now)
	return err
}
