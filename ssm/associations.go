package ssm

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/stewardhq/steward"
)

// State Manager (reference/ssm.md §4): an association binds a Command
// document, its parameters and a schedule to targets. Each run is an
// association execution that sends one Run Command command to the nodes the
// targets select (through Commands, with the association's rate control),
// and each node's association status follows its invocation.
//
// Scheduling is server-side: every association row carries its next run
// time; the loop claims due rows (on PostgreSQL, SKIP LOCKED, so two
// replicas never run one association twice), runs them and stores the next
// time. Creation, UpdateAssociation and StartAssociationsOnce make the
// association due now (unless ApplyOnlyAtCronInterval). Nodes that start
// matching an association's targets are found by a periodic target sweep
// (TargetCheck, default one minute) and get a run of their own.
//
// Per-node limit: AWS allows 20 associations per managed node. A node that
// is already the target of 20 other associations gets, for the 21st, a
// status row Failed / LimitExceeded (visible in
// DescribeInstanceAssociationsStatus) and is left out of that run's command.
// What AWS itself reports beyond the quota is not documented
// (reference/ssm.md §4.5): this is Steward's choice.
//
// Statuses of a node (per association): Pending/Pending until its
// invocation runs, Pending/InProgress while it runs, then Success/Success,
// or Failed with DetailedStatus Failed, TimedOut, Cancelled, Undeliverable…
// (the invocation's StatusDetails). An execution is Pending until its
// command is done, then Success when every node succeeded, else Failed.

// State Manager error codes (the API model's shape names).
const (
	CodeAssociationDoesNotExist          = "AssociationDoesNotExist"
	CodeAssociationAlreadyExists         = "AssociationAlreadyExists"
	CodeAssociationLimitExceeded         = "AssociationLimitExceeded"
	CodeAssociationVersionLimitExceeded  = "AssociationVersionLimitExceeded"
	CodeInvalidAssociationVersion        = "InvalidAssociationVersion"
	CodeAssociationExecutionDoesNotExist = "AssociationExecutionDoesNotExist"
	CodeInvalidAssociation               = "InvalidAssociation"
	CodeInvalidSchedule                  = "InvalidSchedule"
	CodeInvalidTarget                    = "InvalidTarget"
	CodeInvalidNextToken                 = "InvalidNextToken"
)

// State Manager limits (API model; quotas page).
const (
	assocAccountMax        = 2000 // active associations per account and region
	assocVersionMax        = 1000
	assocPerNodeMax        = 20
	assocPageMax           = 50
	assocPageDefault       = 50
	assocExecPageMax       = 50
	assocStartOnceMax      = 10
	assocDefaultConc       = "50" // user guide: at most 50 nodes at a time (§4.2)
	assocDefaultErrors     = "100%"
	assocDefaultTick       = time.Second
	assocDefaultTargetScan = time.Minute
	assocLease             = 2 * time.Minute
	assocClaimBatch        = 50
	assocSummaryMax        = 512
)

// Association statuses (AssociationStatusName) and the detailed statuses
// Steward uses beside them.
const (
	AssocPending  = "Pending"
	AssocSuccess  = "Success"
	AssocFailed   = "Failed"
	AssocInProg   = "InProgress"
	AssocLimitHit = "LimitExceeded"
)

var (
	assocNameRE        = regexp.MustCompile(`^[a-zA-Z0-9_\-.]{3,128}$`)
	assocIDRE          = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	complianceSeverity = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNSPECIFIED"}
	syncCompliance     = []string{"AUTO", "MANUAL"}
)

// S3OutputLocation is an association's OutputLocation.S3Location, stored
// and echoed (Steward writes no output to S3).
type S3OutputLocation struct {
	OutputS3Region     string `json:",omitempty"`
	OutputS3BucketName string `json:",omitempty"`
	OutputS3KeyPrefix  string `json:",omitempty"`
}

// AssociationTag is a tag given at creation.
type AssociationTag struct {
	Key, Value string
}

