package events

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// The scheduler fires enabled schedule rules (default bus, UTC, whole
// minutes): each fire time sends a "Scheduled Event" from aws.events, with
// the rule's ARN in resources and the fire time as time, to the rule's
// targets. The deliveries and the rule's next fire time are written in one
// transaction, compare-and-set on the fire time it replaces: a restart
// neither loses a fire nor repeats one, and of several replicas exactly one
// fires each time.
//
// Fire times missed while Steward was down are fired late when they are at
// most catchUp old; older ones are skipped (and logged): a week-long outage
// does not end in a flood of rate(1 minute) events.

const catchUp = time.Hour

// runScheduler fires due schedules every Poll and when a rule changes.
func (b *Buses) runScheduler(ctx context.Context) {
	tick := time.NewTicker(b.opts.Poll)
	defer tick.Stop()
	for {
		if err := b.RunSchedules(ctx); err != nil && ctx.Err() == nil {
			b.log.Error("events: firing schedules", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-b.engine.schedWake:
		}
	}
}

// RunSchedules fires every schedule rule whose time has come. The scheduler
// calls it every Poll; tests call it after moving a fake clock.
func (b *Buses) RunSchedules(ctx context.Context) error {
	now := b.now()
	due, err := b.store.DueSchedules(ctx, now)
	if err != nil {
		return err
	}
	for _, rec := range due {
		if err := b.fire(ctx, rec, now); err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return nil
}

// fire sends the due fire times of one rule and moves its next fire time.
func (b *Buses) fire(ctx context.Context, rec *RuleRecord, now time.Time) error {
	rs := b.router.rule(rec.Bus, rec.Name)
	if rs == nil || rs.schedule == nil {
		return nil // changed meanwhile; the router is reloaded after every change
	}
	var in Ingest
	t := rec.NextFireAt
	skipped := 0
	for !t.IsZero() && !t.After(now) {
		if now.Sub(t) <= catchUp {
			ev := b.scheduledEvent(rs, t)
			in.addFire(rs, ev, now, 0)
		} else {
			skipped++
		}
		next, ok := rs.schedule.Next(t)
		if !ok {
			t = time.Time{}
			break
		}
		t = next
	}
	if skipped > 0 {
		b.log.Warn("events: schedule fire times missed while Steward was down were skipped", "rule", rs.arn, "skipped", skipped)
	}
	in.Fire = &Fire{Bus: rec.Bus, Rule: rec.Name, From: rec.NextFireAt, To: t}
	return b.commit(ctx, &in)
}

// scheduledEvent is the event of one fire of a schedule rule.
func (b *Buses) scheduledEvent(rs *ruleState, at time.Time) *event {
	id := uuid.NewString()
	return &event{id: id, raw: envelope(id, "Scheduled Event", "aws.events", b.opts.Account, at, b.opts.Region, []string{rs.arn}, []byte("{}"))}
}
