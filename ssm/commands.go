package ssm

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
)

// Run Command: SendCommand fans a Command document out to managed nodes, one
// invocation per node; the agent channel (fleet) delivers invocations through
// Poll/Ack/Output/Result, and the API reads them back (ListCommands,
// ListCommandInvocations, GetCommandInvocation).
//
// Durability: a command and all its invocations are written in the
// transaction that accepts it; every later step (dispatch, acknowledgement,
// result, timeout, cancel) is one transaction on the command row, which holds
// the counters rate control needs, so nothing is recomputed from the
// invocations and a crash loses nothing that was acknowledged. Acks and
// results arriving together for one command share a transaction (group
// commit, command_batch.go).
//
// Rate control (reference/ssm.md §2.2): invocations are dispatched in node-ID
// order. The first wave is one node; every acknowledgement widens the window
// to 2·acked+1 (slow start: 1, then 2 more, then 4 more …) up to
// MaxConcurrency in flight. When Failed + ExecutionTimedOut exceed MaxErrors,
// dispatching stops and every invocation not yet dispatched ends
// Cancelled/Terminated; those already dispatched finish.
//
// Statuses (reference/ssm.md §2.3), the choices made where AWS documents
// none:
//   - Undeliverable, InvalidPlatform and AccessDenied invocations have Status
//     Failed (the invocation Status enum has no other fit); Terminated ones
//     Cancelled ("canceled by the system", as the user guide puts it).
//   - A command that tried everywhere, did not exceed MaxErrors and is not all
//     Success is Failed/Incomplete (the command Status enum has no Incomplete).
//   - Failed, TimedOut/ExecutionTimedOut and TimedOut/DeliveryTimedOut are
//     chosen when the count of that kind exceeds MaxErrors (the same
//     "exceeds" rule that stops dispatching).
//   - SendCommand to targets that match no node answers Pending/Pending with
//     TargetCount 0, and the command settles at Success/NoInstancesInTag right
//     after, as AWS does.
//
// Output: the agent streams it while a step runs; Steward keeps all of it.
// GetCommandInvocation shows what has arrived so far even while the step
// runs (AWS shows content only at the end), truncated as AWS truncates.

// Run Command error codes (the modeled shape names of the SSM API).
const (
	CodeInvalidCommandID          = "InvalidCommandId"
	CodeInvalidInstanceID         = "InvalidInstanceId"
	CodeDuplicateInstanceID       = "DuplicateInstanceId"
	CodeInvalidParameters         = "InvalidParameters"
	CodeInvalidPluginName         = "InvalidPluginName"
	CodeInvocationDoesNotExist    = "InvocationDoesNotExist"
	CodeCommandInvalidFilterKey   = "InvalidFilterKey"
	CodeCommandInvalidFilterValue = "InvalidFilterValue"
	CodeCommandInvalidNextToken   = "InvalidNextToken"
)

// Run Command limits: the API model's constraints and AWS's documented
// behaviour. Sources: botocore ssm/2014-11-06; reference/ssm.md §2.
const (
	cmdInstanceIDsMax     = 50
	cmdTargetsMax         = 5
	cmdTargetValuesMax    = 50
	cmdTimeoutMin         = 30
	cmdTimeoutMax         = 2592000
	cmdTimeoutDefault     = 3600 // user guide: "The default for Timeout (seconds) is 3600 seconds"
	cmdExecTimeoutDefault = 3600
	cmdCommentMax         = 100
	cmdHashMax            = 256
	cmdS3BucketMin        = 3
	cmdS3BucketMax        = 63
	cmdS3PrefixMax        = 500
	cmdS3RegionMin        = 3
	cmdS3RegionMax        = 20
	cmdLogGroupMax        = 512
	cmdIDLen              = 36
	cmdPageMax            = 50
	cmdFiltersMax         = 5
	cmdFilterValueMax     = 128
	cmdPluginNameMin      = 4
	cmdDefaultConcurrency = "50"
	cmdDefaultErrors      = "0"
	cmdStdoutContentMax   = 24000 // GetCommandInvocation StandardOutputContent
	cmdStderrContentMax   = 8000  // GetCommandInvocation StandardErrorContent
	cmdPluginOutputMax    = 2500  // CommandPlugin Output
	cmdDefaultRetention   = 30 * 24 * time.Hour
	cmdDefaultTick        = time.Second
	cmdOutputReadMax      = 1 << 20 // bytes per ReadOutput call
	cmdOutputWaitMax      = 20 * time.Second
	cmdPurgeBatch         = 200
	cmdSecretCacheTTL     = 10 * time.Minute
	cmdMaskMinLen         = 4 // shorter secret values are not masked (they would mangle output)
)

