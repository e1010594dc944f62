package agent

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// Metrics: with Config.Metrics set the agent collects what the CloudWatch
// agent config asks for, each plugin (and procstat entry) at its interval,
// aligned to it; keeps the data in a bounded buffer; and sends it every
// FlushInterval, or as soon as agentproto.MaxMetricData are waiting, in
// batches of at most MaxMetricData (agentproto.PathMetrics). Network errors
// and 5xx are retried with backoff while the buffer keeps filling; when it
// is full the oldest data go. A batch the server refuses (4xx) is logged
// and dropped; a server without the endpoint (404) gets none for
// metricsUnsupportedRetry. Data still buffered when the agent stops is
// lost.

const (
	// metricsBufferMax bounds the data waiting to be sent.
	metricsBufferMax = 10 * agentproto.MaxMetricData
	// metricsBatchBytes bounds a batch's estimated JSON size (the server
	// reads bodies up to 1 MiB).
	metricsBatchBytes = 512 << 10
	// metricsUnsupportedRetry is how long metrics are dropped after a
	// server answered that it takes none.
	metricsUnsupportedRetry = 10 * time.Minute
)

// metricsBuffer is the bounded queue between collection and sending.
type metricsBuffer struct {
	max   int
	ready chan struct{} // signalled when a full batch is waiting

	mu      sync.Mutex
	data    []agentproto.MetricDatum
	dropped int // since takeDropped
}

func newMetricsBuffer(max int) *metricsBuffer {
	return &metricsBuffer{max: max, ready: make(chan struct{}, 1)}
}

// add queues data, dropping the oldest beyond max.
func (b *metricsBuffer) add(data []agentproto.MetricDatum) {
	if len(data) == 0 {
		return
	}
	b.mu.Lock()
	b.data = append(b.data, data...)
	if over := len(b.data) - b.max; over > 0 {
		n := copy(b.data, b.data[over:])
		clear(b.data[n:])
		b.data = b.data[:n]
		b.dropped += over
	}
	full := len(b.data) >= agentproto.MaxMetricData
	b.mu.Unlock()
	if full {
		select {
		case b.ready <- struct{}{}:
		default:
		}
	}
}

// take removes and returns the oldest data: at most MaxMetricData, and no
// more than maxBytes by estimate (at least one datum).
func (b *metricsBuffer) take(maxBytes int) []agentproto.MetricDatum {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, size := 0, 0
	for n < len(b.data) && n < agentproto.MaxMetricData {
		size += datumSize(&b.data[n])
		if n > 0 && size > maxBytes {
			break
		}
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]agentproto.MetricDatum, n)
	copy(out, b.data)
	rest := copy(b.data, b.data[n:])
	clear(b.data[rest:])
	b.data = b.data[:rest]
	return out
}

func (b *metricsBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.data)
}

// takeDropped returns how many data were dropped since the last call.
func (b *metricsBuffer) takeDropped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.dropped
	b.dropped = 0
	return n
}

// datumSize estimates a datum's JSON size.
func datumSize(d *agentproto.MetricDatum) int {
	n := 120 + len(d.MetricName) + len(d.Unit)
	for _, dim := range d.Dimensions {
		n += 30 + len(dim.Name) + len(dim.Value)
	}
	return n
}

// metricsSender delivers the buffer's data.
type metricsSender struct {
	namespace string
	buf       *metricsBuffer
	send      func(ctx context.Context, req agentproto.MetricsRequest) error
	fatal     func(error) // the server refuses the node: stop the agent
	log       *slog.Logger
	now       func() time.Time
	bo        backoff

	unsupportedUntil time.Time
}

// flush sends everything buffered, batch by batch, until the buffer is
// empty or ctx ends.
func (s *metricsSender) flush(ctx context.Context) {
	if n := s.buf.takeDropped(); n > 0 {
		s.log.Warn("metrics buffer full: the oldest data were dropped", "dropped", n)
	}
	for ctx.Err() == nil {
		batch := s.buf.take(metricsBatchBytes)
		if len(batch) == 0 {
			return
		}
		s.deliver(ctx, batch)
	}
}

