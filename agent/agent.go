// Package agent is the Steward node agent: it registers a node with an
// activation, keeps the agentproto channel to the server (heartbeats, one
// long poll at a time, signed requests, reconnect with backoff), runs the
// commands it is sent — each in its own goroutine, steps in order, through
// the plugins of agent/plugin — streams their output and delivers their
// results at least once, surviving restarts of the agent and of the server.
//
// The state directory (see store.go) remembers every command the node
// started, so a command delivered twice runs once, and every result until
// the server has accepted it.
//
// The agent links nothing server-side: the standard library, agentproto,
// agent/… and the SigV4 signer for S3 downloads.
package agent

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stewardhq/steward/agent/plugin"
	"github.com/stewardhq/steward/agentproto"
)

// S3Config configures aws:downloadContent sourceType S3; see plugin.S3Config.
type S3Config = plugin.S3Config

// Secret is a configuration value that prints as "****".
type Secret = plugin.Secret

// Config configures an Agent. Zero values take the defaults noted.
type Config struct {
	// StateDir holds the identity and the command state (required).
	StateDir string
	// Identity is the registered node; nil loads StateDir/identity.json.
	Identity *Identity
	// HTTPClient talks to the server. Its Timeout, if any, must exceed
	// PollTimeout; nil is a client without one (every request carries its
	// own deadline).
	HTTPClient *http.Client
	// Logger receives the agent's log; nil discards it.
	Logger *slog.Logger
	// Now is the clock for signatures, delivery deadlines, step times and
	// pruning; nil is time.Now.
	Now func() time.Time
	// Version is reported in the facts; "" is Version.
	Version string
	// Facts, when set, are reported instead of the host's.
	Facts *agentproto.Facts

	// ShellPath runs aws:runShellScript (ShellPath -c <script>); "" is "sh".
	ShellPath string
	// PowerShellPath runs aws:runPowerShellScript; "" looks up pwsh on PATH.
	PowerShellPath string
	// DownloadClient fetches aws:downloadContent sources; nil is
	// http.DefaultClient.
	DownloadClient *http.Client
	// GitHubAPIURL is the GitHub REST API base for sourceType GitHub; "" is
	// https://api.github.com.
	GitHubAPIURL string
	// S3 is the S3-compatible endpoint and credentials for sourceType S3.
	S3 S3Config
	// Metrics, when set, is what to collect and publish as the CloudWatch
	// agent would (metrics.go); nil collects nothing.
	Metrics *MetricsConfig

	// HeartbeatInterval: 0 is agentproto.HeartbeatInterval.
	HeartbeatInterval time.Duration
	// PollTimeout bounds one long poll on the client side: 0 is
	// agentproto.PollWait + 20 s.
	PollTimeout time.Duration
	// MinPollInterval spaces polls that come back empty early (a server
	// that does not hold them): 0 is 100 ms; negative disables it.
	MinPollInterval time.Duration
	// RequestTimeout bounds every other request: 0 is 30 s.
	RequestTimeout time.Duration
	// BackoffMin and BackoffMax bound the capped exponential backoff (full
	// jitter) of reconnects and of output and result retries: 0 is
	// 100 ms and 10 s.
	BackoffMin, BackoffMax time.Duration
	// OutputInterval is how often output is streamed: 0 is 250 ms.
	OutputInterval time.Duration
	// OutputChunkSize is the largest OutputRequest, and the backlog that
	// triggers a send before the interval: 0 is 16 KiB.
	OutputChunkSize int
	// MaxResultOutput bounds the unstreamed output a result carries per
	// step and stream: 0 is 1 MiB. The full output stays in the state
	// directory.
	MaxResultOutput int
	// Retention is how long finished command directories are kept: 0 is
	// 14 days. PruneInterval is how often they are pruned: 0 is 1 hour.
	Retention, PruneInterval time.Duration
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.HeartbeatInterval, agentproto.HeartbeatInterval)
	def(&c.PollTimeout, agentproto.PollWait+20*time.Second)
	def(&c.MinPollInterval, 100*time.Millisecond)
	def(&c.RequestTimeout, 30*time.Second)
	def(&c.BackoffMin, 100*time.Millisecond)
	def(&c.BackoffMax, 10*time.Second)
	def(&c.OutputInterval, 250*time.Millisecond)
	def(&c.Retention, 14*24*time.Hour)
	def(&c.PruneInterval, time.Hour)
	if c.OutputChunkSize <= 0 {
		c.OutputChunkSize = 16 << 10
	}
	if c.MaxResultOutput <= 0 {
		c.MaxResultOutput = 1 << 20
	}
	if c.Version == "" {
		c.Version = Version
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = c.BackoffMin
	}
}

// Agent is a node agent. New → Run; Run may be called once.
type Agent struct {
	cfg Config
	id  *Identity
	log *slog.Logger
	c   *client
	st  *store

	wg      sync.WaitGroup // every goroutine of Run
	started atomic.Bool
	stop    context.CancelCauseFunc
	kick    chan struct{} // asks for a heartbeat now (reconnected)
	isDown  atomic.Bool

	mu      sync.Mutex
	running map[string]*commandRun
	early   map[string]struct{} // cancels of commands not seen yet
	fatal   error
	facts   agentproto.Facts
}