// Command statuses (the API's CommandStatus and CommandInvocationStatus
// enums) and the StatusDetails values Steward uses.
const (
	CmdPending    = "Pending"
	CmdInProgress = "InProgress"
	CmdDelayed    = "Delayed"
	CmdSuccess    = "Success"
	CmdCancelled  = "Cancelled"
	CmdFailed     = "Failed"
	CmdTimedOut   = "TimedOut"
	CmdCancelling = "Cancelling"

	DetailDeliveryTimedOut  = "DeliveryTimedOut"
	DetailExecutionTimedOut = "ExecutionTimedOut"
	DetailUndeliverable     = "Undeliverable"
	DetailTerminated        = "Terminated"
	DetailInvalidPlatform   = "InvalidPlatform"
	DetailAccessDenied      = "AccessDenied"
	DetailIncomplete        = "Incomplete"
	DetailNoInstancesInTag  = "NoInstancesInTag"
	DetailSkipped           = "Skipped"
)

// InvocationPhase is where an invocation is in its delivery, the state the
// engine indexes on (Status is what the API shows).
type InvocationPhase int

// The phases.
const (
	// PhaseWaiting: not dispatched yet (rate control holds it).
	PhaseWaiting InvocationPhase = 0
	// PhaseDeliverable: dispatched; Poll offers it until the agent acks.
	PhaseDeliverable InvocationPhase = 1
	// PhaseRunning: acknowledged by the agent.
	PhaseRunning InvocationPhase = 2
	// PhaseCancelling: CancelCommand asked; Poll offers the cancel until acked.
	PhaseCancelling InvocationPhase = 3
	// PhaseCancelSent: the agent acknowledged the cancel; waiting for its result.
	PhaseCancelSent InvocationPhase = 4
	// PhaseDone: terminal.
	PhaseDone InvocationPhase = 9
)

// NotificationConfig is a command's SNS notification settings, stored and
// echoed.
type NotificationConfig struct {
	NotificationArn    string
	NotificationEvents []string
	NotificationType   string
}

// CloudWatchOutputConfig is a command's CloudWatch Logs output settings,
// stored and echoed.
type CloudWatchOutputConfig struct {
	CloudWatchLogGroupName  string
	CloudWatchOutputEnabled bool
}

// AlarmConfiguration is a command's CloudWatch alarm settings, stored and
// echoed.
type AlarmConfiguration struct {
	IgnorePollAlarmFailure bool
	Alarms                 []string // alarm names
}

// AlarmState is one triggered alarm.
type AlarmState struct {
	Name  string
	State string
}

// CommandCounters are the per-status invocation counts kept on the command
// row. ErrorCount is Failed + ExecTimedOut; NonCounting counts Undeliverable,
// InvalidPlatform and AccessDenied (terminal, not errors).
type CommandCounters struct {
	Target           int
	Completed        int
	Success          int
	Failed           int
	ExecTimedOut     int
	DeliveryTimedOut int
	Cancelled        int
	Terminated       int
	NonCounting      int
	Acked            int // invocations an agent acknowledged (or answered)
	InFlight         int // dispatched and not terminal
}

// Errors is the count MaxErrors is compared with.
func (c CommandCounters) Errors() int { return c.Failed + c.ExecTimedOut }

// CommandRecord is a stored command.
type CommandRecord struct {
	CommandID        string
	DocumentName     string
	DocumentVersion  string // as requested; "$DEFAULT" when none was given
	SchemaVersion    string
	Steps            []byte   // JSON []agentproto.Step, parameters substituted
	StepNames        []string // plugin names (schema 1.2) or step names, in order
	SecureRefs       []string // {{ssm-secure:…}} names the command may ask for
	Comment          string
	Parameters       map[string][]string // as requested
	InstanceIDs      []string            // as requested (empty when Targets were used)
	Targets          []Target
	RequestedAt      time.Time
	Deadline         time.Time // RequestedAt + TimeoutSeconds: no start after it
	ExpiresAt        time.Time // Deadline + execution timeout: DeliveryTimedOut after it
	TimeoutSeconds   int
	ExecutionTimeout int
	OutputS3Region   string
	OutputS3Bucket   string
	OutputS3Prefix   string
	MaxConcurrency   string
	MaxErrors        string
	ConcurrencyLimit int // MaxConcurrency resolved against TargetCount
	ErrorLimit       int // MaxErrors resolved against TargetCount
	ServiceRole      string
	Notification     NotificationConfig
	CloudWatch       CloudWatchOutputConfig
	Alarms           *AlarmConfiguration
	TriggeredAlarms  []AlarmState
	Status           string
	StatusDetails    string
	Done             bool // terminal
	CancelRequested  bool // CancelCommand for the whole command
	Stopped          bool // MaxErrors exceeded: no more dispatching
	Counters         CommandCounters
}

