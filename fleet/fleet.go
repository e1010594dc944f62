// Package fleet is the server side of the agent channel: the HTTP endpoints
// under agentproto.PathPrefix that steward-agent talks to. It authenticates
// every request but registration with the node's Ed25519 key, holds long
// polls until there is work (Hub.Wake) or agentproto.PollWait passes, and
// records when each node was last heard from, persisting those times in
// batches once a second.
//
// fleet is transport only: registration, keys and liveness belong to a
// Registry (*ssm.Nodes), commands to Work (*ssm.Commands), the metric
// data agents publish to Metrics (CloudWatch; optional). All are declared
// here, where they are used, and filled in by the server.
//
// Lifecycle: New → Open (starts the flusher) → Close (releases held polls,
// stops the flusher, flushes what is left). Serving before Open works but
// nothing is persisted until Open.
//
// Every request but registration is authenticated: a Session request with
// the node's Ed25519 key, the others with the key or, cheaper, an HMAC in a
// session (agentproto.Session).
//
// Locks: Hub.mu (held polls), Hub.seenMu (last-seen times), Hub.keysMu
// (the key cache) and the session table's lock are never held together.
package fleet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
)

// Registry is what the agent channel needs from the node registry.
//
// Register registers a node (errors carry agentproto codes:
// InvalidActivation, ActivationExpired, ActivationLimitReached,
// BadRequest). NodeKey returns a node's public key: Unauthorized for an
// unknown node; for a deregistered node the key with a Deregistered error.
// Heartbeat stores the facts a node reports. Touch persists last-seen times
// in one transaction.
type Registry interface {
	Register(ctx context.Context, req agentproto.RegisterRequest) (agentproto.RegisterResponse, error)
	NodeKey(ctx context.Context, nodeID string) (ed25519.PublicKey, error)
	Heartbeat(ctx context.Context, nodeID string, facts agentproto.Facts) error
	Touch(ctx context.Context, seen map[string]time.Time) error
}

// Work is what the agent channel needs from Run Command. nodeID is the
// authenticated node: an implementation serves only that node's work and
// answers NotFound for anything else.
//
// Poll returns the messages waiting for the node now (none is not an
// error); the hub holds the poll and asks again after a wake.
type Work interface {
	Poll(ctx context.Context, nodeID string, req agentproto.PollRequest) ([]agentproto.Message, error)
	Ack(ctx context.Context, nodeID string, req agentproto.AckRequest) error
	Output(ctx context.Context, nodeID string, req agentproto.OutputRequest) error
	Result(ctx context.Context, nodeID string, req agentproto.ResultRequest) error
	Parameters(ctx context.Context, nodeID string, req agentproto.ParametersRequest) (agentproto.ParametersResponse, error)
	Document(ctx context.Context, nodeID string, req agentproto.DocumentRequest) (agentproto.DocumentResponse, error)
}

// Metrics is what the agent channel needs from CloudWatch metrics.
// PutNodeMetrics stores a batch a node published; nodeID is the
// authenticated node, and the hub has already refused data whose
// InstanceId dimension names another node. A request CloudWatch refuses is
// a steward.Error with agentproto.CodeBadRequest (or steward.CodeValidation)
// and a message for the agent; anything else is an internal failure.
type Metrics interface {
	PutNodeMetrics(ctx context.Context, nodeID string, req agentproto.MetricsRequest) error
}

// Defaults of Options.
const (
	DefaultFlushInterval = time.Second
	// DefaultKeyTTL bounds how long a cached node key is trusted: a
	// deregistered node is refused at most this long after deregistration.
	DefaultKeyTTL = 5 * time.Second
	// flushTimeout bounds one background flush.
	flushTimeout = 10 * time.Second
	// keyForget drops cache entries of nodes not heard from for this long.
	keyForget = time.Minute
)

// Body limits.
const (
	maxBody       = 1 << 20 // every request but output and result
	maxOutputBody = 4 << 20 // output chunks and results carry command output
)

// Options configure a Hub. Registry and Work are required.
type Options struct {
	Registry Registry
	Work     Work
	// Metrics stores the data agents publish (agentproto.PathMetrics);
	// nil answers that path NotFound, as a server without it would.
	Metrics Metrics
	Clock   steward.Clock // signature windows, last-seen times, key TTL
	Logger  *slog.Logger
	// PollWait is how long a poll is held without work
	// (agentproto.PollWait).
	PollWait time.Duration
	// FlushInterval is how often last-seen times are persisted
	// (DefaultFlushInterval).
	FlushInterval time.Duration
	// KeyTTL is how long a node key is cached (DefaultKeyTTL).
	KeyTTL time.Duration
	// Tick, when set, drives the flushes instead of a ticker of
	// FlushInterval (tests).
	Tick <-chan time.Time
}