// New returns an agent for a registered node; ErrNotRegistered when there
// is no identity.
func New(cfg Config) (*Agent, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("agent: Config.StateDir is required")
	}
	cfg.setDefaults()
	id := cfg.Identity
	if id == nil {
		var err error
		if id, err = LoadIdentity(cfg.StateDir); err != nil {
			return nil, err
		}
	}
	base, err := serverBase(id.ServerURL)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		cfg:     cfg,
		id:      id,
		log:     cfg.Logger,
		st:      &store{dir: filepath.Join(cfg.StateDir, "commands")},
		kick:    make(chan struct{}, 1),
		running: map[string]*commandRun{},
		early:   map[string]struct{}{},
	}
	a.c = &client{base: base, nodeID: id.NodeID, key: id.PrivateKey, hc: cfg.HTTPClient, now: a.now,
		answered: a.answered, down: func() { a.isDown.Store(true) }}
	return a, nil
}

// NodeID is the node this agent runs as.
func (a *Agent) NodeID() string { return a.id.NodeID }

// Run keeps the channel to the server and runs commands until ctx ends or
// the server refuses the node. It returns nil after ctx ends, ErrDeregistered
// (wrapped) after a 401, ErrUpgradeRequired after a 426; in every case only
// once all its goroutines and processes have ended. Commands running when
// ctx ends are killed and reported as interrupted by the next Run on the
// same state directory.
func (a *Agent) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("agent: Run called twice")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	a.stop = cancel
	if err := a.st.init(); err != nil {
		return err
	}
	a.refreshFacts()
	a.log.Info("agent starting", "node", a.id.NodeID, "server", a.id.ServerURL, "version", a.cfg.Version)
	a.recoverCommands(ctx)
	a.wg.Go(func() { a.heartbeatLoop(ctx) })
	a.wg.Go(func() { a.pollLoop(ctx) })
	a.wg.Go(func() { a.pruneLoop(ctx) })
	if a.cfg.Metrics != nil {
		a.wg.Go(func() { a.runMetrics(ctx) })
	}
	<-ctx.Done()
	a.wg.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fatal != nil {
		a.log.Error("agent stopped", "err", a.fatal)
	} else {
		a.log.Info("agent stopped")
	}
	return a.fatal
}

// failWith stops the agent with err (the first one wins).
func (a *Agent) failWith(err error) {
	a.mu.Lock()
	if a.fatal == nil {
		a.fatal = err
	}
	a.mu.Unlock()
	a.stop(err)
}

func (a *Agent) now() time.Time { return a.cfg.Now() }

func (a *Agent) factsNow() agentproto.Facts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.facts
}

func (a *Agent) refreshFacts() {
	f := GatherFacts(a.id.ServerURL, a.cfg.Version)
	if a.cfg.Facts != nil {
		f = *a.cfg.Facts
	}
	a.mu.Lock()
	a.facts = f
	a.mu.Unlock()
}

// answered notes a server answer; after an outage it asks for a heartbeat.
func (a *Agent) answered(path string) {
	if a.isDown.Swap(false) && path != agentproto.PathHeartbeat {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// heartbeatLoop sends a heartbeat at start, every HeartbeatInterval, and as
// soon as a request succeeds after an outage.
func (a *Agent) heartbeatLoop(ctx context.Context) {
	t := time.NewTicker(a.cfg.HeartbeatInterval)
	defer t.Stop()
	a.heartbeat(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-a.kick:
			a.refreshFacts()
			t.Reset(a.cfg.HeartbeatInterval)
		}
		a.heartbeat(ctx)
	}
}

func (a *Agent) heartbeat(ctx context.Context) {
	err := a.c.call(ctx, agentproto.PathHeartbeat, a.cfg.RequestTimeout, agentproto.HeartbeatRequest{Facts: a.factsNow()}, nil)
	if f := fatal(err); f != nil {
		a.failWith(f)
	} else if err != nil && ctx.Err() == nil {
		a.log.Debug("heartbeat failed", "err", err)
	}
}

// pollLoop keeps one long poll open at a time and handles what it brings.
func (a *Agent) pollLoop(ctx context.Context) {
	bo := backoff{min: a.cfg.BackoffMin, max: a.cfg.BackoffMax}
	for ctx.Err() == nil {
		start := time.Now()
		var resp agentproto.PollResponse
		err := a.c.call(ctx, agentproto.PathPoll, a.cfg.PollTimeout, agentproto.PollRequest{Running: a.runningIDs()}, &resp)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if f := fatal(err); f != nil {
				a.failWith(f)
				return
			}
			wait := bo.next()
			a.log.Debug("poll failed; reconnecting", "err", err, "wait", wait)
			sleep(ctx, wait)
			continue
		}
		bo.reset()
		for _, m := range resp.Messages {
			switch m.Kind {
			case agentproto.KindCommand:
				a.handleCommand(ctx, m)
			case agentproto.KindCancel:
				a.handleCancel(ctx, m)
			default:
				a.log.Warn("unknown message kind", "kind", m.Kind, "command", m.CommandID)
			}
		}
		if len(resp.Messages) == 0 && a.cfg.MinPollInterval > 0 {
			sleep(ctx, a.cfg.MinPollInterval-time.Since(start))
		}
	}
}

func (a *Agent) runningIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]string, 0, len(a.running))
	for id := range a.running {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// pruneLoop removes finished command directories older than Retention.
func (a *Agent) pruneLoop(ctx context.Context) {
	t := time.NewTicker(a.cfg.PruneInterval)
	defer t.Stop()
	for {
		n, errs := a.st.prune(a.now().Add(-a.cfg.Retention))
		for _, err := range errs {
			a.log.Warn("pruning command state", "err", err)
		}
		if n > 0 {
			a.log.Info("pruned finished commands", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
