package ssm

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
)

// Managed nodes: machines running steward-agent, registered with an
// activation. A node is identified by "mi-" + 17 lowercase hex digits and
// authenticates every agent request with the Ed25519 key it registered.
//
// Liveness: the agent channel (package fleet) records when each node was
// last heard from and persists it in batches (Touch). A node is Online while
// its last ping is at most agentproto.ConnectionLostAfter old, by the
// injected clock, and ConnectionLost after that.
//
// Deregistration keeps the row (so the agent is told it was deregistered,
// not merely refused) but the node disappears from every listing and
// target, and its tags are removed.
//
// Errors on the API side are *steward.Error values with SSM codes; on the
// agent side (Register, NodeKey, Heartbeat) they carry agentproto codes.

// Managed-node error codes (the modeled shape names of the SSM API).
const (
	CodeNodeInvalidInstanceID                 = "InvalidInstanceId"
	CodeNodeInvalidFilterKey                  = "InvalidFilterKey"
	CodeNodeInvalidNextToken                  = "InvalidNextToken"
	CodeNodeInvalidTarget                     = "InvalidTarget"
	CodeInvalidInstanceInformationFilterValue = "InvalidInstanceInformationFilterValue"
)

// PingStatus values.
const (
	PingOnline         = "Online"
	PingConnectionLost = "ConnectionLost"
	PingInactive       = "Inactive" // deprecated by AWS; never reported
)

// SourceTypeManagedInstance is the SourceType of a hybrid node.
const SourceTypeManagedInstance = "AWS::SSM::ManagedInstance"

// Platform types a node reports.
var nodePlatformTypes = []string{"Windows", "Linux", "MacOS"}

// Limits of the facts an agent reports (the API model's InstanceInformation
// members where it has them; generous bounds elsewhere).
const (
	nodeAgentVersionMax    = 128
	nodePlatformNameMax    = 256
	nodePlatformVersionMax = 128
	nodeComputerNameMax    = 255 // ComputerName
	nodeIPAddressMax       = 46  // IPAddress
	nodeActivationCodeMax  = 250 // ActivationCode
	nodeManagedIDMin       = 20
	nodeManagedIDMax       = 124
)

var (
	// nodeInstanceIDRE is the InstanceId pattern: EC2 and hybrid IDs.
	nodeInstanceIDRE = regexp.MustCompile(`(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)`)
	// nodeManagedIDRE is the ManagedInstanceId pattern.
	nodeManagedIDRE = regexp.MustCompile(`(^mi-[0-9a-f]{17}$)|(^eks_c:[0-9A-Za-z][A-Za-z0-9\-_]{0,99}_\w{17}$)`)
	// nodeIDRE is what Steward issues.
	nodeIDRE = regexp.MustCompile(`^mi-[0-9a-f]{17}$`)
)

// IsNodeID reports whether id has the form of a node ID Steward issues
// ("mi-" + 17 lowercase hex digits).
func IsNodeID(id string) bool { return nodeIDRE.MatchString(id) }

// NodeRecord is a stored node.
type NodeRecord struct {
	ID               string
	ActivationID     string
	Name             string // the activation's DefaultInstanceName
	IamRole          string
	RegistrationDate time.Time
	PublicKey        []byte // Ed25519
	Facts            agentproto.Facts
	LastPing         time.Time // zero: never
	Deregistered     bool
	// Tags are the tags a new node gets (RegisterNode only; reads leave it
	// nil: tags live in the tag store).
	Tags []Tag
}

// NodeField is what a NodeCondition looks at.
type NodeField int

// The fields of a NodeCondition.
const (
	NodeIDIs           NodeField = iota + 1 // the ID is one of Values
	NodeAgentVersionIs                      // the agent version is one of Values
	NodePlatformTypeIs                      // the platform type is one of Values
	NodeActivationIs                        // the activation ID is one of Values
	NodeIamRoleIs                           // the IAM role is one of Values
	NodeOnline                              // last ping at or after NodeQuery.OnlineSince (no Values)
	NodeConnectionLost                      // last ping before NodeQuery.OnlineSince (no Values)
	NodeTag                                 // has tag TagKey with one of Values
	NodeTagKey                              // has a tag whose key is one of Values
)

// NodeCondition is one condition of a NodeQuery. Values is never empty for
// the fields that take values.
type NodeCondition struct {
	Field  NodeField
	TagKey string // NodeTag only
	Values []string
}

// NodeQuery selects registered (not deregistered) nodes in ID order.
type NodeQuery struct {
	Conditions  []NodeCondition // all must hold
	OnlineSince time.Time       // for NodeOnline and NodeConnectionLost
	Token       string          // NextToken of the previous page, "" for the first
	Limit       int             // page size; 0 returns every match at once
}

