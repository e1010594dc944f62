package events

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/stewardhq/steward"
)

// Options configure Buses. Zero values take the defaults noted.
type Options struct {
	Clock   steward.Clock // default: the system clock
	Account string        // 12-digit account ID, in ARNs
	Region  string        // in ARNs
	Logger  *slog.Logger

	// The services targets deliver to. A nil one makes its targets fail
	// (retryable: the service may come up).
	Queues   QueueSender
	Topics   TopicPublisher
	Commands CommandSender
	Logs     LogWriter
	// Roles checks a target's RoleArn before the invocation; nil skips
	// the check.
	Roles RoleChecker
	// Sealer seals connection secrets at rest (the keyring); without one
	// connections cannot be created.
	Sealer Sealer
	// HTTPClient calls API destinations and OAuth authorization endpoints
	// (default: 5 s timeout, redirects not followed).
	HTTPClient *http.Client

	// AllowAWSSources lets PutEvents take entries whose Source starts with
	// "aws." (AWS refuses them: NotAuthorizedForSourceException), so that a
	// hand-made event can stand in for a service's — an alarm state change
	// before the alarm exists, say. `steward dev` turns it on.
	AllowAWSSources bool

	// Workers bounds deliveries in flight (default 64).
	Workers int
	// Poll is how often due deliveries and schedules are looked for
	// besides the in-process wake-ups (default 1 s).
	Poll time.Duration
	// OutboxPoll is how often the service-event outbox is read when it was
	// empty (default 100 ms).
	OutboxPoll time.Duration
	// Lease is how long a claimed delivery stays with this process before
	// another may take it (default 2 min).
	Lease time.Duration
	// Exclusive says no other process shares the store (SQLite): leases of
	// a previous run are released at Open.
	Exclusive bool
	// OnRulesChanged, when set, is called (it must not block) after a
	// change of buses, rules or targets committed here; replicas sharing a
	// database forward it to each other, which call RulesChanged.
	OnRulesChanged func()
	// Refresh, when set, reloads the rules when another replica changed
	// them, checked this often (PostgreSQL replicas).
	Refresh time.Duration
	// MaxRulesPerBus bounds the rules of one bus (default 10,000).
	MaxRulesPerBus int
	// NoOutbox leaves the service-event outbox alone (tests of other
	// parts).
	NoOutbox bool
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = steward.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 64
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.OutboxPoll <= 0 {
		o.OutboxPoll = 100 * time.Millisecond
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.HTTPClient == nil {
		o.HTTPClient = defaultHTTPClient()
	}
	if o.MaxRulesPerBus <= 0 {
		o.MaxRulesPerBus = defaultMaxRules
	}
}

// Buses is EventBridge: the API operations, the router that matches events
// to rules, the delivery engine, the scheduler of schedule rules and the
// drain of the service-event outbox.
//
// Lifecycle: New → Open (loads the rules, starts the background work) →
// Close. Control-plane writes are serialized within a process (AWS allows
// 50 a second; the router is updated after each commit, under the same
// lock).
type Buses struct {
	store  Store
	opts   Options
	log    *slog.Logger
	router *router
	engine *engine
	tokens oauthTokens // OAuth access tokens of connections
	limits rateLimits  // invocation rate of API destinations

	ctl sync.Mutex // serializes control-plane writes and router updates

	mu     sync.Mutex
	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

// New returns EventBridge on store (not yet open).
func New(store Store, opts Options) *Buses {
	opts.defaults()
	b := &Buses{store: store, opts: opts, log: opts.Logger}
	b.router = newRouter(b)
	b.engine = newEngine(b)
	return b
}

// Open makes sure the default bus exists, loads the rules and starts the
// delivery engine, the scheduler and the outbox drain.
func (b *Buses) Open(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stop != nil || b.closed {
		return errors.New("events: already opened")
	}
	if err := b.ensureDefaultBus(ctx); err != nil {
		return err
	}
	if err := b.router.load(ctx); err != nil {
		return err
	}
	if b.opts.Exclusive {
		if err := b.store.ReleaseLeases(ctx); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.stop = cancel
	b.goRun(func() { b.engine.run(runCtx) })
	b.goRun(func() { b.runScheduler(runCtx) })
	if !b.opts.NoOutbox {
		b.goRun(func() { b.runOutbox(runCtx) })
	}
	if b.opts.Refresh > 0 {
		b.goRun(func() { b.router.refreshLoop(runCtx, b.opts.Refresh) })
	}
	return nil
}

func (b *Buses) goRun(fn func()) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn()
	}()
}

// Close stops the background work: no new attempts start, attempts in
// flight are abandoned (their rows stay and are delivered again later),
// finished ones are recorded.
func (b *Buses) Close() error {
	b.mu.Lock()
	stop := b.stop
	b.stop = nil
	b.closed = true
	b.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	b.wg.Wait()
	return nil
}

func (b *Buses) ensureDefaultBus(ctx context.Context) error {
	return b.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.GetBus(ctx, DefaultBus); err == nil {
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		now := b.now()
		err := tx.InsertBus(ctx, &BusRecord{Name: DefaultBus, CreatedAt: now, ModifiedAt: now})
		if errors.Is(err, ErrConflict) {
			return nil // another replica made it
		}
		return err
	})
}

// now is the clock in UTC at millisecond precision (what the store keeps).
func (b *Buses) now() time.Time { return millis(b.opts.Clock.Now()) }

// BusARN returns arn:aws:events:REGION:ACCOUNT:event-bus/NAME.
func (b *Buses) BusARN(name string) string {
	return "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":event-bus/" + name
}

// RuleARN returns the ARN of a rule: …:rule/NAME on the default bus,
// …:rule/BUS/NAME on others.
func (b *Buses) RuleARN(bus, name string) string {
	if bus == DefaultBus {
		return "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":rule/" + name
	}
	return "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":rule/" + bus + "/" + name
}

// RulesChanged tells the refresh loop (Options.Refresh) to look at the rules
// version now rather than at its next tick: another replica changed them.
func (b *Buses) RulesChanged() {
	select {
	case b.router.kick <- struct{}{}:
	default: // a look is pending already
	}
}
