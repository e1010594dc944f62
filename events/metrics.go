package events

import (
	"context"
	"sort"
	"time"
)

// Rule metrics (namespace AWS/Events) are counted per rule and minute in
// the store, in the same transaction as what they count: MatchedEvents and
// TriggeredRules when deliveries are written, Invocations and the failure
// counters when deliveries finish. The CloudWatch service reads them with
// Metrics.

type metricKey struct {
	bus, rule, name string
	minute          int64
}

// mergeMetrics adds up increments with the same key.
func mergeMetrics(ms []Metric) []Metric {
	if len(ms) < 2 {
		return ms
	}
	sum := make(map[metricKey]int64, len(ms))
	for _, m := range ms {
		sum[metricKey{m.Bus, m.Rule, m.Name, m.Minute.UnixMilli()}] += m.Value
	}
	out := make([]Metric, 0, len(sum))
	for k, v := range sum {
		out = append(out, Metric{Bus: k.bus, Rule: k.rule, Name: k.name, Minute: time.UnixMilli(k.minute).UTC(), Value: v})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Bus != b.Bus {
			return a.Bus < b.Bus
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Minute.Before(b.Minute)
	})
	return out
}

// Metrics returns the counters of every rule (Rule "" for a bus) from the
// minute since on, for the CloudWatch service.
func (b *Buses) Metrics(ctx context.Context, since time.Time) ([]Metric, error) {
	ms, err := b.store.Metrics(ctx, since)
	return ms, internal(err)
}

// metricRetention is how long the counters are kept (CloudWatch's 1-minute
// resolution lasts 15 days).
const metricRetention = 15 * 24 * time.Hour