// Association is one version of an association: what CreateAssociation and
// UpdateAssociation set, plus the times State Manager keeps.
type Association struct {
	AssociationID           string
	Version                 int
	Name                    string // document name
	DocumentVersion         string // "" = $DEFAULT at run time
	InstanceID              string // legacy single-node form
	Parameters              map[string][]string
	Targets                 []Target
	ScheduleExpression      string
	ScheduleOffset          *int
	ApplyOnlyAtCronInterval bool
	AssociationName         string
	MaxConcurrency          string
	MaxErrors               string
	ComplianceSeverity      string
	SyncCompliance          string
	OutputLocation          *S3OutputLocation
	Tags                    []AssociationTag
	Created                 time.Time // association creation (Date)
	Updated                 time.Time // this version's creation (LastUpdateAssociationDate)
	LastExecution           time.Time
	LastSuccess             time.Time
	NextRun                 time.Time // zero: not scheduled
}

// AssociationExecution is one run of an association.
type AssociationExecution struct {
	AssociationID  string
	Version        int
	ExecutionID    string
	CommandID      string // "" until the command is sent (or when none was)
	Status         string // Pending | Success | Failed
	DetailedStatus string
	Created        time.Time
	LastExecution  time.Time
	Counts         map[string]int // targets by DetailedStatus
	Done           bool
}

// AssociationTarget is a node's status in one execution; the latest one per
// association and node is what DescribeInstanceAssociationsStatus shows.
type AssociationTarget struct {
	AssociationID    string
	AssociationName  string
	Version          int
	DocumentName     string
	DocumentVersion  string
	ExecutionID      string
	NodeID           string
	CommandID        string
	Status           string
	DetailedStatus   string
	ErrorCode        string
	ExecutionSummary string
	ExecutionDate    time.Time
}

// Store errors for State Manager.
var (
	ErrAssociationNotFound     = errors.New("ssm: association not found")
	ErrAssociationExists       = errors.New("ssm: association exists")
	ErrAssociationLimit        = errors.New("ssm: association limit reached")
	ErrAssociationVersion      = errors.New("ssm: association version changed")
	ErrAssociationExecNotFound = errors.New("ssm: association execution not found")
)

// AssociationStore persists associations, their versions, executions and
// per-node statuses.
//
// CreateAssociation stores a new association (version 1) unless a legacy
// association (InstanceId) of the same document and node exists
// (ErrAssociationExists) or max associations exist (ErrAssociationLimit). UpdateAssociation stores
// a as a new version when the current version is prev
// (ErrAssociationVersion otherwise, ErrAssociationNotFound when gone).
// GetAssociation returns the current version; GetAssociationVersion one
// version; ListAssociations every current association ordered by ID (the
// account limit bounds them); ListAssociationVersions every version, oldest
// first. DeleteAssociation removes it with its versions, executions and
// statuses (ErrAssociationNotFound).
//
// ClaimDue returns up to limit associations whose NextRun is at or before
// now and moves their NextRun to leaseUntil (a crashed runner's claim runs
// again after it); SetNextRun stores the next run time of a version (no-op
// when the association has moved to another version or is gone).
//
// StartExecution stores e, and a Pending target for every node in nodeIDs
// unless the node already holds maxPerNode other associations, in which
// case its target is Failed/LimitExceeded; it returns the admitted nodes.
// SetExecutionCommand records the command an execution sent.
// OpenExecutions returns executions not done. SaveExecution writes an
// execution (keeping the stored CommandID when e has none), the given
// targets (also as their nodes' latest status), the association's
// LastSuccess and events to the outbox, in one transaction.
// ListExecutions returns an association's executions, newest first;
// GetExecution one (ErrAssociationExecNotFound); ExecutionTargets its
// targets by node ID; NodeStatuses the latest target of every association
// of a node, by association ID; AssociationStatuses the latest target of
// every node of an association.
type AssociationStore interface {
	CreateAssociation(ctx context.Context, a *Association, max int) error
	UpdateAssociation(ctx context.Context, a *Association, prev int) error
	GetAssociation(ctx context.Context, id string) (*Association, error)
	GetAssociationVersion(ctx context.Context, id string, version int) (*Association, error)
	ListAssociations(ctx context.Context) ([]*Association, error)
	ListAssociationVersions(ctx context.Context, id string) ([]*Association, error)
	DeleteAssociation(ctx context.Context, id string) error
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Association, error)
	SetNextRun(ctx context.Context, id string, version int, at time.Time) error
	StartExecution(ctx context.Context, e *AssociationExecution, targets []*AssociationTarget, maxPerNode int) ([]string, error)
	SetExecutionCommand(ctx context.Context, associationID, executionID, commandID string) error
	OpenExecutions(ctx context.Context, limit int) ([]*AssociationExecution, error)
	SaveExecution(ctx context.Context, e *AssociationExecution, targets []*AssociationTarget, events []*steward.Event) error
	ListExecutions(ctx context.Context, associationID string) ([]*AssociationExecution, error)
	GetExecution(ctx context.Context, associationID, executionID string) (*AssociationExecution, error)
	ExecutionTargets(ctx context.Context, associationID, executionID string) ([]*AssociationTarget, error)
	NodeStatuses(ctx context.Context, nodeID string) ([]*AssociationTarget, error)
	AssociationStatuses(ctx context.Context, associationID string) ([]*AssociationTarget, error)
	// NodeCounts returns how many associations each of nodeIDs has (what
	// DescribeInstanceAssociationsStatus lists for it); nodes without any
	// are absent.
	NodeCounts(ctx context.Context, nodeIDs []string) (map[string]int, error)
	// NodesStatuses is NodeStatuses for several nodes at once, by node.
	NodesStatuses(ctx context.Context, nodeIDs []string) (map[string][]*AssociationTarget, error)
}

