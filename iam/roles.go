package iam

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Roles: IAM roles with their trust policies, inline policies and attached
// customer managed policies, and the evaluator that decides what a role may
// do (authorize.go). The operations follow the IAM API (awsQuery,
// 2010-05-08); every error is a *steward.Error carrying the IAM error code.
//
// Identity: IAM names are unique regardless of case ("MyRole" and "myrole"
// are one role) and keep the case they were created with. Stores key roles
// and policies by RoleKey / PolicyKey (the lower-cased name); a role or
// policy ARN must also carry the entity's path to resolve.

// IAM error codes (the modeled shape names; the gateway's table gives the
// query codes and statuses).
const (
	CodeNoSuchEntity            = "NoSuchEntityException"
	CodeEntityAlreadyExists     = "EntityAlreadyExistsException"
	CodeDeleteConflict          = "DeleteConflictException"
	CodeLimitExceeded           = "LimitExceededException"
	CodeMalformedPolicyDocument = "MalformedPolicyDocumentException"
	CodeInvalidInput            = "InvalidInputException"
	CodeConcurrentModification  = "ConcurrentModificationException"
	CodeServiceFailure          = "ServiceFailureException"
)

// IAM limits: the API model's constraints and the IAM quotas
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
// Policy sizes count characters other than white space, as IAM does.
const (
	roleNameMax          = 64
	policyNameMax        = 128
	pathMax              = 512
	descriptionMax       = 1000
	documentMax          = 131072 // policyDocumentType
	arnMin, arnMax       = 20, 2048
	trustPolicySizeMax   = 2048  // ACLSizePerRole (quota, default)
	inlinePolicySizeMax  = 10240 // all inline policies of a role together
	managedPolicySizeMax = 6144  // PolicySize
	maxTagsPerEntity     = 50
	tagKeyMax            = 128
	tagValueMax          = 256
	defaultMaxAttached   = 10 // PoliciesPerRole (quota, default; AWS raises it to 20 on request)
	sessionDurationMin   = 3600
	sessionDurationMax   = 43200
	listMaxItems         = 1000
	listDefaultItems     = 100
	markerMax            = 320
	maxPolicyVersions    = 5
	defaultCacheTTL      = 5 * time.Second
)

// RoleRecord is a role as stored.
type RoleRecord struct {
	Name                string
	RoleID              string
	Path                string
	TrustPolicy         string // the AssumeRolePolicyDocument as written
	Description         string
	MaxSessionDuration  int
	PermissionsBoundary string // policy ARN, "" for none
	BoundaryKey         string // PolicyKey of the boundary policy, "" for none
	CreatedAt           time.Time
	Tags                []Tag // in the order they were added
}

// Tag is a tag of a role or policy. Keys are unique regardless of case.
type Tag struct {
	Key   string
	Value string
}

// InlinePolicy is a policy embedded in a role.
type InlinePolicy struct {
	Name     string
	Document string // as written
	Size     int    // DocumentSize(Document)
}

// PolicyRecord is a customer managed policy as stored. AttachmentCount and
// BoundaryCount are filled by reads.
type PolicyRecord struct {
	Name            string
	PolicyID        string
	Path            string
	Description     string
	DefaultVersion  int64 // the default version's number (its ID is "v" + number)
	NextVersion     int64 // the number the next version gets
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Tags            []Tag
	AttachmentCount int
	BoundaryCount   int
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	Version   int64
	Document  string
	CreatedAt time.Time
}

// RoleDocuments are the documents that decide what a role may do.
type RoleDocuments struct {
	Role     *RoleRecord
	Inline   []string
	Attached []string // default versions of the attached managed policies
	Boundary *string  // default version of the permissions boundary; nil when none or missing
}

// ListQuery is a page of a listing in key order.
type ListQuery struct {
	PathPrefix string // "" or "/" for all
	Marker     string // Marker of the previous page, "" for the first
	Limit      int    // ≥ 1
}

// PolicyQuery is a page of the managed-policy listing. With OnlyAttached,
// only policies in use are listed: attached to a role (Usage
// UsagePermissionsPolicy), used as a permissions boundary (Usage
// UsagePermissionsBoundary), or either (Usage "").
type PolicyQuery struct {
	ListQuery
	OnlyAttached bool
	Usage        string
}

// Policy usage filters of ListPolicies.
const (
	UsagePermissionsPolicy   = "PermissionsPolicy"
	UsagePermissionsBoundary = "PermissionsBoundary"
)

