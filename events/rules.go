package events

import (
	"context"
	"errors"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events/pattern"
	"github.com/stewardhq/steward/schedule"
)

// Rules: PutRule, DescribeRule, ListRules, EnableRule, DisableRule,
// DeleteRule. PutRule on an existing rule replaces it with what the request
// says (omitted members are cleared, State defaults to ENABLED), as AWS
// does; its targets and tags stay. A schedule rule's next fire time is kept
// across a PutRule that leaves the expression unchanged, and computed afresh
// when the rule is created, enabled or given a new expression: rate(N unit)
// fires N units after that, cron at its times (UTC, whole minutes).

// PutRuleInput is a PutRule request.
type PutRuleInput struct {
	Name               string
	EventBusName       *string
	EventPattern       *string
	ScheduleExpression *string
	State              *string
	Description        *string
	RoleARN            *string
	Tags               []Tag
}

// Rule is a rule as DescribeRule and ListRules show it.
type Rule struct {
	RuleRecord
	ARN string
}

// ListRulesInput is a ListRules request.
type ListRulesInput struct {
	NamePrefix   *string
	EventBusName *string
	NextToken    *string
	Limit        *int
}

var ruleStates = []string{StateEnabled, StateDisabled, StateEnabledCloudTrail}

func (b *Buses) rule(r *RuleRecord) *Rule {
	return &Rule{RuleRecord: *r, ARN: b.RuleARN(r.Bus, r.Name)}
}

// PutRule creates or replaces a rule and returns its ARN.
//
// Errors: ValidationException (constraints; neither a pattern nor a
// schedule; a schedule on a custom bus; an invalid schedule),
// InvalidEventPatternException (with the pattern's reason),
// ResourceNotFoundException (bus), LimitExceededException.
func (b *Buses) PutRule(ctx context.Context, in PutRuleInput) (string, error) {
	var f fieldErrors
	f.text(in.Name, "name", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(in.EventBusName, "eventBusName", &f)
	f.optional(in.EventPattern, "eventPattern", 0, maxEventPattern, nil)
	f.optional(in.ScheduleExpression, "scheduleExpression", 0, maxScheduleExpression, nil)
	f.optional(in.Description, "description", 0, maxDescription, nil)
	f.optional(in.RoleARN, "roleArn", 1, maxARN, nil)
	state := StateEnabled
	if in.State != nil {
		state = *in.State
		if !contains(ruleStates, state) {
			f.add(state, "state", "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")
		}
	}
	f.tags(in.Tags, "tags")
	if err := f.err(); err != nil {
		return "", err
	}
	rec := &RuleRecord{Bus: bus, Name: in.Name, State: state, CreatedBy: b.opts.Account}
	rec.EventPattern = deref(in.EventPattern)
	rec.ScheduleExpression = deref(in.ScheduleExpression)
	rec.Description = deref(in.Description)
	rec.RoleARN = deref(in.RoleARN)
	if rec.EventPattern == "" && rec.ScheduleExpression == "" {
		return "", steward.Validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	var sched *schedule.Schedule
	if rec.ScheduleExpression != "" {
		if bus != DefaultBus {
			return "", steward.Validation("ScheduleExpression is supported only on the default event bus.")
		}
		s, err := schedule.Parse(rec.ScheduleExpression, schedule.EventBridge)
		if err != nil {
			return "", err
		}
		sched = &s
	}
	if rec.EventPattern != "" {
		if _, err := pattern.Compile([]byte(rec.EventPattern)); err != nil {
			return "", patternError(err)
		}
	}
	if err := checkTagRules(in.Tags); err != nil {
		return "", err
	}

	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.GetBus(ctx, bus); errors.Is(err, ErrNotFound) {
			return notFound("Event bus %s does not exist.", shownBus(bus))
		} else if err != nil {
			return err
		}
		now := b.now()
		cur, err := tx.GetRule(ctx, bus, in.Name)
		switch {
		case errors.Is(err, ErrNotFound):
			n, err := tx.CountRules(ctx, bus)
			if err != nil {
				return err
			}
			if n >= b.opts.MaxRulesPerBus {
				return steward.Errorf(CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
			}
			rec.CreatedAt = now
		case err != nil:
			return err
		default:
			rec.CreatedAt, rec.CreatedBy, rec.ManagedBy = cur.CreatedAt, cur.CreatedBy, cur.ManagedBy
		}
		rec.ModifiedAt = now
		if sched != nil && rec.State != StateDisabled {
			if cur != nil && cur.ScheduleExpression == rec.ScheduleExpression && cur.State != StateDisabled && !cur.NextFireAt.IsZero() {
				rec.NextFireAt = cur.NextFireAt
			} else {
				rec.NextFireAt = nextFire(*sched, now)
			}
		}
		if err := tx.PutRule(ctx, rec); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			return tx.SetTags(ctx, bus, in.Name, in.Tags)
		}
		return nil
	})
	if err != nil {
		return "", internal(err)
	}
	if err := b.changed(ctx, bus, in.Name); err != nil {
		return "", err
	}
	b.engine.wakeScheduler()
	return b.RuleARN(bus, in.Name), nil
}

