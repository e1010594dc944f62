package events

import (
	"context"
	"time"
)

// The service-event outbox (Parameter Store changes, Run Command status
// changes, and later alarm state changes) drains into the default bus
// through the same path as PutEvents. Each batch of the oldest entries is
// matched, and its deliveries written in the transaction that deletes the
// entries: an event leaves the outbox exactly when its deliveries exist, in
// the order the services wrote them.

const outboxBatch = 100

// runOutbox drains the outbox, at once while it is full, else every
// OutboxPoll.
func (b *Buses) runOutbox(ctx context.Context) {
	for {
		n, err := b.DrainOutbox(ctx)
		if err != nil && ctx.Err() == nil {
			b.log.Error("events: draining the service-event outbox", "err", err)
		}
		if n == outboxBatch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(b.opts.OutboxPoll):
		}
	}
}

// DrainOutbox routes one batch of outbox events into the default bus and
// returns how many it took. Tests call it directly.
func (b *Buses) DrainOutbox(ctx context.Context) (int, error) {
	var routed *Ingest
	n, err := b.store.DrainOutbox(ctx, outboxBatch, func(evs []OutboxEvent) (*Ingest, error) {
		in := &Ingest{}
		now := b.now()
		for _, oe := range evs {
			e := oe.Event
			detail, ok := compactObject(string(e.Detail))
			if !ok {
				detail = []byte("{}")
			}
			account, region := e.Account, e.Region
			if account == "" {
				account = b.opts.Account
			}
			if region == "" {
				region = b.opts.Region
			}
			ev := &event{id: e.ID, raw: envelope(e.ID, e.DetailType, e.Source, account, e.Time, region, e.Resources, detail)}
			if err := b.route(in, DefaultBus, ev, now, 0); err != nil {
				b.log.Error("events: outbox event not matched", "event", e.ID, "err", err)
			}
		}
		in.Metrics = mergeMetrics(in.Metrics)
		in.LeaseUntil = now.Add(b.opts.Lease)
		routed = in
		return in, nil
	})
	if err != nil {
		return 0, err
	}
	if routed != nil {
		b.engine.submit(routed.Deliveries...)
	}
	return n, nil
}
