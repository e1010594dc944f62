package ssm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/stewardhq/steward"
)

// Maintenance Windows (reference/ssm.md §5): a window is a schedule with a
// duration and a cutoff; targets name the nodes it may act on; tasks say
// what runs. Only RUN_COMMAND tasks are supported: each task execution sends
// Run Command commands through Commands with the task's rate control.
//
// Scheduling is server-side, as for associations: every window row carries
// its next start; the loop claims due rows (SKIP LOCKED on PostgreSQL),
// stores the following start and opens a window execution. A start while the
// window's previous execution is still open is recorded SKIPPED_OVERLAPPING.
// An execution runs its tasks by Priority, lowest first; tasks of equal
// priority run together, the next priority starts when they are all done.
// A task's invocations (one per window target it names, or one for its
// InstanceIds) run one after another, each one command. No task starts
// after the cutoff (Duration − Cutoff hours after the start): those tasks
// end TIMED_OUT; a running task with CutoffBehavior CANCEL_TASK has its
// command cancelled at the cutoff.
//
// Statuses (§5.4). An invocation follows its command: Success → SUCCESS,
// Cancelled → CANCELLED, TimedOut → TIMED_OUT, Failed → FAILED (StatusDetails
// is the command's: Failed, Incomplete…). A task is SUCCESS when every
// invocation's command stayed within the task's MaxErrors (Success or
// Incomplete: with MaxErrors 100% a node failing does not fail the task —
// S4's "overall Success with a 100% error threshold"; unverified against
// live AWS, reference §5.4), else FAILED / TIMED_OUT / CANCELLED. A window
// execution is SUCCESS when every task is, CANCELLED after
// CancelMaintenanceWindowExecution, FAILED when a task failed, TIMED_OUT
// when a task timed out or the execution ended after the window's Duration.
//
// An open execution is moved forward by one server at a time: each tick
// claims open executions for a lease (SKIP LOCKED on PostgreSQL), so two
// replicas never send an invocation's command twice.

// Maintenance Windows error codes (the API model's shape names).
const (
	CodeDoesNotExist          = "DoesNotExistException"
	CodeResourceLimitExceeded = "ResourceLimitExceededException"
	CodeFeatureNotAvailable   = "FeatureNotAvailableException"
	CodeIdempotentMismatch    = "IdempotentParameterMismatch"
	CodeTargetInUse           = "TargetInUseException"
)

// Maintenance Windows quotas (reference §5.1) and loop settings.
const (
	windowAccountMax     = 50
	windowTasksMax       = 20
	windowTargetsMax     = 100
	windowTaskTargetsMax = 10
	windowTargetIDsMax   = 50
	windowPageDefault    = 10
	windowPageMax        = 100
	windowLease          = 2 * time.Minute
	windowClaimBatch     = 50
	windowDetailsMax     = 250
)

// Maintenance window execution statuses (MaintenanceWindowExecutionStatus).
const (
	WinPending     = "PENDING"
	WinInProgress  = "IN_PROGRESS"
	WinSuccess     = "SUCCESS"
	WinFailed      = "FAILED"
	WinTimedOut    = "TIMED_OUT"
	WinCancelling  = "CANCELLING"
	WinCancelled   = "CANCELLED"
	WinSkippedOver = "SKIPPED_OVERLAPPING"
)

// Task types, resource types and cutoff behaviours (the model's enums).
const (
	TaskRunCommand   = "RUN_COMMAND"
	CutoffContinue   = "CONTINUE_TASK"
	CutoffCancelTask = "CANCEL_TASK"
)

var (
	windowTaskTypes      = []string{"RUN_COMMAND", "AUTOMATION", "STEP_FUNCTIONS", "LAMBDA"}
	windowResourceTypes  = []string{"INSTANCE", "RESOURCE_GROUP"}
	windowCutoffBehavior = []string{CutoffContinue, CutoffCancelTask}
)

// Window is a maintenance window.
type Window struct {
	WindowID                 string
	Name                     string
	Description              string
	Schedule                 string
	ScheduleTimezone         string
	ScheduleOffset           *int
	StartDate                string // ISO-8601 as given
	EndDate                  string
	Duration                 int // hours
	Cutoff                   int // hours
	AllowUnassociatedTargets bool
	Enabled                  bool
	Tags                     []AssociationTag
	Created                  time.Time
	Modified                 time.Time
	NextRun                  time.Time // zero: no start scheduled
}