// InvocationRecord is a stored invocation: one command on one node.
type InvocationRecord struct {
	CommandID     string
	NodeID        string
	Seq           int // dispatch order (node-ID order)
	Phase         InvocationPhase
	Status        string
	StatusDetails string
	Offline       bool // the node was not Online when the command was sent
	RequestedAt   time.Time
	DispatchedAt  time.Time
	AckedAt       time.Time
	FinishedAt    time.Time
	ResponseCode  int // -1 until a result
}

// StepRecord is one step's (plugin's) result.
type StepRecord struct {
	Index         int
	Name          string
	Action        string
	Status        string
	StatusDetails string
	ResponseCode  int
	StartedAt     time.Time
	EndedAt       time.Time
}

// InvocationKey names an invocation.
type InvocationKey struct {
	CommandID string
	NodeID    string
}

// InvocationState is what a set-based transition writes.
type InvocationState struct {
	Phase         InvocationPhase
	Status        string
	StatusDetails string
	At            time.Time // finished_at for PhaseDone
}

// OutputChunk is a stored piece of a step's output stream.
type OutputChunk struct {
	Seq    int64 // arrival order within the invocation (opaque cursor)
	Step   string
	Stream string
	Offset int64 // byte offset in the step's stream
	Data   []byte
}

// NodeWork is a dispatched invocation waiting on a node, as Poll needs it.
type NodeWork struct {
	Command *CommandRecord // Steps, identity and deadline filled
	Phase   InvocationPhase
}

// DispatchedNode is an invocation Dispatch moved to PhaseDeliverable.
type DispatchedNode struct {
	NodeID  string
	Offline bool
}

// CommandQuery selects a page of commands, newest first.
type CommandQuery struct {
	CommandID     string
	NodeID        string
	After, Before time.Time // RequestedAt ≥ After, < Before (zero: unbounded)
	Statuses      []string  // Status is one of these
	Details       []string  // StatusDetails is one of these
	Done          *bool
	DocumentName  string
	Token         string
	Limit         int
}

// InvocationQuery selects a page of invocations, newest command first, then
// by command ID and node ID.
type InvocationQuery struct {
	CommandID     string
	NodeID        string
	After, Before time.Time
	Statuses      []string
	Details       []string
	DocumentName  string
	Token         string
	Limit         int
}

// InvocationRow is an invocation with the command fields the API shows next
// to it.
type InvocationRow struct {
	Invocation InvocationRecord
	Command    *CommandRecord // without Steps
}

// Store errors for Run Command.
var (
	// ErrCommandNotFound reports a command that does not exist.
	ErrCommandNotFound = errors.New("ssm: command not found")
	// ErrInvocationNotFound reports a command that has no invocation on the node.
	ErrInvocationNotFound = errors.New("ssm: invocation not found")
)