// AssociationOptions configures Associations. Zero fields take defaults.
type AssociationOptions struct {
	// Tick is how often the loop looks for due associations and follows
	// running executions (default 1 s).
	Tick time.Duration
	// TargetCheck is how often every association's targets are resolved
	// again to run it on nodes that newly match (default 1 min).
	TargetCheck time.Duration
	// Logger receives the loop's errors (default: discarded).
	Logger *slog.Logger
}

// Associations is State Manager.
type Associations struct {
	store AssociationStore
	nodes NodeDirectory
	docs  *Documents
	cmds  *Commands
	env   Env
	opts  AssociationOptions
	log   *slog.Logger

	bg loop

	mu        sync.Mutex // lastCheck
	lastCheck time.Time
}

// NewAssociations returns State Manager, running its commands through cmds.
func NewAssociations(store AssociationStore, nodes NodeDirectory, docs *Documents, cmds *Commands, env Env, opts AssociationOptions) *Associations {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	if opts.Tick <= 0 {
		opts.Tick = assocDefaultTick
	}
	if opts.TargetCheck <= 0 {
		opts.TargetCheck = assocDefaultTargetScan
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Associations{store: store, nodes: nodes, docs: docs, cmds: cmds, env: env, opts: opts, log: opts.Logger}
}

func (a *Associations) now() time.Time { return a.env.Clock.Now().UTC().Truncate(time.Millisecond) }

// Open starts the scheduler loop (Tick every Options.Tick); Close stops it.
func (a *Associations) Open(ctx context.Context) error {
	return a.bg.open(ctx, "state manager", a.opts.Tick, a.log, a.Tick)
}

// Close stops the loop and waits for it to exit.
func (a *Associations) Close() error {
	a.bg.close()
	return nil
}

// wakeLoop asks the loop for a tick now (a run became due).
func (a *Associations) wakeLoop() { a.bg.wake() }

func assocStoreError(err error, id string) error {
	switch {
	case errors.Is(err, ErrAssociationNotFound):
		return steward.Errorf(CodeAssociationDoesNotExist, "The association %s does not exist.", id)
	case errors.Is(err, ErrAssociationExecNotFound):
		return steward.Errorf(CodeAssociationExecutionDoesNotExist, "The association execution does not exist.")
	case errors.Is(err, ErrAssociationExists):
		return steward.Errorf(CodeAssociationAlreadyExists, "An association with this name already exists.")
	case errors.Is(err, ErrAssociationLimit):
		return steward.Errorf(CodeAssociationLimitExceeded, "You can create at most %d associations.", assocAccountMax)
	case errors.Is(err, ErrAssociationVersion):
		return steward.Errorf(CodeInvalidAssociationVersion, "The association %s was updated by another request.", id)
	}
	return err
}

func versionString(v int) string { return strconv.Itoa(v) }