// WindowTarget is a registered target.
type WindowTarget struct {
	WindowID         string
	WindowTargetID   string
	ResourceType     string
	Targets          []Target
	OwnerInformation string
	Name             string
	Description      string
}

// WindowRunCommand is a task's TaskInvocationParameters.RunCommand.
type WindowRunCommand struct {
	Comment                string                  `json:",omitempty"`
	DocumentHash           string                  `json:",omitempty"`
	DocumentHashType       string                  `json:",omitempty"`
	DocumentVersion        string                  `json:",omitempty"`
	NotificationConfig     *NotificationConfig     `json:",omitempty"`
	CloudWatchOutputConfig *CloudWatchOutputConfig `json:",omitempty"`
	OutputS3BucketName     string                  `json:",omitempty"`
	OutputS3KeyPrefix      string                  `json:",omitempty"`
	Parameters             map[string][]string     `json:",omitempty"`
	ServiceRoleArn         string                  `json:",omitempty"`
	TimeoutSeconds         *int                    `json:",omitempty"`
}

// WindowTask is a registered task.
type WindowTask struct {
	WindowID       string
	WindowTaskID   string
	TaskArn        string
	TaskType       string
	Targets        []Target
	Priority       int
	MaxConcurrency string
	MaxErrors      string
	ServiceRoleArn string
	Name           string
	Description    string
	CutoffBehavior string
	RunCommand     *WindowRunCommand
}

// WindowExecution is one start of a window.
type WindowExecution struct {
	WindowID          string
	WindowExecutionID string
	Status            string
	StatusDetails     string
	Start             time.Time
	End               time.Time
	Cutoff            time.Time // no task starts at or after it
	Deadline          time.Time // Start + Duration: ending later is TIMED_OUT
	Done              bool
}

// WindowTaskExecution is one task's run in a window execution; Task is the
// task as registered when the execution started.
type WindowTaskExecution struct {
	WindowExecutionID string
	TaskExecutionID   string
	Task              WindowTask
	Status            string
	StatusDetails     string
	Start             time.Time
	End               time.Time
}

// WindowTaskInvocation is one target's invocation of a task execution;
// ExecutionID is the Run Command command ID.
type WindowTaskInvocation struct {
	WindowExecutionID string
	TaskExecutionID   string
	InvocationID      string
	Seq               int
	ExecutionID       string
	TaskType          string
	Parameters        string // JSON, as AWS shows it
	Status            string
	StatusDetails     string
	Start             time.Time
	End               time.Time
	OwnerInformation  string
	WindowTargetID    string
	InstanceIDs       []string // the task's InstanceIds form
	TimeoutCancelled  bool     // cancelled at the cutoff (CANCEL_TASK)
}

// Store errors for Maintenance Windows.
var (
	ErrWindowNotFound     = errors.New("ssm: maintenance window not found")
	ErrWindowLimit        = errors.New("ssm: maintenance window limit reached")
	ErrWindowItemNotFound = errors.New("ssm: maintenance window target or task not found")
	ErrWindowExecNotFound = errors.New("ssm: maintenance window execution not found")
)