// ErrNodeNotFound reports a node that does not exist (or, where a method
// says so, is deregistered).
var ErrNodeNotFound = errors.New("ssm: managed node not found")

// NodeStore persists activations and nodes.
//
// RegisterNode runs register, in one write transaction, on the activation
// with the given ID (nil when there is none), locked against concurrent
// registrations. When register returns a node, the store inserts it, gives
// it node.Tags (resource type ManagedInstance) and adds one to the
// activation's RegistrationsCount, all in that transaction. An error from
// register is returned unchanged and nothing is written; register may run
// more than once, so it must have no effects of its own.
//
// GetNode returns a node, deregistered ones included (Deregistered set), or
// ErrNodeNotFound.
//
// ListNodes returns a page of registered nodes matching q and the next
// token ("" after the last; always "" when q.Limit is 0). A token it did not
// make returns ErrInvalidNextToken.
//
// UpdateNodeFacts, UpdateNodeRole and DeregisterNode return ErrNodeNotFound
// for an unknown or deregistered node. DeregisterNode also removes the
// node's tags.
//
// TouchNodes sets the last ping of each node in seen, in one transaction,
// never moving a last ping backwards; unknown IDs are ignored.
type NodeStore interface {
	ActivationStore
	RegisterNode(ctx context.Context, activationID string, register func(*ActivationRecord) (*NodeRecord, error)) error
	GetNode(ctx context.Context, id string) (*NodeRecord, error)
	ListNodes(ctx context.Context, q NodeQuery) ([]*NodeRecord, string, error)
	UpdateNodeFacts(ctx context.Context, id string, facts agentproto.Facts) error
	UpdateNodeRole(ctx context.Context, id, role string) error
	DeregisterNode(ctx context.Context, id string) error
	TouchNodes(ctx context.Context, seen map[string]time.Time) error
}

// Nodes is the node registry: hybrid activations, registration and
// authentication keys for the agent channel, DescribeInstanceInformation,
// and target resolution for Run Command and its successors.
type Nodes struct {
	store        NodeStore
	env          Env
	latestAgent  string
	deregistered func(ctx context.Context, nodeID string) error
	assocs       *Associations // DescribeInstanceInformation's association overview
}

// UseAssociations makes DescribeInstanceInformation show each node's
// State Manager overview (AssociationStatus, AssociationOverview, the last
// execution dates), read for the whole page at once.
func (n *Nodes) UseAssociations(a *Associations) { n.assocs = a }

var _ NodeDirectory = (*Nodes)(nil)

// NodeOption configures Nodes.
type NodeOption func(*Nodes)

// WithLatestAgentVersion sets the agent version IsLatestVersion compares
// with (the version of the steward-agent shipped with this server). Without
// it IsLatestVersion is false for every node.
func WithLatestAgentVersion(v string) NodeOption {
	return func(n *Nodes) { n.latestAgent = v }
}

// OnNodeDeregistered sets a function DeregisterManagedInstance calls after
// a node is deregistered (Run Command's Commands.NodeDeregistered, which
// ends the invocations the node will never receive). It is a function, not
// a value, so the composition root can pass a closure over a *Commands
// built after Nodes.
func OnNodeDeregistered(f func(ctx context.Context, nodeID string) error) NodeOption {
	return func(n *Nodes) { n.deregistered = f }
}

// NewNodes returns the node registry on store.
func NewNodes(store NodeStore, env Env, opts ...NodeOption) *Nodes {
	if env.Clock == nil {
		env.Clock = steward.SystemClock{}
	}
	n := &Nodes{store: store, env: env}
	for _, o := range opts {
		o(n)
	}
	return n
}

func (n *Nodes) now() time.Time { return n.env.Clock.Now().UTC().Truncate(time.Millisecond) }

// onlineSince is the oldest last ping that still counts as Online now
// (millisecond precision, as stored, so SQL filters and Go agree).
func (n *Nodes) onlineSince() time.Time { return n.now().Add(-agentproto.ConnectionLostAfter) }

// nodePingStatus is Online when lastPing is at or after onlineSince.
func nodePingStatus(lastPing, onlineSince time.Time) string {
	if !lastPing.IsZero() && !lastPing.Before(onlineSince) {
		return PingOnline
	}
	return PingConnectionLost
}