// nextFire is a schedule's first fire time after now: rate schedules count
// from the minute now is in.
func nextFire(s schedule.Schedule, now time.Time) time.Time {
	if s.Kind() == schedule.Rate {
		s = s.StartAt(now.Truncate(time.Minute))
	}
	t, ok := s.Next(now)
	if !ok {
		return time.Time{}
	}
	return t
}

// patternError turns a pattern refusal into InvalidEventPatternException.
func patternError(err error) error {
	var pe *pattern.Error
	if errors.As(err, &pe) {
		return steward.Errorf(CodeInvalidEventPattern, "%s", pe.Reason)
	}
	return steward.Errorf(CodeInvalidEventPattern, "Event pattern is not valid.")
}

// DescribeRule returns a rule.
func (b *Buses) DescribeRule(ctx context.Context, busName *string, name string) (*Rule, error) {
	var f fieldErrors
	f.text(name, "name", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(busName, "eventBusName", &f)
	if err := f.err(); err != nil {
		return nil, err
	}
	rec, err := b.store.GetRule(ctx, bus, name)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("Rule %s does not exist on EventBus %s.", name, shownBus(bus))
	}
	if err != nil {
		return nil, internal(err)
	}
	return b.rule(rec), nil
}

// ListRules returns a page of a bus's rules in name order.
func (b *Buses) ListRules(ctx context.Context, in ListRulesInput) ([]*Rule, string, error) {
	var f fieldErrors
	f.optional(in.NamePrefix, "namePrefix", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(in.EventBusName, "eventBusName", &f)
	tok, n := f.token(in.NextToken), f.limit(in.Limit)
	if err := f.err(); err != nil {
		return nil, "", err
	}
	if _, err := b.store.GetBus(ctx, bus); errors.Is(err, ErrNotFound) {
		return nil, "", notFound("Event bus %s does not exist.", shownBus(bus))
	} else if err != nil {
		return nil, "", internal(err)
	}
	recs, next, err := b.store.ListRules(ctx, RuleQuery{Bus: bus, Prefix: deref(in.NamePrefix), Token: tok, Limit: n})
	if err != nil {
		return nil, "", tokenError(err)
	}
	out := make([]*Rule, len(recs))
	for i, r := range recs {
		out[i] = b.rule(r)
	}
	return out, next, nil
}

// EnableRule enables a rule.
func (b *Buses) EnableRule(ctx context.Context, busName *string, name string) error {
	return b.setState(ctx, busName, name, StateEnabled)
}

// DisableRule disables a rule: it matches nothing and fires no more.
func (b *Buses) DisableRule(ctx context.Context, busName *string, name string) error {
	return b.setState(ctx, busName, name, StateDisabled)
}

func (b *Buses) setState(ctx context.Context, busName *string, name, state string) error {
	var f fieldErrors
	f.text(name, "name", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(busName, "eventBusName", &f)
	if err := f.err(); err != nil {
		return err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		rec, err := tx.GetRule(ctx, bus, name)
		if errors.Is(err, ErrNotFound) {
			return notFound("Rule %s does not exist on EventBus %s.", name, shownBus(bus))
		}
		if err != nil {
			return err
		}
		wasEnabled := rec.State != StateDisabled
		if wasEnabled == (state == StateEnabled) {
			return nil
		}
		now := b.now()
		rec.State, rec.ModifiedAt, rec.NextFireAt = state, now, time.Time{}
		if state == StateEnabled && rec.ScheduleExpression != "" {
			if s, err := schedule.Parse(rec.ScheduleExpression, schedule.EventBridge); err == nil {
				rec.NextFireAt = nextFire(s, now)
			}
		}
		return tx.PutRule(ctx, rec)
	})
	if err != nil {
		return internal(err)
	}
	if err := b.changed(ctx, bus, name); err != nil {
		return err
	}
	b.engine.wakeScheduler()
	return nil
}

// DeleteRule deletes a rule. A rule with targets is refused (remove them
// first); deleting one that does not exist succeeds.
func (b *Buses) DeleteRule(ctx context.Context, busName *string, name string, force bool) error {
	var f fieldErrors
	f.text(name, "name", 1, maxRuleName, ruleNamePattern)
	bus := b.busName(busName, "eventBusName", &f)
	if err := f.err(); err != nil {
		return err
	}
	_ = force // Steward has no managed rules
	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.GetRule(ctx, bus, name); errors.Is(err, ErrNotFound) {
			if _, err := tx.GetBus(ctx, bus); errors.Is(err, ErrNotFound) {
				return notFound("Event bus %s does not exist.", shownBus(bus))
			}
			return nil
		} else if err != nil {
			return err
		}
		ts, err := tx.Targets(ctx, bus, name)
		if err != nil {
			return err
		}
		if len(ts) > 0 {
			return steward.Validation("Rule can't be deleted since it has targets.")
		}
		return tx.DeleteRule(ctx, bus, name)
	})
	if err != nil {
		return internal(err)
	}
	return b.changed(ctx, bus, name)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