// CommandStore persists commands, their invocations, step results and
// output.
//
// CreateCommand stores c and its invocations, then runs fn in the same
// transaction on the new command (see CommandTx) and commits when fn returns
// nil; an error from fn is returned unchanged and nothing is stored.
//
// UpdateCommand runs fn in a write transaction on one command, whose row is
// locked first (every writer takes the command row before its invocations,
// so writers never deadlock). It returns ErrCommandNotFound when the command
// does not exist; an error from fn is returned unchanged. fn may run more
// than once when writers collide, so it must have no effects outside tx.
//
// GetCommand returns a command (with Steps) or ErrCommandNotFound.
// GetInvocation returns a command and its invocation on a node, or
// ErrInvocationNotFound (also when the command does not exist).
//
// ListCommands returns a page of commands (without Steps) matching q, newest
// first, and the next token ("" after the last); ListInvocations the same for
// invocations. A token the store did not make returns ErrInvalidNextToken.
//
// InvocationSteps returns the stored step results of each invocation, in step
// order (keys without results are absent). OutputHeads returns, for each
// invocation, the first chunks of every step stream in offset order, as long
// as they start below maxBytes (enough for the truncated views).
// AppendOutput adds bytes at a byte offset of a step stream of an
// invocation (locking only the invocation), keeping bytes already stored, as
// CommandTx.AppendOutput does; ErrInvocationNotFound when there is no such
// invocation.
//
// ReadStream returns a step stream's chunks in offset order until maxBytes
// are collected. ReadOutput returns the chunks of an invocation that arrived
// after the cursor (Seq > after), in arrival order, up to about maxBytes,
// optionally for one step.
//
// NodeWork returns a node's invocations in PhaseDeliverable, PhaseCancelling
// or PhaseCancelSent with their commands (one indexed query).
// NodeInvocations returns the command IDs in which a node has an invocation
// in one of phases.
//
// DueCommands returns up to limit commands not done whose ExpiresAt is at or
// before now, or that have no target and are still Pending.
// PurgeCommands deletes up to limit done commands requested before cutoff,
// with their invocations, step results and output, and returns how many went.
type CommandStore interface {
	CreateCommand(ctx context.Context, c *CommandRecord, invs []*InvocationRecord, fn func(CommandTx) error) error
	UpdateCommand(ctx context.Context, commandID string, fn func(CommandTx) error) error
	GetCommand(ctx context.Context, commandID string) (*CommandRecord, error)
	GetInvocation(ctx context.Context, commandID, nodeID string) (*CommandRecord, *InvocationRecord, error)
	ListCommands(ctx context.Context, q CommandQuery) ([]*CommandRecord, string, error)
	ListInvocations(ctx context.Context, q InvocationQuery) ([]*InvocationRow, string, error)
	InvocationSteps(ctx context.Context, keys []InvocationKey) (map[InvocationKey][]StepRecord, error)
	OutputHeads(ctx context.Context, keys []InvocationKey, maxBytes int) (map[InvocationKey][]OutputChunk, error)
	AppendOutput(ctx context.Context, key InvocationKey, step, stream string, offset int64, data []byte) error
	ReadStream(ctx context.Context, key InvocationKey, step, stream string, maxBytes int) ([]OutputChunk, error)
	ReadOutput(ctx context.Context, key InvocationKey, step string, after int64, maxBytes int) ([]OutputChunk, error)
	NodeWork(ctx context.Context, nodeID string) ([]NodeWork, error)
	NodeInvocations(ctx context.Context, nodeID string, phases []InvocationPhase) ([]string, error)
	DueCommands(ctx context.Context, now time.Time, limit int) ([]string, error)
	PurgeCommands(ctx context.Context, cutoff time.Time, limit int) (int, error)
	NotificationStore
}

// CommandTx is a write transaction on one command.
//
// Command returns the command (locked) with what the engine needs: identity,
// DocumentName, Parameters, StepNames, SecureRefs, times, limits, status,
// flags, counters, and what SNS notifications need (Notification,
// InstanceIDs, OutputS3Bucket, OutputS3Prefix) — not Steps, targets or the
// other echoed settings. Invocation returns the
// command's invocation on a node, or nil. UpdateInvocation writes an
// invocation's phase, status, times and response code. Dispatch moves up to n
// waiting invocations, lowest Seq first, to PhaseDeliverable (offline ones get
// Status Delayed) and returns them. Transition moves every invocation in one
// of the from phases (only those of nodeIDs when it is not nil) to state and
// returns their node IDs. PutSteps stores an invocation's step results
// (once: an invocation gets its results when it becomes terminal). AppendOutput adds bytes at a byte offset of a step stream,
// keeping bytes already stored (retries and overlaps are merged). SaveCommand
// writes the command's status, flags, counters and SecureRefs. NodeIDs returns
// every node of the command. AppendEvents writes events to the outbox.
// AddNotifications writes SNS notifications to the notification work table
// (see NotificationStore), setting their IDs.
type CommandTx interface {
	Command(ctx context.Context) (*CommandRecord, error)
	Invocation(ctx context.Context, nodeID string) (*InvocationRecord, error)
	UpdateInvocation(ctx context.Context, inv *InvocationRecord) error
	Dispatch(ctx context.Context, n int, now time.Time) ([]DispatchedNode, error)
	Transition(ctx context.Context, from []InvocationPhase, nodeIDs []string, to InvocationState) ([]string, error)
	PutSteps(ctx context.Context, nodeID string, steps []StepRecord) error
	AppendOutput(ctx context.Context, nodeID, step, stream string, offset int64, data []byte) error
	SaveCommand(ctx context.Context, c *CommandRecord) error
	NodeIDs(ctx context.Context) ([]string, error)
	AppendEvents(ctx context.Context, events []*steward.Event) error
	AddNotifications(ctx context.Context, notes []*CommandNotification) error
}