// WindowStore persists windows, their targets and tasks, and executions.
//
// CreateWindow stores w unless max windows exist (ErrWindowLimit);
// UpdateWindow replaces one (ErrWindowNotFound), NextRun included;
// DeleteWindow removes it with its targets, tasks and executions. PutTarget
// and PutTask add or replace a target or task of an existing window
// (ErrWindowNotFound) unless the window already has max of them and this is
// a new one (ErrWindowLimit); DeleteTarget and DeleteTask return
// ErrWindowItemNotFound. Lists are ordered by ID.
//
// ClaimDue returns up to limit windows whose NextRun is at or before now and
// moves their NextRun to leaseUntil; SetNextRun stores the next start.
// CreateExecution stores an execution with its task executions, held by
// the caller until leaseUntil; SaveExecution writes an execution (unless e
// is nil), task executions and invocations (insert or replace). ClaimOpen
// returns up to limit executions not done and not held (oldest first) and
// holds them until leaseUntil, so that one server at a time moves an
// execution forward (SKIP LOCKED on PostgreSQL); ReleaseExecution frees
// one.
// HasOpenExecution says whether a window has an execution not done;
// ListExecutions returns a window's executions, newest first; GetExecution one
// (ErrWindowExecNotFound); ExecutionTasks its task executions (by priority,
// then ID); TaskInvocations a task execution's invocations by Seq.
type WindowStore interface {
	CreateWindow(ctx context.Context, w *Window, max int) error
	UpdateWindow(ctx context.Context, w *Window) error
	GetWindow(ctx context.Context, id string) (*Window, error)
	ListWindows(ctx context.Context) ([]*Window, error)
	DeleteWindow(ctx context.Context, id string) error
	PutTarget(ctx context.Context, t *WindowTarget, max int) error
	DeleteTarget(ctx context.Context, windowID, targetID string) error
	ListTargets(ctx context.Context, windowID string) ([]*WindowTarget, error)
	PutTask(ctx context.Context, t *WindowTask, max int) error
	DeleteTask(ctx context.Context, windowID, taskID string) error
	ListTasks(ctx context.Context, windowID string) ([]*WindowTask, error)
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Window, error)
	SetNextRun(ctx context.Context, id string, at time.Time) error
	CreateExecution(ctx context.Context, e *WindowExecution, tasks []*WindowTaskExecution, leaseUntil time.Time) error
	SaveExecution(ctx context.Context, e *WindowExecution, tasks []*WindowTaskExecution, invs []*WindowTaskInvocation) error
	ClaimOpen(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*WindowExecution, error)
	ReleaseExecution(ctx context.Context, executionID string) error
	HasOpenExecution(ctx context.Context, windowID string) (bool, error)
	ListExecutions(ctx context.Context, windowID string) ([]*WindowExecution, error)
	GetExecution(ctx context.Context, executionID string) (*WindowExecution, error)
	ExecutionTasks(ctx context.Context, executionID string) ([]*WindowTaskExecution, error)
	TaskInvocations(ctx context.Context, executionID, taskExecutionID string) ([]*WindowTaskInvocation, error)
}

// WindowOptions configures Windows. Zero fields take defaults.
type WindowOptions struct {
	// Tick is how often the loop starts due windows and follows running
	// executions (default 1 s).
	Tick time.Duration
	// Logger receives the loop's errors (default: discarded).
	Logger *slog.Logger
}

// Windows is Maintenance Windows.
type Windows struct {
	store WindowStore
	nodes NodeDirectory
	cmds  *Commands
	env   Env
	opts  WindowOptions
	log   *slog.Logger

	bg loop
}

// NewWindows returns Maintenance Windows, running tasks through cmds.
func NewWindows(store WindowStore, nodes NodeDirectory, cmds *Commands, env Env, opts WindowOptions) *Windows {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Windows{store: store, nodes: nodes, cmds: cmds, env: env, opts: opts, log: opts.Logger}
}

func (w *Windows) now() time.Time { return w.env.Clock.Now().UTC().Truncate(time.Millisecond) }

// Open starts the scheduler loop (Tick every Options.Tick); Close stops it.
func (w *Windows) Open(ctx context.Context) error {
	return w.bg.open(ctx, "maintenance windows", w.opts.Tick, w.log, w.Tick)
}

// Close stops the loop and waits for it to exit.
func (w *Windows) Close() error {
	w.bg.close()
	return nil
}

// wakeLoop asks the loop for a tick now (a window became due).
func (w *Windows) wakeLoop() { w.bg.wake() }

func newWindowID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return "mw-" + hex.EncodeToString(b)[:17]
}

func windowStoreError(err error, id string) error {
	switch {
	case errors.Is(err, ErrWindowNotFound):
		return steward.Errorf(CodeDoesNotExist, "Maintenance window %s does not exist", id)
	case errors.Is(err, ErrWindowItemNotFound):
		return steward.Errorf(CodeDoesNotExist, "%s does not exist", id)
	case errors.Is(err, ErrWindowExecNotFound):
		return steward.Errorf(CodeDoesNotExist, "Maintenance window execution %s does not exist", id)
	case errors.Is(err, ErrWindowLimit):
		return steward.Errorf(CodeResourceLimitExceeded, "The maximum number of %s has been reached.", id)
	}
	return err
}