// Store errors.
var (
	// ErrNoSuchRole reports a role that does not exist.
	ErrNoSuchRole = errors.New("iam: no such role")
	// ErrNoSuchRolePolicy reports an inline policy that does not exist.
	ErrNoSuchRolePolicy = errors.New("iam: no such role policy")
	// ErrNoSuchPolicy reports a managed policy (or version) that does not exist.
	ErrNoSuchPolicy = errors.New("iam: no such policy")
	// ErrInvalidMarker reports a pagination marker the store did not make.
	ErrInvalidMarker = errors.New("iam: invalid marker")
	// ErrTooManyUpdates reports a write that lost to concurrent writers too
	// many times.
	ErrTooManyUpdates = errors.New("iam: too many concurrent updates")
)

// RoleStore persists roles and managed policies. Keys are RoleKey and
// PolicyKey of the names.
//
// GetRole returns ErrNoSuchRole. ListRoles returns a page of roles whose
// path starts with q.PathPrefix, in key order, and the marker of the next
// page ("" after the last); an unknown marker is ErrInvalidMarker (so for
// every listing). GetRolePolicy returns ErrNoSuchRole or
// ErrNoSuchRolePolicy. ListRolePolicies (inline policy names) and
// ListAttachedRolePolicies (managed policies whose path starts with
// q.PathPrefix) return ErrNoSuchRole for a missing role. GetPolicy and
// GetPolicyVersion return ErrNoSuchPolicy. ListPolicyVersions lists every
// version, newest first. RoleDocuments returns ErrNoSuchRole.
//
// UpdateIAM runs fn in a write transaction (see IAMTx) and commits when fn
// returns nil. An error from fn is returned unchanged. fn may run more than
// once when concurrent writers collide (two creators of one name), so it
// must have no effects outside tx; after repeated collisions UpdateIAM
// returns ErrTooManyUpdates.
type RoleStore interface {
	GetRole(ctx context.Context, key string) (*RoleRecord, error)
	ListRoles(ctx context.Context, q ListQuery) ([]*RoleRecord, string, error)
	GetRolePolicy(ctx context.Context, roleKey, policyKey string) (*InlinePolicy, error)
	ListRolePolicies(ctx context.Context, roleKey string, q ListQuery) ([]string, string, error)
	ListAttachedRolePolicies(ctx context.Context, roleKey string, q ListQuery) ([]*PolicyRecord, string, error)
	GetPolicy(ctx context.Context, key string) (*PolicyRecord, error)
	GetPolicyVersion(ctx context.Context, key string, version int64) (*PolicyVersion, error)
	ListPolicyVersions(ctx context.Context, key string) ([]*PolicyVersion, error)
	ListPolicies(ctx context.Context, q PolicyQuery) ([]*PolicyRecord, string, error)
	RoleDocuments(ctx context.Context, roleKey string) (*RoleDocuments, error)
	UpdateIAM(ctx context.Context, fn func(IAMTx) error) error
}

// IAMTx is a write transaction over roles and policies.
//
// Role and Policy return nil when the entity does not exist, and lock it for
// the rest of the transaction (lock roles before policies). Policy fills
// AttachmentCount and BoundaryCount. CreateRole and CreatePolicy insert (a
// name or ID taken by a concurrent writer makes UpdateIAM run fn again);
// PutRole replaces a role's stored fields. DeleteRole deletes a role with
// its inline policies and attachments; DeletePolicy a policy with its
// versions (it must not be attached). PutInlinePolicy inserts or replaces
// by name key; DeleteInlinePolicy and Detach report whether there was
// something to remove. Attached returns the keys of the policies attached
// to a role. PutPolicy replaces a policy's stored fields (default version,
// next version, tags, update time).
type IAMTx interface {
	Role(ctx context.Context, key string) (*RoleRecord, error)
	CreateRole(ctx context.Context, r *RoleRecord) error
	PutRole(ctx context.Context, r *RoleRecord) error
	DeleteRole(ctx context.Context, key string) error
	InlinePolicies(ctx context.Context, roleKey string) ([]InlinePolicy, error)
	PutInlinePolicy(ctx context.Context, roleKey string, p InlinePolicy) error
	DeleteInlinePolicy(ctx context.Context, roleKey, policyKey string) (bool, error)
	Attached(ctx context.Context, roleKey string) ([]string, error)
	Attach(ctx context.Context, roleKey, policyKey string) error
	Detach(ctx context.Context, roleKey, policyKey string) (bool, error)
	Policy(ctx context.Context, key string) (*PolicyRecord, error)
	CreatePolicy(ctx context.Context, p *PolicyRecord, v *PolicyVersion) error
	PutPolicy(ctx context.Context, p *PolicyRecord) error
	DeletePolicy(ctx context.Context, key string) error
	Versions(ctx context.Context, policyKey string) ([]int64, error)
	PutVersion(ctx context.Context, policyKey string, v *PolicyVersion) error
	DeleteVersion(ctx context.Context, policyKey string, version int64) error
}

