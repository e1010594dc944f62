package cloudwatch

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// memStore is an in-memory Store for the domain's tests (the SQL stores
// are checked by storetest).
type memStore struct {
	mu      sync.Mutex
	metrics map[string]Metric
	buckets map[memBucket]Stats
	adds    int // AddPoints calls
}

type memBucket struct {
	key, unit string
	t         int64
	res       int
}

func newMemStore() *memStore {
	return &memStore{metrics: map[string]Metric{}, buckets: map[memBucket]Stats{}}
}

func (m *memStore) AddPoints(_ context.Context, metrics []Metric, points []Point) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.adds++
	for _, mt := range metrics {
		if old, ok := m.metrics[mt.Key]; ok && old.LastPut.After(mt.LastPut) {
			continue
		}
		m.metrics[mt.Key] = mt
	}
	for _, p := range points {
		if _, ok := m.metrics[p.Key]; !ok {
			panic("point of an unknown metric")
		}
		b := memBucket{p.Key, p.Unit, p.Time.Unix(), p.Resolution}
		st := m.buckets[b]
		st.Merge(p.Stats)
		m.buckets[b] = st
	}
	return nil
}

func (m *memStore) ReadPoints(_ context.Context, key string, res int, start, end time.Time, unit string, values bool) ([]Point, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Point
	for b, st := range m.buckets {
		t := time.Unix(b.t, 0).UTC()
		if b.key == key && b.res == res && (unit == "" || b.unit == unit) && !t.Before(start) && t.Before(end) {
			if !values {
				st.Values = nil
			}
			out = append(out, Point{Key: key, Unit: b.unit, Time: t, Resolution: res, Stats: st})
		}
	}
	slices.SortFunc(out, func(a, b Point) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Unit, b.Unit)
	})
	return out, nil
}

func (m *memStore) ListMetrics(_ context.Context, q MetricQuery) ([]Metric, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Metric
	for _, mt := range m.metrics {
		if q.Namespace != "" && mt.Namespace != q.Namespace || q.Name != "" && mt.Name != q.Name ||
			mt.LastPut.Before(q.ActiveSince) || q.After != "" && mt.Key <= q.After {
			continue
		}
		ok := true
		for _, f := range q.Dimensions {
			i := slices.IndexFunc(mt.Dimensions, func(d Dimension) bool { return d.Name == f.Name })
			if i < 0 || f.Value != nil && mt.Dimensions[i].Value != *f.Value {
				ok = false
			}
		}
		if ok {
			out = append(out, mt)
		}
	}
	slices.SortFunc(out, func(a, b Metric) int { return strings.Compare(a.Key, b.Key) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (m *memStore) PurgePoints(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	live := map[string]bool{}
	for b := range m.buckets {
		if time.Unix(b.t, 0).Before(now.Add(-Retention[b.res])) {
			delete(m.buckets, b)
			n++
			continue
		}
		live[b.key] = true
	}
	for k, mt := range m.metrics {
		if !live[k] && mt.LastPut.Before(now.Add(-MetricActiveFor)) {
			delete(m.metrics, k)
			n++
		}
	}
	return n, nil
}