// CommandOptions configures Commands. Zero fields take defaults.
type CommandOptions struct {
	// Retention is how long done commands are kept (default 30 days).
	Retention time.Duration
	// Tick is how often the background loop sweeps (default 1 s).
	Tick time.Duration
	// Logger receives the loop's errors (default: discarded).
	Logger *slog.Logger
	// Publisher publishes NotificationConfig notifications to SNS topics
	// (default: none; notifications wait in the store until there is one).
	Publisher TopicPublisher
}

// Commands is Run Command.
type Commands struct {
	store  CommandStore
	nodes  NodeDirectory
	docs   *Documents
	params *Parameters
	notify Notifier
	env    Env
	opts   CommandOptions
	log    *slog.Logger

	output   outputWaiters
	secrets  secretCache
	batch    opBatcher
	messages messageCache

	bg loop
}

// NewCommands returns Run Command. notify may be nil (no wake-ups: nodes find
// work at their next poll).
func NewCommands(store CommandStore, nodes NodeDirectory, docs *Documents, params *Parameters, notify Notifier, env Env, opts CommandOptions) *Commands {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	if opts.Retention <= 0 {
		opts.Retention = cmdDefaultRetention
	}
	if opts.Tick <= 0 {
		opts.Tick = cmdDefaultTick
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Commands{
		store: store, nodes: nodes, docs: docs, params: params, notify: notify, env: env, opts: opts, log: opts.Logger,
		output:  outputWaiters{m: map[InvocationKey]*waitEntry{}},
		secrets: secretCache{m: map[string]secretEntry{}},
		batch:   opBatcher{queues: map[string]*commandQueue{}},
	}
}

func (c *Commands) now() time.Time { return c.env.Clock.Now().UTC().Truncate(time.Millisecond) }

// Open starts the background loop: every Tick it runs Sweep and
// PublishNotifications. Close stops it.
func (c *Commands) Open(ctx context.Context) error {
	return c.bg.open(ctx, "run command", c.opts.Tick, c.log, func(ctx context.Context) error {
		return errors.Join(c.Sweep(ctx), c.PublishNotifications(ctx))
	})
}

// Close stops the background loop and waits for it to exit.
func (c *Commands) Close() error {
	c.bg.close()
	return nil
}

// Sweep does the time-driven work once: commands past ExpiresAfter time out
// (invocations not finished become DeliveryTimedOut, Cancelling ones
// Cancelled), commands without targets settle at NoInstancesInTag, and done
// commands older than Retention are purged. The loop calls it every Tick;
// tests call it after moving a fake clock.
func (c *Commands) Sweep(ctx context.Context) error {
	now := c.now()
	for {
		due, err := c.store.DueCommands(ctx, now, 100)
		if err != nil {
			return err
		}
		for _, id := range due {
			if err := c.expire(ctx, id, now); err != nil {
				return err
			}
		}
		if len(due) < 100 {
			break
		}
	}
	cutoff := now.Add(-c.opts.Retention)
	for {
		n, err := c.store.PurgeCommands(ctx, cutoff, cmdPurgeBatch)
		if err != nil {
			return err
		}
		if n < cmdPurgeBatch {
			break
		}
	}
	c.secrets.prune(now)
	return nil
}

// expire times out a command past its ExpiresAt, or settles one without
// targets.
func (c *Commands) expire(ctx context.Context, id string, now time.Time) error {
	var wake []string
	err := c.store.UpdateCommand(ctx, id, func(tx CommandTx) error {
		wake = nil
		cmd, err := tx.Command(ctx)
		if err != nil {
			return err
		}
		if cmd.Done {
			return nil
		}
		st := newStep(c, tx, cmd, now)
		st.settle = true
		if cmd.Counters.Target > 0 && !now.Before(cmd.ExpiresAt) {
			if err := st.expireAll(ctx); err != nil {
				return err
			}
		}
		wake, err = st.finish(ctx)
		return err
	})
	if errors.Is(err, ErrCommandNotFound) {
		return nil
	}
	c.wake(wake)
	return err
}

func (c *Commands) wake(nodes []string) {
	if c.notify != nil && len(nodes) > 0 {
		c.notify.Wake(nodes...)
	}
}

// MessageNotifier is a Notifier that can also hand the messages a wake is
// for to the nodes' held polls, which then answer without asking Run Command
// again. It is only a shortcut: the messages are in the store already (a
// node whose poll is not held, or a poll that cannot use them, finds them
// there), so a notifier may drop them.
type MessageNotifier interface {
	Notifier
	WakeWith(msgs []agentproto.Message, nodeIDs ...string)
}

// deliver wakes nodes cmd was just dispatched to (committed), handing them
// the command's message when the notifier takes it. The message is built
// once per command and kept while the command fans out (an engine
// transaction reads the command without its steps, so a batch that
// dispatches does not have them).
func (c *Commands) deliver(ctx context.Context, cmd *CommandRecord, nodes []string) {
	if c.notify == nil || len(nodes) == 0 {
		return
	}
	mn, ok := c.notify.(MessageNotifier)
	if !ok || cmd == nil {
		c.notify.Wake(nodes...)
		return
	}
	m, ok := c.messages.get(cmd.CommandID)
	if !ok {
		full, err := cmd, error(nil)
		if cmd.Steps == nil {
			full, err = c.store.GetCommand(ctx, cmd.CommandID)
		}
		if err == nil {
			m, err = c.commandMessage(full)
		}
		if err != nil {
			c.log.Warn("run command: no message to hand over; the nodes ask for it", "command", cmd.CommandID, "err", err)
			c.notify.Wake(nodes...)
			return
		}
		c.messages.put(cmd.CommandID, m)
	}
	mn.WakeWith([]agentproto.Message{m}, nodes...)
}

// messageCache keeps the delivery messages of the commands being fanned out
// (what is in them never changes once a command is sent). It is small:
// when full it starts over.
type messageCache struct {
	mu sync.Mutex
	m  map[string]agentproto.Message
}

const messageCacheMax = 64

func (mc *messageCache) get(id string) (agentproto.Message, bool) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	m, ok := mc.m[id]
	return m, ok
}

