package events

import (
	"context"
	"sync"
	"time"

	"github.com/stewardhq/steward/events/pattern"
	"github.com/stewardhq/steward/schedule"
)

// The router: every rule and target of every bus, compiled, in memory. Each
// bus has one pattern.Set holding its enabled pattern rules; matching an
// event reads it once. Rule states are immutable values replaced whole when
// a rule or its targets change, so a delivery holding one never sees it
// half-updated.

type router struct {
	b *Buses

	mu      sync.RWMutex
	buses   map[string]*busState
	version int64 // the store's RulesVersion when last loaded

	kick chan struct{} // RulesChanged: look at the version now
}

type busState struct {
	name  string
	set   *pattern.Set
	rules map[string]*ruleState
}

type ruleState struct {
	rec      *RuleRecord
	arn      string
	pattern  *pattern.Pattern   // nil for schedule-only rules
	schedule *schedule.Schedule // nil for pattern rules
	targets  []*target          // in ID order
}

func (r *ruleState) enabled() bool { return r.rec.State != StateDisabled }

func (r *ruleState) target(id string) *target {
	for _, t := range r.targets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func newRouter(b *Buses) *router {
	return &router{b: b, buses: map[string]*busState{}, kick: make(chan struct{}, 1)}
}

// load replaces everything with the store's rules and targets.
func (r *router) load(ctx context.Context) error {
	version, err := r.b.store.RulesVersion(ctx)
	if err != nil {
		return err
	}
	rules, err := r.b.store.AllRules(ctx)
	if err != nil {
		return err
	}
	targets, err := r.b.store.AllTargets(ctx)
	if err != nil {
		return err
	}
	byRule := map[[2]string][]*TargetRecord{}
	for _, t := range targets {
		k := [2]string{t.Bus, t.Rule}
		byRule[k] = append(byRule[k], t)
	}
	buses := map[string]*busState{}
	for _, rec := range rules {
		bs := buses[rec.Bus]
		if bs == nil {
			bs = &busState{name: rec.Bus, set: pattern.NewSet(), rules: map[string]*ruleState{}}
			buses[rec.Bus] = bs
		}
		rs := r.compile(rec, byRule[[2]string{rec.Bus, rec.Name}])
		bs.rules[rec.Name] = rs
		if rs.pattern != nil && rs.enabled() {
			bs.set.Add(rec.Name, rs.pattern)
		}
	}
	r.mu.Lock()
	r.buses, r.version = buses, version
	r.mu.Unlock()
	return nil
}

// compile builds a rule's state. Stored rules were valid when written; one
// that no longer compiles is kept without a pattern (and logged).
func (r *router) compile(rec *RuleRecord, trs []*TargetRecord) *ruleState {
	rs := &ruleState{rec: rec, arn: r.b.RuleARN(rec.Bus, rec.Name)}
	if rec.EventPattern != "" {
		p, err := pattern.Compile([]byte(rec.EventPattern))
		if err != nil {
			r.b.log.Error("events: stored event pattern no longer compiles", "rule", rs.arn, "err", err)
		} else {
			rs.pattern = p
		}
	}
	if rec.ScheduleExpression != "" {
		if s, err := schedule.Parse(rec.ScheduleExpression, schedule.EventBridge); err == nil {
			rs.schedule = &s
		}
	}
	for _, tr := range trs {
		t, err := r.b.compileTarget(rec.Bus, tr.Target)
		if err != nil {
			r.b.log.Error("events: stored target no longer compiles", "rule", rs.arn, "target", tr.ID, "err", err)
			continue
		}
		rs.targets = append(rs.targets, t)
	}
	return rs
}

// reloadRule reads one rule and its targets from the store into the router
// (removing it when it is gone). Callers hold Buses.ctl.
func (r *router) reloadRule(ctx context.Context, bus, name string) error {
	rec, err := r.b.store.GetRule(ctx, bus, name)
	var trs []*TargetRecord
	switch {
	case err == nil:
		if trs, _, err = r.b.store.ListTargets(ctx, bus, name, "", maxTargetsPerRule*2); err != nil {
			return err
		}
	case err == ErrNotFound:
		rec = nil
	default:
		return err
	}
	var rs *ruleState
	if rec != nil {
		rs = r.compile(rec, trs)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	bs := r.buses[bus]
	if bs == nil {
		if rs == nil {
			return nil
		}
		bs = &busState{name: bus, set: pattern.NewSet(), rules: map[string]*ruleState{}}
		r.buses[bus] = bs
	}
	if rs == nil {
		delete(bs.rules, name)
		bs.set.Remove(name)
		return nil
	}
	bs.rules[name] = rs
	if rs.pattern != nil && rs.enabled() {
		bs.set.Add(name, rs.pattern)
	} else {
		bs.set.Remove(name)
	}
	return nil
}

// dropBus forgets a deleted bus.
func (r *router) dropBus(name string) {
	r.mu.Lock()
	delete(r.buses, name)
	r.mu.Unlock()
}

// match returns the enabled rules of bus that the event matches. The error
// reports an event that is not JSON.
func (r *router) match(bus string, event []byte) ([]*ruleState, error) {
	r.mu.RLock()
	bs := r.buses[bus]
	r.mu.RUnlock()
	if bs == nil || bs.set.Len() == 0 {
		return nil, nil
	}
	names, err := bs.set.Matches(event)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	out := make([]*ruleState, 0, len(names))
	r.mu.RLock()
	for _, n := range names {
		if rs := bs.rules[n]; rs != nil && rs.enabled() {
			out = append(out, rs)
		}
	}
	r.mu.RUnlock()
	return out, nil
}

// rule returns a rule's current state, or nil.
func (r *router) rule(bus, name string) *ruleState {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if bs := r.buses[bus]; bs != nil {
		return bs.rules[name]
	}
	return nil
}

// refreshLoop reloads everything when the store's RulesVersion moved (a
// change made by another replica).
func (r *router) refreshLoop(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-r.kick:
		}
		v, err := r.b.store.RulesVersion(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.b.log.Error("events: reading the rules version", "err", err)
			}
			continue
		}
		r.mu.RLock()
		same := v == r.version
		r.mu.RUnlock()
		if same {
			continue
		}
		r.b.ctl.Lock()
		err = r.load(ctx)
		r.b.ctl.Unlock()
		if err != nil && ctx.Err() == nil {
			r.b.log.Error("events: reloading rules", "err", err)
		}
	}
}

// noteVersion records the version after one local change, so that the
// refresh loop does not reload what is already here. When the version moved
// by more (another replica changed something too), it is left for the
// refresh loop to reload.
func (r *router) noteVersion(ctx context.Context) {
	if f := r.b.opts.OnRulesChanged; f != nil {
		f()
	}
	v, err := r.b.store.RulesVersion(ctx)
	if err != nil {
		return
	}
	r.mu.Lock()
	if v == r.version+1 {
		r.version = v
	}
	r.mu.Unlock()
}
