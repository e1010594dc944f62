package cloudwatch

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Composite alarms: PutCompositeAlarm, their evaluation (the rule over the
// states of the alarms it names: ALARM when true, else OK) and what they
// say. A composite alarm is evaluated at creation, whenever an alarm its
// rule names changes state, and every minute.
//
// Actions suppression is partial: while the ActionsSuppressor alarm is in
// ALARM the composite alarm's actions do not run; the wait and extension
// periods are stored and described but not applied.

// MaxAlarmRule is the longest AlarmRule.
const MaxAlarmRule = 10240

// PutCompositeAlarmInput is PutCompositeAlarm's request.
type PutCompositeAlarmInput struct {
	AlarmName                        string
	AlarmDescription                 string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	AlarmRule                        string
	ActionsSuppressor                string
	ActionsSuppressorWaitPeriod      *int
	ActionsSuppressorExtensionPeriod *int
	Tags                             []Tag
}

// PutCompositeAlarm creates or updates a composite alarm.
func (s *Service) PutCompositeAlarm(ctx context.Context, in PutCompositeAlarmInput) error {
	if err := s.alarmsOn(); err != nil {
		return err
	}
	if err := checkAlarmName("AlarmName", in.AlarmName); err != nil {
		return err
	}
	if len(in.AlarmDescription) > AlarmLimits.MaxDescription {
		return invalid("The parameter AlarmDescription must be shorter than %d characters.", AlarmLimits.MaxDescription+1)
	}
	for _, l := range []struct {
		p string
		a []string
	}{{"OKActions", in.OKActions}, {"AlarmActions", in.AlarmActions}, {"InsufficientDataActions", in.InsufficientDataActions}} {
		if err := checkActions(l.p, l.a); err != nil {
			return err
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	if in.AlarmRule == "" {
		return missing("AlarmRule")
	}
	if len(in.AlarmRule) > MaxAlarmRule {
		return invalid("The parameter AlarmRule must be shorter than %d characters.", MaxAlarmRule+1)
	}
	rule, ok := parseRule(in.AlarmRule, s.AlarmARN(""))
	if !ok {
		return invalid("The value %s for parameter AlarmRule is not valid: use ALARM(name), OK(name), INSUFFICIENT_DATA(name), TRUE, FALSE, AND, OR, NOT and parentheses.", in.AlarmRule)
	}
	if slices.Contains(rule.alarms(nil), in.AlarmName) {
		return invalid("The AlarmRule of %s refers to the alarm itself.", in.AlarmName)
	}
	a := &Alarm{Type: AlarmTypeComposite, Name: in.AlarmName, Description: in.AlarmDescription,
		ActionsEnabled: in.ActionsEnabled == nil || *in.ActionsEnabled, OKActions: in.OKActions, AlarmActions: in.AlarmActions,
		InsufficientDataActions: in.InsufficientDataActions, AlarmRule: in.AlarmRule, Tags: in.Tags}
	switch {
	case in.ActionsSuppressor != "":
		if in.ActionsSuppressorWaitPeriod == nil || in.ActionsSuppressorExtensionPeriod == nil {
			return combination("ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod are required with ActionsSuppressor.")
		}
		if *in.ActionsSuppressorWaitPeriod < 0 || *in.ActionsSuppressorExtensionPeriod < 0 {
			return invalid("The suppressor periods must not be negative.")
		}
		a.ActionsSuppressor = strings.TrimPrefix(in.ActionsSuppressor, s.AlarmARN(""))
		if err := checkAlarmName("ActionsSuppressor", a.ActionsSuppressor); err != nil {
			return err
		}
		a.ActionsSuppressorWaitPeriod, a.ActionsSuppressorExtensionPeriod = *in.ActionsSuppressorWaitPeriod, *in.ActionsSuppressorExtensionPeriod
	case in.ActionsSuppressorWaitPeriod != nil || in.ActionsSuppressorExtensionPeriod != nil:
		return combination("ActionsSuppressorWaitPeriod and ActionsSuppressorExtensionPeriod need ActionsSuppressor.")
	}
	// A rule may not lead back to this alarm through other composites.
	all, err := s.alarms.ListAlarms(ctx, AlarmQuery{})
	if err != nil {
		return internal(err)
	}
	if s.reaches(all, rule.alarms(nil), in.AlarmName) {
		return invalid("The AlarmRule of %s makes a cycle of composite alarms.", in.AlarmName)
	}
	return s.upsert(ctx, a)
}

// reaches reports whether target is among names or the alarms their
// composite rules name, recursively.
func (s *Service) reaches(all []*Alarm, names []string, target string) bool {
	byName := make(map[string]*Alarm, len(all))
	for _, a := range all {
		byName[a.Name] = a
	}
	seen := map[string]bool{}
	for len(names) > 0 {
		n := names[len(names)-1]
		names = names[:len(names)-1]
		if n == target {
			return true
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		if a := byName[n]; a != nil && a.Type == AlarmTypeComposite {
			if r, ok := parseRule(a.AlarmRule, s.AlarmARN("")); ok {
				names = r.alarms(names)
			}
		}
	}
	return false
}

// evaluateComposite evaluates a composite alarm's rule.
func (s *Service) evaluateComposite(ctx context.Context, a *Alarm, now, next time.Time) error {
	rule, ok := parseRule(a.AlarmRule, s.AlarmARN(""))
	if !ok {
		return s.alarms.Reschedule(ctx, a.Name, a.Version, next)
	}
	children, err := s.alarms.ListAlarms(ctx, AlarmQuery{Names: rule.alarms(nil)})
	if err != nil {
		return err
	}
	byName := make(map[string]*Alarm, len(children))
	for _, c := range children {
		byName[c.Name] = c
	}
	value := StateOK
	if rule.eval(func(n string) string {
		if c := byName[n]; c != nil {
			return c.State.Value
		}
		return ""
	}) {
		value = StateAlarm
	}
	if value == a.State.Value {
		return s.alarms.Reschedule(ctx, a.Name, a.Version, next)
	}
	// The triggering children: those in the composite's new state (all when
	// none is), the latest transition first.
	if in := slices.DeleteFunc(slices.Clone(children), func(c *Alarm) bool { return c.State.Value != value }); len(in) > 0 {
		children = in
	}
	slices.SortStableFunc(children, func(x, y *Alarm) int { return y.State.Transitioned.Compare(x.State.Transitioned) })
	reason := "The alarm rule evaluated to " + map[bool]string{true: "TRUE", false: "FALSE"}[value == StateAlarm] + "."
	type trig struct {
		ARN   string `json:"arn"`
		State struct {
			Value     string `json:"value"`
			Timestamp string `json:"timestamp"`
		} `json:"state"`
	}
	data := struct {
		TriggeringAlarms []trig `json:"triggeringAlarms"`
	}{TriggeringAlarms: []trig{}}
	for i, c := range children {
		if i == 0 {
			reason = s.AlarmARN(c.Name) + " transitioned to " + c.State.Value + " at " + c.State.Transitioned.UTC().Format("Monday 02 January, 2006 15:04:05 UTC")
		}
		t := trig{ARN: s.AlarmARN(c.Name)}
		t.State.Value, t.State.Timestamp = c.State.Value, awsTime(c.State.Transitioned)
		data.TriggeringAlarms = append(data.TriggeringAlarms, t)
	}
	return s.transition(ctx, a, value, reason, marshal(data), next)
}

// wakeParents makes the composite alarms whose rules name an alarm due
// now.
func (s *Service) wakeParents(ctx context.Context, name string, now time.Time) {
	for _, p := range s.parents(ctx, name) {
		_ = s.alarms.Reschedule(ctx, p.Name, p.Version, now)
	}
}

// parents returns the composite alarms whose rules name an alarm.
func (s *Service) parents(ctx context.Context, name string) []*Alarm {
	all, err := s.alarms.ListAlarms(ctx, AlarmQuery{})
	if err != nil {
		s.log.Warn("cloudwatch: listing composite alarms failed", "err", err)
		return nil
	}
	var out []*Alarm
	for _, a := range all {
		if a.Type != AlarmTypeComposite {
			continue
		}
		if r, ok := parseRule(a.AlarmRule, s.AlarmARN("")); ok && slices.Contains(r.alarms(nil), name) {
			out = append(out, a)
		}
	}
	return out
}

// suppressed reports whether a composite alarm's actions are suppressed
// (its ActionsSuppressor is in ALARM).
func (s *Service) suppressed(ctx context.Context, a *Alarm) bool {
	if a.ActionsSuppressor == "" {
		return false
	}
	sup, err := s.alarms.GetAlarm(ctx, a.ActionsSuppressor)
	return err == nil && sup != nil && sup.State.Value == StateAlarm
}