func (mc *messageCache) put(id string, m agentproto.Message) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.m == nil || len(mc.m) >= messageCacheMax {
		mc.m = map[string]agentproto.Message{}
	}
	mc.m[id] = m
}

// forget drops a command's message (the command is done).
func (mc *messageCache) forget(id string) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	delete(mc.m, id)
}

// outputWaiters lets ReadOutput long-poll: waiters of an invocation share a
// channel (reference-counted, so entries go when nobody waits); Output and
// Result close it after committing.
type outputWaiters struct {
	mu sync.Mutex
	m  map[InvocationKey]*waitEntry
}

type waitEntry struct {
	ch chan struct{}
	n  int
}

func (w *outputWaiters) acquire(k InvocationKey) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.m[k]
	if !ok {
		e = &waitEntry{ch: make(chan struct{})}
		w.m[k] = e
	}
	e.n++
	return e.ch
}

func (w *outputWaiters) release(k InvocationKey, ch chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e, ok := w.m[k]; ok && e.ch == ch {
		if e.n--; e.n == 0 {
			delete(w.m, k)
		}
	}
}

func (w *outputWaiters) broadcast(k InvocationKey) {
	w.mu.Lock()
	e, ok := w.m[k]
	delete(w.m, k)
	w.mu.Unlock()
	if ok {
		close(e.ch)
	}
}

// secretCache holds the decrypted {{ssm-secure:}} values of a command for a
// while, so that masking output does not decrypt on every Output call.
type secretCache struct {
	mu sync.Mutex
	m  map[string]secretEntry
}

type secretEntry struct {
	values []string
	until  time.Time
}

func (s *secretCache) get(commandID string, now time.Time) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[commandID]
	if !ok || now.After(e.until) {
		return nil, false
	}
	return e.values, true
}

func (s *secretCache) put(commandID string, values []string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[commandID] = secretEntry{values: values, until: now.Add(cmdSecretCacheTTL)}
}

func (s *secretCache) prune(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.m {
		if now.After(e.until) {
			delete(s.m, k)
		}
	}
}