// deliver sends one batch, retrying network errors and 5xx with backoff
// until the server answers otherwise or ctx ends.
func (s *metricsSender) deliver(ctx context.Context, batch []agentproto.MetricDatum) {
	if s.now().Before(s.unsupportedUntil) {
		return
	}
	req := agentproto.MetricsRequest{Namespace: s.namespace, Data: batch}
	for {
		err := s.send(ctx, req)
		var se *ServerError
		switch {
		case err == nil:
			s.bo.reset()
			return
		case ctx.Err() != nil:
			return
		case fatal(err) != nil:
			s.fatal(fatal(err))
			return
		case errors.As(err, &se) && se.StatusCode == http.StatusNotFound:
			s.log.Warn("the server does not accept agent metrics; dropping them for a while", "retry_in", metricsUnsupportedRetry, "err", err)
			s.unsupportedUntil = s.now().Add(metricsUnsupportedRetry)
			return
		case serverDown(err):
			wait := s.bo.next()
			s.log.Debug("sending metrics failed; retrying", "err", err, "wait", wait, "data", len(batch))
			if !sleep(ctx, wait) {
				return
			}
		default:
			s.log.Warn("the server refused a batch of metrics; dropping it", "data", len(batch), "err", err)
			return
		}
	}
}

// metricsRunner collects on schedule and sends.
type metricsRunner struct {
	cfg    *MetricsConfig
	cols   []*collector
	buf    *metricsBuffer
	sender *metricsSender
	root   string // /proc
}

// newMetricsRunner builds the collectors of cfg for node nodeID.
func newMetricsRunner(cfg *MetricsConfig, nodeID string, sender *metricsSender) *metricsRunner {
	var global []agentproto.Dimension
	if cfg.InstanceID {
		global = append(global, agentproto.Dimension{Name: agentproto.DimensionInstanceID, Value: nodeID})
	}
	if cfg.Host != "" {
		global = append(global, agentproto.Dimension{Name: "host", Value: cfg.Host})
	}
	m := &metricsRunner{cfg: cfg, buf: sender.buf, sender: sender, root: "/proc"}
	for _, p := range cfg.Procstat {
		m.cols = append(m.cols, &collector{name: "procstat " + p.Selector + " " + p.Value, interval: p.Interval, collect: procstatCollector(p, global)})
	}
	if c := cfg.CPU; c != nil {
		m.cols = append(m.cols, &collector{name: "cpu", interval: c.Interval, collect: cpuCollector(c, global, m.root)})
	}
	if c := cfg.Mem; c != nil {
		m.cols = append(m.cols, &collector{name: "mem", interval: c.Interval, collect: memCollector(c, global, m.root)})
	}
	if c := cfg.Disk; c != nil {
		m.cols = append(m.cols, &collector{name: "disk", interval: c.Interval, collect: diskCollector(c, global, m.root)})
	}
	return m
}

// collectDue runs every collector due at or before at and queues the data.
func (m *metricsRunner) collectDue(at time.Time) {
	r := &round{at: at, root: m.root, self: os.Getpid()}
	for _, c := range m.cols {
		if c.next.After(at) {
			continue
		}
		c.collect(r)
		c.next = c.next.Add(c.interval)
		if now := time.Now(); !c.next.After(now) { // fell behind: skip to the next slot
			c.next = now.Truncate(c.interval).Add(c.interval)
		}
	}
	m.buf.add(r.data)
}

// run collects until ctx ends; the sender runs in its own goroutine.
func (m *metricsRunner) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		t := time.NewTicker(m.cfg.FlushInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-m.buf.ready:
			}
			m.sender.flush(ctx)
		}
	})
	if len(m.cols) == 0 {
		<-ctx.Done()
		return
	}
	start := time.Now()
	for _, c := range m.cols {
		c.next = start.Truncate(c.interval).Add(c.interval)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := m.cols[0].next
		for _, c := range m.cols[1:] {
			if c.next.Before(next) {
				next = c.next
			}
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		m.collectDue(next)
	}
}

// runMetrics is the agent's metrics goroutine (Config.Metrics set).
func (a *Agent) runMetrics(ctx context.Context) {
	cfg := a.cfg.Metrics
	for _, w := range cfg.Warnings {
		a.log.Warn("metrics config: " + w)
	}
	sender := &metricsSender{
		namespace: cfg.Namespace, buf: newMetricsBuffer(metricsBufferMax), log: a.log, now: a.now,
		bo: backoff{min: a.cfg.BackoffMin, max: a.cfg.BackoffMax},
		send: func(ctx context.Context, req agentproto.MetricsRequest) error {
			return a.c.call(ctx, agentproto.PathMetrics, a.cfg.RequestTimeout, req, nil)
		},
		fatal: a.failWith,
	}
	m := newMetricsRunner(cfg, a.id.NodeID, sender)
	a.log.Info("collecting metrics", "namespace", cfg.Namespace, "collectors", len(m.cols), "flush_interval", cfg.FlushInterval)
	m.run(ctx)
}