// Register registers a new node with an activation. The activation code is
// checked against the stored hash in constant time; an unknown (or deleted)
// activation and a wrong code are the same error, InvalidActivation. An
// expired activation is ActivationExpired, a used-up one
// ActivationLimitReached. The node gets the activation's
// DefaultInstanceName, IAM role and tags.
func (n *Nodes) Register(ctx context.Context, req agentproto.RegisterRequest) (agentproto.RegisterResponse, error) {
	if len(req.PublicKey) != ed25519.PublicKeySize {
		return agentproto.RegisterResponse{}, steward.Errorf(agentproto.CodeBadRequest, "publicKey must be an Ed25519 public key (%d bytes).", ed25519.PublicKeySize)
	}
	if err := checkNodeFacts(req.Facts); err != nil {
		return agentproto.RegisterResponse{}, err
	}
	invalid := steward.Errorf(agentproto.CodeInvalidActivation, "The activation ID and code don't match an activation.")
	if !activationIDRE.MatchString(req.ActivationID) || req.ActivationCode == "" || len(req.ActivationCode) > nodeActivationCodeMax {
		return agentproto.RegisterResponse{}, invalid
	}
	hash := sha256.Sum256([]byte(req.ActivationCode))
	now := n.now()
	var nodeID string
	err := n.store.RegisterNode(ctx, req.ActivationID, func(a *ActivationRecord) (*NodeRecord, error) {
		if a == nil || subtle.ConstantTimeCompare(a.CodeHash, hash[:]) != 1 {
			return nil, invalid
		}
		if !now.Before(a.ExpirationDate) {
			return nil, steward.Errorf(agentproto.CodeActivationExpired, "The activation expired at %s.", a.ExpirationDate.Format(time.RFC3339))
		}
		if a.RegistrationsCount >= a.RegistrationLimit {
			return nil, steward.Errorf(agentproto.CodeActivationLimit, "The activation has reached its registration limit (%d).", a.RegistrationLimit)
		}
		id, err := newNodeID()
		if err != nil {
			return nil, steward.Internal(err)
		}
		nodeID = id
		return &NodeRecord{
			ID: id, ActivationID: a.ID, Name: a.DefaultInstanceName, IamRole: a.IamRole, RegistrationDate: now,
			PublicKey: req.PublicKey, Facts: req.Facts, LastPing: now, Tags: a.Tags,
		}, nil
	})
	if err != nil {
		return agentproto.RegisterResponse{}, err
	}
	return agentproto.RegisterResponse{NodeID: nodeID, Region: n.env.Region}, nil
}

// newNodeID returns "mi-" + 17 random lowercase hex digits.
func newNodeID() (string, error) {
	var b [9]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "mi-" + hex.EncodeToString(b[:])[:17], nil
}

// checkNodeFacts bounds what an agent reports (it ends up in API answers and in
// the database: no NUL, valid UTF-8, sane lengths, a known platform type).
func checkNodeFacts(f agentproto.Facts) error {
	for _, c := range []struct {
		name, value string
		max         int
	}{
		{"agentVersion", f.AgentVersion, nodeAgentVersionMax},
		{"computerName", f.ComputerName, nodeComputerNameMax},
		{"ipAddress", f.IPAddress, nodeIPAddressMax},
		{"platformName", f.PlatformName, nodePlatformNameMax},
		{"platformVersion", f.PlatformVersion, nodePlatformVersionMax},
	} {
		if utf8.RuneCountInString(c.value) > c.max || !utf8.ValidString(c.value) || strings.IndexByte(c.value, 0) >= 0 {
			return steward.Errorf(agentproto.CodeBadRequest, "facts.%s must be valid text of at most %d characters.", c.name, c.max)
		}
	}
	if f.PlatformType != "" && !slices.Contains(nodePlatformTypes, f.PlatformType) {
		return steward.Errorf(agentproto.CodeBadRequest, "facts.platformType must be one of Windows, Linux, MacOS.")
	}
	return nil
}

// NodeKey returns a node's public key for request authentication. An
// unknown node is Unauthorized. For a deregistered node it returns the key
// together with a Deregistered error, so the caller can check the request's
// signature before telling the node it was deregistered.
func (n *Nodes) NodeKey(ctx context.Context, nodeID string) (ed25519.PublicKey, error) {
	rec, err := n.store.GetNode(ctx, nodeID)
	if errors.Is(err, ErrNodeNotFound) {
		return nil, steward.Errorf(agentproto.CodeUnauthorized, "Unknown node.")
	}
	if err != nil {
		return nil, err
	}
	key := ed25519.PublicKey(rec.PublicKey)
	if rec.Deregistered {
		return key, errNodeDeregistered()
	}
	return key, nil
}

func errNodeDeregistered() error {
	return steward.Errorf(agentproto.CodeDeregistered, "This node was deregistered. Register it again with an activation.")
}

