package cloudwatch

import (
	"context"
	"errors"
	"time"

	"github.com/stewardhq/steward"
)

// The alarm engine: a loop, started by Open and stopped by Close, that
// claims due alarms (AlarmStore.ClaimDue: each alarm stores when it is next
// due, so several servers on one PostgreSQL database share the work
// without evaluating an alarm twice), evaluates them (Evaluate, over data
// read like GetMetricStatistics / GetMetricData) and stores transitions.
//
// Standard alarms are due every minute, high-resolution ones (period under
// 60 s) every 10 s; a new or updated alarm is due at once. A transition is
// one transaction: the new state, a StateUpdate history item and the
// "CloudWatch Alarm State Change" event in the outbox. Actions (SNS) are
// published after that transaction commits, each recorded as an Action
// history item; a crash in between loses the notification, not the state
// change or the event.
//
// The loop wakes every alarmTick (wall time) and reads the injected clock,
// so tests that drive a fake clock call EvaluateAlarms themselves.

const (
	alarmTick       = time.Second
	alarmLease      = 30 * time.Second
	alarmBatch      = 50
	historyPurgeGap = time.Hour
)

type alarmEngine struct {
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// wake asks the loop to look for due alarms now.
func (e *alarmEngine) wake() {
	if e.kick == nil {
		return
	}
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Open starts the alarm engine (when alarms are on). Close stops it.
func (s *Service) Open(ctx context.Context) error {
	if s.alarms == nil || s.engine.done != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.engine.kick = make(chan struct{}, 1)
	s.engine.cancel = cancel
	s.engine.done = make(chan struct{})
	go func() {
		defer close(s.engine.done)
		tick := time.NewTicker(alarmTick)
		defer tick.Stop()
		var purged time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-s.engine.kick:
			}
			if _, err := s.EvaluateAlarms(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("cloudwatch: evaluating alarms failed; trying again", "err", err)
			}
			if now := s.env.Clock.Now(); now.Sub(purged) >= historyPurgeGap {
				purged = now
				if _, err := s.alarms.PurgeHistory(ctx, now.Add(-AlarmLimits.HistoryRetention)); err != nil && ctx.Err() == nil {
					s.log.Warn("cloudwatch: purging alarm history failed", "err", err)
				}
			}
		}
	}()
	return nil
}

// Close stops the alarm engine and waits for it.
func (s *Service) Close() error {
	if s.engine.done == nil {
		return nil
	}
	s.engine.cancel()
	<-s.engine.done
	return nil
}

// EvaluateAlarms evaluates every due alarm and returns how many it
// evaluated.
func (s *Service) EvaluateAlarms(ctx context.Context) (int, error) {
	if s.alarms == nil {
		return 0, nil
	}
	n := 0
	for round := 0; round < 100; round++ { // bounded: composite alarms wake their parents
		now := s.env.Clock.Now().UTC()
		due, err := s.alarms.ClaimDue(ctx, now, now.Add(alarmLease), alarmBatch)
		if err != nil {
			return n, err
		}
		for _, a := range due {
			if err := s.evaluate(ctx, a, now); err != nil {
				if ctx.Err() != nil {
					return n, ctx.Err()
				}
				s.log.Warn("cloudwatch: alarm evaluation failed", "alarm", a.Name, "err", err)
			}
			n++
		}
		if len(due) == 0 {
			break
		}
	}
	return n, nil
}

// evaluationInterval is how often an alarm is evaluated.
func (a *Alarm) evaluationInterval() time.Duration {
	if a.Type != AlarmTypeComposite && a.period() < 60 {
		return 10 * time.Second
	}
	return time.Minute
}

func (s *Service) evaluate(ctx context.Context, a *Alarm, now time.Time) error {
	iv := a.evaluationInterval()
	next := now.Truncate(iv).Add(iv)
	if a.Type == AlarmTypeComposite {
		return s.evaluateComposite(ctx, a, now, next)
	}
	in, err := s.alarmInput(ctx, a, now)
	if err != nil {
		_ = s.alarms.Reschedule(ctx, a.Name, a.Version, next)
		return err
	}
	res := Evaluate(in)
	if !res.Changed {
		return s.alarms.Reschedule(ctx, a.Name, a.Version, next)
	}
	err = s.transition(ctx, a, res.State, res.Reason, s.reasonData(a, now, res), next)
	if errors.Is(err, ErrAlarmConflict) {
		return nil // changed meanwhile; the writer made it due again
	}
	return err
}