// RoleKey is the store key of a role name.
func RoleKey(name string) string { return strings.ToLower(name) }

// PolicyKey is the store key of a managed or inline policy name.
func PolicyKey(name string) string { return strings.ToLower(name) }

// RolesOptions tunes Roles; zero values take the defaults.
type RolesOptions struct {
	// MaxAttachedPolicies is the managed policies a role may have attached
	// (IAM's PoliciesPerRole quota). Default 10.
	MaxAttachedPolicies int
	// CacheTTL is how long an evaluated role is used before the store is
	// read again. Changes made through this Roles take effect at once; the
	// TTL bounds how long another replica's change takes (IAM itself is
	// eventually consistent). Default 5 s; negative disables the cache.
	CacheTTL time.Duration
	Logger   *slog.Logger
}

// Roles is IAM roles and customer managed policies for one account.
type Roles struct {
	store   RoleStore
	account string
	clock   steward.Clock
	opts    RolesOptions
	log     *slog.Logger
	cache   roleCache
}

// NewRoles returns the roles of account on store.
func NewRoles(store RoleStore, account string, clock steward.Clock, opts RolesOptions) *Roles {
	if clock == nil {
		clock = steward.SystemClock{}
	}
	if opts.MaxAttachedPolicies <= 0 {
		opts.MaxAttachedPolicies = defaultMaxAttached
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = defaultCacheTTL
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Roles{store: store, account: account, clock: clock, opts: opts, log: log}
	r.cache.init()
	return r
}

// Account is the account the roles belong to.
func (r *Roles) Account() string { return r.account }

// Role is a role as the API returns it.
type Role struct {
	RoleRecord
	ARN string
}

// RoleARN is arn:aws:iam::ACCOUNT:role/PATH/NAME (PATH without its slashes
// at the ends; "role/NAME" for the root path).
func (r *Roles) RoleARN(path, name string) string {
	return "arn:aws:iam::" + r.account + ":role" + path + name
}

// PolicyARN is arn:aws:iam::ACCOUNT:policy/PATH/NAME.
func (r *Roles) PolicyARN(path, name string) string {
	return "arn:aws:iam::" + r.account + ":policy" + path + name
}

func (r *Roles) role(rec *RoleRecord) *Role {
	return &Role{RoleRecord: *rec, ARN: r.RoleARN(rec.Path, rec.Name)}
}

// parseIAMARN splits arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME into the
// account, path ("/" or "/a/b/") and name; ok is false for anything else.
func parseIAMARN(arn, kind string) (account, path, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return "", "", "", false
	}
	res, found := strings.CutPrefix(parts[5], kind+"/")
	if !found || res == "" {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	path, name = "/"+res[:i+1], res[i+1:]
	if name == "" {
		return "", "", "", false
	}
	return parts[4], path, name, true
}

func (r *Roles) now() time.Time { return r.clock.Now().UTC().Truncate(time.Millisecond) }

// storeError turns store sentinels that no operation handled into AWS
// errors; *steward.Error values and unexpected errors pass through (the
// gateway reports the latter as InternalFailure).
func storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrInvalidMarker):
		return steward.Errorf(CodeInvalidInput, "Invalid Marker.")
	case errors.Is(err, ErrTooManyUpdates):
		return steward.Errorf(CodeConcurrentModification, "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.")
	}
	return err
}

func errNoSuchRole(name string) error {
	return &steward.Error{Code: CodeNoSuchEntity, Message: "The role with name " + name + " cannot be found."}
}

func errNoSuchRolePolicy(name string) error {
	return &steward.Error{Code: CodeNoSuchEntity, Message: "The role policy with name " + name + " cannot be found."}
}

func errNoSuchPolicy(arn string) error {
	return &steward.Error{Code: CodeNoSuchEntity, Message: "Policy " + arn + " was not found."}
}