// Heartbeat stores the facts a node reports when they differ from the
// stored ones (the read is cheap; the write is rare). Liveness itself is
// recorded by Touch.
func (n *Nodes) Heartbeat(ctx context.Context, nodeID string, facts agentproto.Facts) error {
	if err := checkNodeFacts(facts); err != nil {
		return err
	}
	rec, err := n.store.GetNode(ctx, nodeID)
	switch {
	case errors.Is(err, ErrNodeNotFound):
		return steward.Errorf(agentproto.CodeUnauthorized, "Unknown node.")
	case err != nil:
		return err
	case rec.Deregistered:
		return errNodeDeregistered()
	case rec.Facts == facts:
		return nil
	}
	err = n.store.UpdateNodeFacts(ctx, nodeID, facts)
	if errors.Is(err, ErrNodeNotFound) {
		return errNodeDeregistered() // deregistered since the read
	}
	return err
}

// Touch records when nodes were last heard from, in one transaction (the
// agent channel batches them). Times never move backwards.
func (n *Nodes) Touch(ctx context.Context, seen map[string]time.Time) error {
	if len(seen) == 0 {
		return nil
	}
	batch := make(map[string]time.Time, len(seen))
	for id, t := range seen {
		batch[id] = t.UTC().Truncate(time.Millisecond)
	}
	return n.store.TouchNodes(ctx, batch)
}

// checkNodeManagedID applies the ManagedInstanceId constraints.
func checkNodeManagedID(fe *fieldErrors, id, member string) {
	if id == "" {
		fe.null(member)
		return
	}
	fe.length(id, member, nodeManagedIDMin, nodeManagedIDMax, false)
	if !nodeManagedIDRE.MatchString(id) {
		fe.add(id, member, `Member must satisfy regular expression pattern: (^mi-[0-9a-f]{17}$)|(^eks_c:[0-9A-Za-z][A-Za-z0-9\-_]{0,99}_\w{17}$)`)
	}
}

func errNodeNotFound(id string) error {
	return steward.Errorf(CodeNodeInvalidInstanceID, "Instance %s is not a registered managed node.", id)
}

// DeregisterManagedInstance deregisters a node: the agent is refused from
// then on (told Deregistered), the node leaves every listing and target, and
// its tags are removed. The activation's registration count is not given
// back. Then the OnNodeDeregistered function runs; its failure is reported
// (InternalFailure) although the node stays deregistered.
func (n *Nodes) DeregisterManagedInstance(ctx context.Context, id string) error {
	var fe fieldErrors
	checkNodeManagedID(&fe, id, "instanceId")
	if err := fe.err(); err != nil {
		return err
	}
	if err := n.store.DeregisterNode(ctx, id); err != nil {
		if errors.Is(err, ErrNodeNotFound) {
			return errNodeNotFound(id)
		}
		return err
	}
	if n.deregistered != nil {
		if err := n.deregistered(ctx, id); err != nil {
			return steward.Internal(fmt.Errorf("node %s deregistered, but ending its pending work failed: %w", id, err))
		}
	}
	return nil
}

// UpdateManagedInstanceRole changes the IAM role of a node.
func (n *Nodes) UpdateManagedInstanceRole(ctx context.Context, id, role string) error {
	var fe fieldErrors
	checkNodeManagedID(&fe, id, "instanceId")
	if role == "" {
		fe.null("iamRole")
	}
	fe.length(role, "iamRole", 0, activationIamRoleMax, false)
	fe.text(role, "iamRole")
	if err := fe.err(); err != nil {
		return err
	}
	if err := n.store.UpdateNodeRole(ctx, id, role); err != nil {
		if errors.Is(err, ErrNodeNotFound) {
			return errNodeNotFound(id)
		}
		return err
	}
	return nil
}

// Exists reports whether id is a registered node: the ManagedInstance
// checker of the tagging operations. It returns an InvalidResourceId error
// otherwise.
func (n *Nodes) Exists(ctx context.Context, id string) error {
	notFound := steward.Errorf(CodeInvalidResourceID, "The resource ID %s is not a registered managed node.", id)
	if !IsNodeID(id) {
		return notFound
	}
	rec, err := n.store.GetNode(ctx, id)
	if errors.Is(err, ErrNodeNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	if rec.Deregistered {
		return notFound
	}
	return nil
}

// nodeStoreError turns store sentinels into AWS errors; other errors pass
// through.
func nodeStoreError(err error) error {
	if errors.Is(err, ErrInvalidNextToken) {
		return steward.Errorf(CodeNodeInvalidNextToken, "The specified token isn't valid.")
	}
	return err
}
