package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/events/input"
	"github.com/stewardhq/steward/events/pattern"
)

// PutEvents and TestEventPattern, and the one path every event takes into a
// bus (PutEvents, the outbox, schedules, bus-to-bus forwards): build the
// envelope, match it against the bus's pattern set, and write one delivery
// row per matched target.
//
// Choices where AWS is unclear or unhelpful: an entry for an event bus that
// does not exist fails with ResourceNotFoundException instead of being
// accepted and silently dropped (AWS's behaviour, a long-standing user
// complaint: aws/aws-sdk#186); the size limit is the request's entries
// together, computed as AWS documents (Time 14 bytes, then the UTF-8 bytes
// of Source, DetailType, Detail and each Resource).

// PutEventsEntry is one PutEvents entry. Nil members were absent.
type PutEventsEntry struct {
	Time         *time.Time
	Source       *string
	Resources    []string
	DetailType   *string
	Detail       *string
	EventBusName *string
	TraceHeader  *string
}

// PutEventsResult is the outcome of one entry: an EventID, or an error.
type PutEventsResult struct {
	EventID      string
	ErrorCode    string
	ErrorMessage string
}

// entrySize is an entry's size as AWS computes it.
func entrySize(e *PutEventsEntry) int {
	n := 0
	if e.Time != nil {
		n += 14
	}
	n += len(deref(e.Source)) + len(deref(e.DetailType)) + len(deref(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// PutEvents puts custom events on buses. It answers after the deliveries of
// the accepted events are committed; entries fail one by one (HTTP 200 with
// ErrorCode), the request only for its size or entry count.
func (b *Buses) PutEvents(ctx context.Context, entries []PutEventsEntry) ([]PutEventsResult, error) {
	if len(entries) < 1 || len(entries) > maxPutEventsEntries {
		return nil, steward.Validation("1 validation error detected: Value '%d entries' at 'entries' failed to satisfy constraint: Member must have length between 1 and %d", len(entries), maxPutEventsEntries)
	}
	total := 0
	for i := range entries {
		total += entrySize(&entries[i])
	}
	if total > maxPutEventsBytes {
		return nil, steward.Validation("Total size of the entries in the request is over the limit.")
	}
	now := b.now()
	out := make([]PutEventsResult, len(entries))
	var in Ingest
	var accepted []int
	for i := range entries {
		ev, bus, res := b.acceptEntry(ctx, &entries[i], now)
		if res.ErrorCode != "" {
			out[i] = res
			continue
		}
		if err := b.route(&in, bus, ev, now, 0); err != nil {
			out[i] = PutEventsResult{ErrorCode: steward.CodeInternalFailure, ErrorMessage: "An internal error occurred."}
			b.log.Error("events: matching an event", "err", err)
			continue
		}
		out[i].EventID = ev.id
		accepted = append(accepted, i)
	}
	if err := b.commit(ctx, &in); err != nil {
		b.log.Error("events: storing PutEvents deliveries", "err", err)
		for _, i := range accepted {
			out[i] = PutEventsResult{ErrorCode: steward.CodeInternalFailure, ErrorMessage: "An internal error occurred."}
		}
	}
	return out, nil
}

// event is an event on its way into a bus.
type event struct {
	id  string
	raw []byte // the envelope, JSON
}

// acceptEntry validates an entry and builds its event.
func (b *Buses) acceptEntry(ctx context.Context, e *PutEventsEntry, now time.Time) (*event, string, PutEventsResult) {
	fail := func(code, format string, args ...any) (*event, string, PutEventsResult) {
		return nil, "", PutEventsResult{ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)}
	}
	switch {
	case e.Source == nil || *e.Source == "":
		return fail(CodeInvalidArgument, "Parameter Source is not valid. Reason: Source is a required argument.")
	case e.DetailType == nil || *e.DetailType == "":
		return fail(CodeInvalidArgument, "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
	case e.Detail == nil || *e.Detail == "":
		return fail(CodeInvalidArgument, "Parameter Detail is not valid. Reason: Detail is a required argument.")
	case !utf8.ValidString(*e.Source) || !utf8.ValidString(*e.DetailType):
		return fail(CodeInvalidArgument, "Parameter Source or DetailType is not valid UTF-8.")
	case e.TraceHeader != nil && (len(*e.TraceHeader) < 1 || len(*e.TraceHeader) > maxTraceHeader):
		return fail(CodeInvalidArgument, "Parameter TraceHeader is not valid.")
	case strings.HasPrefix(*e.Source, "aws.") && !b.opts.AllowAWSSources:
		return fail(CodeNotAuthorizedForSource, "Not authorized for the source.")
	}
	for _, r := range e.Resources {
		if len(r) > maxResourceLength {
			return fail(CodeInvalidArgument, "Parameter Resources is not valid. Reason: a resource is longer than %d characters.", maxResourceLength)
		}
	}
	detail, ok := compactObject(*e.Detail)
	if !ok {
		return fail(CodeMalformedDetail, "Detail is malformed.")
	}
	bus := DefaultBus
	if e.EventBusName != nil {
		if !putEventsBusName.re.MatchString(*e.EventBusName) || len(*e.EventBusName) > maxARN {
			return fail(CodeInvalidArgument, "Parameter EventBusName is not valid.")
		}
		bus = b.busFromARN(*e.EventBusName)
	}
	if !b.busKnown(ctx, bus) {
		return fail(CodeResourceNotFound, "Event bus %s does not exist.", shownBus(bus))
	}
	t := now
	if e.Time != nil {
		t = *e.Time
	}
	id := uuid.NewString()
	return &event{id: id, raw: envelope(id, *e.DetailType, *e.Source, b.opts.Account, t, b.opts.Region, e.Resources, detail)}, bus, PutEventsResult{}
}

// busKnown reports whether a bus exists (the router knows every bus with
// rules; others are looked up).
func (b *Buses) busKnown(ctx context.Context, bus string) bool {
	if bus == DefaultBus {
		return true
	}
	b.router.mu.RLock()
	_, ok := b.router.buses[bus]
	b.router.mu.RUnlock()
	if ok {
		return true
	}
	_, err := b.store.GetBus(ctx, bus)
	return err == nil
}

// compactObject returns the minified form of a JSON object text.
func compactObject(s string) ([]byte, bool) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") {
		return nil, false
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(t)); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// envelope renders an event as EventBridge delivers it. Strings are escaped
// as JSON requires and no more (no \u003c for <), like AWS.
func envelope(id, detailType, source, account string, t time.Time, region string, resources []string, detail []byte) []byte {
	out := make([]byte, 0, 160+len(detailType)+len(source)+len(detail)+64*len(resources))
	out = append(out, `{"version":"0","id":`...)
	out = input.AppendString(out, id)
	out = append(out, `,"detail-type":`...)
	out = input.AppendString(out, detailType)
	out = append(out, `,"source":`...)
	out = input.AppendString(out, source)
	out = append(out, `,"account":`...)
	out = input.AppendString(out, account)
	out = append(out, `,"time":`...)
	out = input.AppendString(out, t.UTC().Format(time.RFC3339))
	out = append(out, `,"region":`...)
	out = input.AppendString(out, region)
	out = append(out, `,"resources":[`...)
	for i, r := range resources {
		if i > 0 {
			out = append(out, ',')
		}
		out = input.AppendString(out, r)
	}
	out = append(out, `],"detail":`...)
	out = append(out, detail...)
	return append(out, '}')
}

// route matches an event on a bus and adds one delivery per matched target
// to in, with the rules' metrics.
func (b *Buses) route(in *Ingest, bus string, ev *event, now time.Time, hops int) error {
	rules, err := b.router.match(bus, ev.raw)
	if err != nil {
		return err
	}
	minute := now.Truncate(time.Minute)
	if len(rules) > 0 {
		in.Metrics = append(in.Metrics, Metric{Bus: bus, Name: MetricMatchedEvents, Minute: minute, Value: 1})
	}
	for _, rs := range rules {
		in.addFire(rs, ev, now, hops)
	}
	return nil
}

// addFire adds the deliveries of one triggered rule: one per target.
func (in *Ingest) addFire(rs *ruleState, ev *event, now time.Time, hops int) {
	minute := now.Truncate(time.Minute)
	in.Metrics = append(in.Metrics,
		Metric{Bus: rs.rec.Bus, Rule: rs.rec.Name, Name: MetricMatchedEvents, Minute: minute, Value: 1},
		Metric{Bus: rs.rec.Bus, Rule: rs.rec.Name, Name: MetricTriggeredRules, Minute: minute, Value: 1})
	for _, t := range rs.targets {
		in.Deliveries = append(in.Deliveries, &Delivery{
			Bus: rs.rec.Bus, Rule: rs.rec.Name, TargetID: t.ID, EventID: ev.id, Event: ev.raw,
			IngestedAt: now, Hops: hops, DueAt: now,
		})
	}
}

// commit writes an ingest (metrics merged) and hands its deliveries to the
// engine. Nothing to write is no write.
func (b *Buses) commit(ctx context.Context, in *Ingest) error {
	if len(in.Deliveries) == 0 && len(in.Metrics) == 0 && in.Fire == nil {
		return nil
	}
	in.Metrics = mergeMetrics(in.Metrics)
	in.LeaseUntil = b.now().Add(b.opts.Lease)
	if err := b.store.Ingest(ctx, in); err != nil {
		return err
	}
	b.engine.submit(in.Deliveries...)
	return nil
}

// TestEventPattern reports whether a pattern matches an event. The event
// must be a whole envelope (id, account, source, time, region, detail-type,
// resources).
func (b *Buses) TestEventPattern(ctx context.Context, eventPattern, ev string) (bool, error) {
	var f fieldErrors
	f.length(eventPattern, "eventPattern", 0, maxEventPattern)
	if err := f.err(); err != nil {
		return false, err
	}
	p, err := pattern.Compile([]byte(eventPattern))
	if err != nil {
		return false, patternError(err)
	}
	if !validEnvelope(ev) {
		return false, steward.Validation("Parameter Event is not valid.")
	}
	ok, err := p.Match([]byte(ev))
	if err != nil {
		return false, steward.Validation("Parameter Event is not valid.")
	}
	return ok, nil
}

// validEnvelope checks that a test event has the envelope's fields.
func validEnvelope(ev string) bool {
	var env struct {
		ID         *string   `json:"id"`
		Account    *string   `json:"account"`
		Source     *string   `json:"source"`
		Time       *string   `json:"time"`
		Region     *string   `json:"region"`
		DetailType *string   `json:"detail-type"`
		Resources  *[]string `json:"resources"`
	}
	if err := json.Unmarshal([]byte(ev), &env); err != nil {
		return false
	}
	if env.ID == nil || env.Account == nil || env.Source == nil || env.Time == nil || env.Region == nil || env.DetailType == nil || env.Resources == nil {
		return false
	}
	_, err := time.Parse(time.RFC3339, *env.Time)
	return err == nil
}