// Hub serves the agent channel. It implements http.Handler for the paths
// under agentproto.PathPrefix and ssm.Notifier (Wake).
type Hub struct {
	reg   Registry
	work  Work
	clock steward.Clock
	log   *slog.Logger
	opts  Options

	mu      sync.Mutex
	waiters map[string]*waiter // nodes with a poll held

	seenMu sync.Mutex
	seen   map[string]time.Time // heard from since the last flush

	keysMu sync.RWMutex
	keys   map[string]keyEntry

	sessions sessions

	closing   chan struct{} // closed by Close: polls are answered at once
	closeOnce sync.Once
	stop      chan struct{} // stops the flusher
	wg        sync.WaitGroup
	opened    bool
}

// waiter is the wake of a node with polls held: Wake closes it (every poll
// of the node is released) and puts a fresh one in its place.
type waiter struct {
	wake  *wakeup
	polls int
}

// wakeup is released once, by Wake or WakeWith; msgs (set before ch is
// closed, read-only after) are the messages WakeWith handed over.
type wakeup struct {
	ch   chan struct{}
	msgs []agentproto.Message
}

type keyEntry struct {
	key          ed25519.PublicKey
	deregistered bool
	checked      time.Time
}

// New returns an unopened hub.
func New(opts Options) *Hub {
	if opts.Clock == nil {
		opts.Clock = steward.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollWait <= 0 {
		opts.PollWait = agentproto.PollWait
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.KeyTTL <= 0 {
		opts.KeyTTL = DefaultKeyTTL
	}
	return &Hub{
		reg: opts.Registry, work: opts.Work, clock: opts.Clock, log: opts.Logger, opts: opts,
		waiters: map[string]*waiter{}, seen: map[string]time.Time{}, keys: map[string]keyEntry{},
		closing: make(chan struct{}), stop: make(chan struct{}),
	}
}

// Open starts the goroutine that persists last-seen times every
// FlushInterval (or on each Tick).
func (h *Hub) Open(context.Context) error {
	if h.reg == nil || h.work == nil {
		return errors.New("fleet: Registry and Work are required")
	}
	if h.opened {
		return errors.New("fleet: hub already open")
	}
	h.opened = true
	tick := h.opts.Tick
	var ticker *time.Ticker
	if tick == nil {
		ticker = time.NewTicker(h.opts.FlushInterval)
		tick = ticker.C
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if ticker != nil {
			defer ticker.Stop()
		}
		for {
			select {
			case <-h.stop:
				return
			case <-tick:
				ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
				if err := h.Flush(ctx); err != nil {
					h.log.Warn("fleet: persisting last-seen times failed; retrying at the next tick", "err", err)
				}
				cancel()
				h.forgetKeys()
				h.sessions.expire(h.clock.Now())
			}
		}
	}()
	return nil
}

// Close answers every held poll at once (and every later poll without
// holding it), stops the flusher and persists the last-seen times still
// pending. Call it before shutting the HTTP server down, so that shutdown
// does not wait for long polls.
// A second Close does nothing.
func (h *Hub) Close(ctx context.Context) error {
	first := false
	h.closeOnce.Do(func() {
		first = true
		close(h.closing)
		close(h.stop)
	})
	if !first {
		return nil
	}
	h.wg.Wait()
	return h.Flush(ctx)
}

// Wake releases the polls held by the given nodes, which then ask Work for
// their messages. It never blocks; a node with no poll held is skipped (it
// finds its work at its next poll).
func (h *Hub) Wake(nodeIDs ...string) {
	h.wake(nil, nodeIDs)
}

// WakeWith is Wake for nodes whose new work is msgs (a command just
// dispatched to them, committed): a released poll answers with msgs without
// asking Work again, unless it cannot use them (see usable), in which case
// it asks Work as after a Wake. msgs must not be changed afterwards.
func (h *Hub) WakeWith(msgs []agentproto.Message, nodeIDs ...string) {
	h.wake(msgs, nodeIDs)
}

func (h *Hub) wake(msgs []agentproto.Message, nodeIDs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range nodeIDs {
		if w := h.waiters[id]; w != nil {
			w.wake.msgs = msgs
			close(w.wake.ch)
			w.wake = &wakeup{ch: make(chan struct{})}
		}
	}
}

// usable reports whether a poll may answer with msgs handed over by
// WakeWith: only command messages whose delivery deadline has not passed
// and that the agent does not report running (Work acknowledges those).
func (h *Hub) usable(msgs []agentproto.Message, req agentproto.PollRequest) bool {
	if len(msgs) == 0 {
		return false
	}
	now := h.clock.Now()
	for _, m := range msgs {
		if m.Kind != agentproto.KindCommand || m.Command == nil || !now.Before(m.Command.Deadline) {
			return false
		}
		for _, r := range req.Running {
			if r == m.CommandID {
				return false
			}
		}
	}
	return true
}

// hold registers a poll of nodeID and returns the channel a Wake closes
// from now on, and the function that ends the registration.
func (h *Hub) hold(nodeID string) (*wakeup, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.waiters[nodeID]
	if w == nil {
		w = &waiter{wake: &wakeup{ch: make(chan struct{})}}
		h.waiters[nodeID] = w
	}
	w.polls++
	return w.wake, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if w.polls--; w.polls == 0 && h.waiters[nodeID] == w {
			delete(h.waiters, nodeID)
		}
	}
}

// poll answers a poll: at once when Work has messages, else after a wake,
// PollWait, Close or the end of the request, asking Work again (unless the
// request ended).
func (h *Hub) poll(ctx context.Context, nodeID string, req agentproto.PollRequest) ([]agentproto.Message, error) {
	wake, release := h.hold(nodeID) // before asking Work: a wake from now on is not lost
	defer release()
	msgs, err := h.work.Poll(ctx, nodeID, req)
	if err != nil || len(msgs) > 0 {
		return msgs, err
	}
	timer := time.NewTimer(h.opts.PollWait)
	defer timer.Stop()
	select {
	case <-wake.ch:
		if h.usable(wake.msgs, req) {
			return wake.msgs, nil
		}
	case <-timer.C:
	case <-h.closing:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.work.Poll(ctx, nodeID, req)
}

// markSeen records that nodeID was heard from now.
func (h *Hub) markSeen(nodeID string) {
	now := h.clock.Now()
	h.seenMu.Lock()
	if now.After(h.seen[nodeID]) {
		h.seen[nodeID] = now
	}
	h.seenMu.Unlock()
}

// Flush persists the last-seen times recorded since the previous flush with
// one Registry.Touch (none when there are none). On failure the times are
// kept for the next flush.
func (h *Hub) Flush(ctx context.Context) error {
	h.seenMu.Lock()
	batch := h.seen
	if len(batch) == 0 {
		h.seenMu.Unlock()
		return nil
	}
	h.seen = make(map[string]time.Time, len(batch))
	h.seenMu.Unlock()
	if err := h.reg.Touch(ctx, batch); err != nil {
		h.seenMu.Lock()
		for id, t := range batch {
			if t.After(h.seen[id]) {
				h.seen[id] = t
			}
		}
		h.seenMu.Unlock()
		return err
	}
	return nil
}

// nodeKey returns nodeID's key, from the cache when it was checked less
// than KeyTTL ago, and whether the node is deregistered.
func (h *Hub) nodeKey(ctx context.Context, nodeID string) (ed25519.PublicKey, bool, error) {
	now := h.clock.Now()
	h.keysMu.RLock()
	e, ok := h.keys[nodeID]
	h.keysMu.RUnlock()
	if ok && !now.Before(e.checked) && now.Sub(e.checked) < h.opts.KeyTTL {
		return e.key, e.deregistered, nil
	}
	key, err := h.reg.NodeKey(ctx, nodeID)
	e = keyEntry{key: key, checked: now}
	switch code := steward.ErrorCode(err); {
	case err == nil:
	case code == agentproto.CodeDeregistered && len(key) == ed25519.PublicKeySize:
		e.deregistered = true
	default:
		if code == agentproto.CodeUnauthorized {
			h.keysMu.Lock()
			delete(h.keys, nodeID)
			h.keysMu.Unlock()
		}
		return nil, false, err
	}
	h.keysMu.Lock()
	h.keys[nodeID] = e
	h.keysMu.Unlock()
	return e.key, e.deregistered, nil
}

// forgetKeys drops the cached keys of nodes not checked for a while (they
// are fetched again if the node comes back).
func (h *Hub) forgetKeys() {
	cutoff := h.clock.Now().Add(-keyForget)
	h.keysMu.Lock()
	for id, e := range h.keys {
		if e.checked.Before(cutoff) {
			delete(h.keys, id)
		}
	}
	h.keysMu.Unlock()
}