// alarmInput reads the evaluation range: N+2 periods ending at the start
// of the current (incomplete) period.
func (s *Service) alarmInput(ctx context.Context, a *Alarm, now time.Time) (EvalInput, error) {
	p := a.period()
	n := a.EvaluationPeriods
	span := time.Duration(p) * time.Second
	end := time.Unix(now.Unix()/int64(p)*int64(p), 0).UTC()
	rng := n + 2
	start := end.Add(-time.Duration(rng) * span)
	in := EvalInput{N: n, M: a.DatapointsToAlarm, MofN: a.DatapointsToAlarm > 0, Comparison: a.ComparisonOperator,
		Threshold: a.Threshold, TreatMissing: a.TreatMissingData, IgnoreLowSamp: a.EvaluateLowSampleCountPercentile == "ignore",
		State: a.State.Value, Points: make([]EvalPoint, rng)}
	if a.Namespace == "AWS/DynamoDB" {
		in.TreatMissing = MissingIgnore // as in CloudWatch (reference B5)
	}
	for i := range in.Points {
		in.Points[i].Time = start.Add(time.Duration(i) * span)
	}
	slot := func(t time.Time) int {
		d := t.Sub(start)
		if d < 0 || d%span != 0 {
			return -1
		}
		if i := int(d / span); i < rng {
			return i
		}
		return -1
	}
	if len(a.Metrics) > 0 {
		out, err := s.GetMetricData(ctx, GetMetricDataInput{Queries: a.Metrics, StartTime: start, EndTime: end, ScanBy: ScanAscending})
		if err != nil {
			return in, err
		}
		for _, r := range out.Results {
			for j, t := range r.Timestamps {
				if i := slot(t); i >= 0 {
					in.Points[i].Present, in.Points[i].Value = true, r.Values[j]
				}
			}
		}
		return in, nil
	}
	name := a.Statistic
	if name == "" {
		name = a.ExtendedStatistic
	}
	st, ok := parseStat(name)
	if !ok {
		return in, invalid("The statistic %s is not valid.", name)
	}
	w := plan(now, start, end, p)
	points, err := s.read(ctx, MetricKey(a.Namespace, a.MetricName, a.Dimensions), w, a.Unit, st.basic == nil)
	if err != nil {
		return in, err
	}
	for _, ps := range w.aggregate(points, false, st.basic == nil) {
		v, ok := st.value(ps.stats)
		i := slot(ps.t)
		if !ok || i < 0 {
			continue
		}
		pt := &in.Points[i]
		pt.Present, pt.Value, pt.SampleCount = true, v, ps.stats.Count
		if st.basic == nil && st.ext.kind == extPercentile {
			pt.LowSample = lowSample(st.ext.p, ps.stats.Count)
		}
	}
	return in, nil
}

// transition stores a new state value with its history item and event,
// then runs the actions. An unchanged value only updates the reason.
func (s *Service) transition(ctx context.Context, a *Alarm, value, reason, data string, next time.Time) error {
	now := s.env.Clock.Now().UTC()
	b := *a
	b.NextEvaluation = next
	if value == a.State.Value {
		b.State.Reason, b.State.ReasonData, b.State.Updated = reason, data, now
		return s.alarms.Write(ctx, AlarmWrite{Put: &b, Expect: a.Version})
	}
	b.State = AlarmState{Value: value, Reason: reason, ReasonData: data, Updated: now, Transitioned: now}
	w := AlarmWrite{Put: &b, Expect: a.Version,
		History: []HistoryItem{s.stateHistory(a, &b, now)},
		Events:  []*steward.Event{s.stateEvent(a, &b, now)},
	}
	if err := s.alarms.Write(ctx, w); err != nil {
		if errors.Is(err, ErrAlarmConflict) {
			return err
		}
		return steward.Internal(err)
	}
	if b.ActionsEnabled && !s.suppressed(ctx, &b) {
		s.runActions(ctx, a, &b, now)
	}
	s.wakeParents(ctx, b.Name, now)
	s.engine.wake()
	return nil
}

// runActions publishes the SNS notification to each action of the new
// state and records each outcome.
func (s *Service) runActions(ctx context.Context, old, a *Alarm, now time.Time) {
	var arns []string
	switch a.State.Value {
	case StateAlarm:
		arns = a.AlarmActions
	case StateOK:
		arns = a.OKActions
	case StateInsufficientData:
		arns = a.InsufficientDataActions
	}
	if len(arns) == 0 {
		return
	}
	subject := a.State.Value + `: "` + a.Name + `" in ` + RegionName(s.env.Region)
	if r := []rune(subject); len(r) > 99 { // SNS subjects are under 100 characters
		subject = string(r[:99])
	}
	msg := s.snsMessage(old, a)
	var hist []HistoryItem
	for _, arn := range arns {
		var err error
		if s.publisher == nil {
			err = errors.New("no SNS publisher")
		} else {
			err = s.publisher.PublishAlarm(ctx, arn, subject, msg)
		}
		if err != nil {
			s.log.Warn("cloudwatch: alarm action failed", "alarm", a.Name, "action", arn, "err", err)
		}
		hist = append(hist, s.actionHistory(a, arn, msg, err, s.env.Clock.Now().UTC()))
	}
	if err := s.alarms.Write(context.WithoutCancel(ctx), AlarmWrite{History: hist}); err != nil {
		s.log.Warn("cloudwatch: recording alarm actions failed", "alarm", a.Name, "err", err)
	}
}

// RegionName is a region's display name as alarm notifications print it
// ("US East (N. Virginia)"); unknown regions print their code.
func RegionName(code string) string {
	if n, ok := regionNames[code]; ok {
		return n
	}
	return code
}

var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
	"us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
	"af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
	"ap-south-1": "Asia Pacific (Mumbai)", "ap-northeast-1": "Asia Pacific (Tokyo)",
	"ap-northeast-2": "Asia Pacific (Seoul)", "ap-northeast-3": "Asia Pacific (Osaka)",
	"ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
	"ca-central-1": "Canada (Central)", "eu-central-1": "EU (Frankfurt)",
	"eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)", "eu-west-3": "EU (Paris)",
	"eu-north-1": "EU (Stockholm)", "eu-south-1": "EU (Milan)",
	"me-south-1": "Middle East (Bahrain)", "sa-east-1": "South America (Sao Paulo)",
}
