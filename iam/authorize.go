package iam

import (
	"context"
	"errors"
	"sync"
	"time"
)

// What a role may do: services that act with a role (an EventBridge target
// with a RoleArn, later Automation and maintenance windows) ask whether the
// role exists, whether its trust policy lets the service assume it, and
// whether its permissions policies allow the action on the resource.
//
// Evaluation reads the role's documents once and keeps them parsed: an
// evaluated role is cached until a change made through this Roles
// invalidates it, or for at most RolesOptions.CacheTTL (changes made by
// another replica). Parsed documents are shared by text across roles. A
// cached evaluation costs a map lookup and the statement matching, with no
// I/O.
//
// The decision for a role: ExplicitDeny when any of its inline or attached
// policies (or its permissions boundary) denies; Allow when one of them
// allows and, if the role has a permissions boundary, the boundary allows
// too; ImplicitDeny otherwise.

// Reason says why a role cannot be used for a request.
type Reason uint8

// The reasons.
const (
	// ReasonRoleNotFound: no role has this ARN (in this account).
	ReasonRoleNotFound Reason = iota + 1
	// ReasonNotTrusted: the trust policy does not let the principal assume
	// the role (sts:AssumeRole).
	ReasonNotTrusted
	// ReasonNotAllowed: no policy of the role allows the action on the
	// resource.
	ReasonNotAllowed
	// ReasonDenied: a policy of the role explicitly denies it.
	ReasonDenied
)

func (r Reason) String() string {
	switch r {
	case ReasonRoleNotFound:
		return "RoleNotFound"
	case ReasonNotTrusted:
		return "NotTrusted"
	case ReasonNotAllowed:
		return "NotAllowed"
	case ReasonDenied:
		return "Denied"
	}
	return "Unknown"
}

// AccessError reports that a role cannot be used. Callers branch on Reason
// (EventBridge, for instance, reports RoleNotFound and NotTrusted as a
// failure to assume the role, and the others as missing permissions).
type AccessError struct {
	Reason    Reason
	RoleARN   string
	Principal string // the service that would assume the role, if any
	Action    string
	Resource  string
}

func (e *AccessError) Error() string {
	switch e.Reason {
	case ReasonRoleNotFound:
		return "role " + e.RoleARN + " does not exist"
	case ReasonNotTrusted:
		return "the trust policy of role " + e.RoleARN + " does not allow " + e.Principal + " to assume it (sts:AssumeRole)"
	case ReasonDenied:
		return "role " + e.RoleARN + " is explicitly denied " + e.Action + " on resource " + e.Resource
	}
	return "role " + e.RoleARN + " is not allowed to perform " + e.Action + " on resource " + e.Resource
}

// ReasonOf returns the Reason of an *AccessError in err's chain, or 0.
func ReasonOf(err error) Reason {
	var ae *AccessError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return 0
}

// Authorize decides whether the role may perform req.Action on
// req.Resource under its permissions policies (req.Principal is ignored).
// A role that does not exist is an *AccessError with ReasonRoleNotFound;
// other errors are storage failures.
func (r *Roles) Authorize(ctx context.Context, roleARN string, req Request) (Decision, error) {
	c, err := r.compiled(ctx, roleARN)
	if err != nil {
		return ImplicitDeny, err
	}
	er := prepare(&req)
	er.principal = nil
	return c.decide(er), nil
}

// TrustsService decides whether the role's trust policy lets the service
// principal (e.g. "events.amazonaws.com") assume it: sts:AssumeRole on the
// role, with the condition keys in keys (aws:SourceArn, aws:SourceAccount …).
// A missing role is an *AccessError with ReasonRoleNotFound.
func (r *Roles) TrustsService(ctx context.Context, roleARN, service string, keys map[string][]string) (Decision, error) {
	c, err := r.compiled(ctx, roleARN)
	if err != nil {
		return ImplicitDeny, err
	}
	return c.trusts(roleARN, service, keys), nil
}

// AuthorizeService checks everything a service needs to act with a role:
// the role exists, trusts the service (with req.Context as the condition
// keys of the assume-role request) and allows req. It returns nil or an
// *AccessError saying which check failed; other errors are storage
// failures.
func (r *Roles) AuthorizeService(ctx context.Context, roleARN, service string, req Request) error {
	c, err := r.compiled(ctx, roleARN)
	if err != nil {
		if ae, ok := err.(*AccessError); ok {
			ae.Principal, ae.Action, ae.Resource = service, req.Action, req.Resource
		}
		return err
	}
	ae := &AccessError{RoleARN: roleARN, Principal: service, Action: req.Action, Resource: req.Resource}
	if c.trusts(roleARN, service, req.Context) != Allow {
		ae.Reason = ReasonNotTrusted
		return ae
	}
	er := prepare(&req)
	er.principal = nil
	switch c.decide(er) {
	case Allow:
		return nil
	case ExplicitDeny:
		ae.Reason = ReasonDenied
	default:
		ae.Reason = ReasonNotAllowed
	}
	return ae
}

// compiledRole is a role's documents, parsed.
type compiledRole struct {
	missing     bool
	path        string
	trust       *Policy
	identity    []*Policy
	hasBoundary bool
	boundary    *Policy // nil with hasBoundary: the boundary is missing and allows nothing
	loadedAt    time.Time
}

func (c *compiledRole) trusts(roleARN, service string, keys map[string][]string) Decision {
	return evaluate(&evalRequest{
		action:    "sts:assumerole",
		resource:  roleARN,
		principal: &Principal{Type: PrincipalService, ID: service},
		context:   keys,
	}, []*Policy{c.trust})
}

func (c *compiledRole) decide(er *evalRequest) Decision {
	d := evaluate(er, c.identity)
	if d != Allow || !c.hasBoundary {
		return d
	}
	if c.boundary == nil {
		return ImplicitDeny
	}
	return evaluate(er, []*Policy{c.boundary})
}

// compiled returns the role named by roleARN, from the cache when fresh.
func (r *Roles) compiled(ctx context.Context, roleARN string) (*compiledRole, error) {
	acct, path, name, ok := parseIAMARN(roleARN, "role")
	if !ok || acct != r.account {
		return nil, &AccessError{Reason: ReasonRoleNotFound, RoleARN: roleARN}
	}
	key := RoleKey(name)
	now := r.clock.Now()
	c, gen := r.cache.get(key)
	if c == nil || r.opts.CacheTTL < 0 || now.Sub(c.loadedAt) >= r.opts.CacheTTL || now.Before(c.loadedAt) {
		var err error
		if c, err = r.load(ctx, key); err != nil {
			return nil, err
		}
		c.loadedAt = now
		if r.opts.CacheTTL >= 0 {
			r.cache.put(key, c, gen)
		}
	}
	if c.missing || c.path != path {
		return nil, &AccessError{Reason: ReasonRoleNotFound, RoleARN: roleARN}
	}
	return c, nil
}

func (r *Roles) load(ctx context.Context, key string) (*compiledRole, error) {
	docs, err := r.store.RoleDocuments(ctx, key)
	if errors.Is(err, ErrNoSuchRole) {
		return &compiledRole{missing: true}, nil
	}
	if err != nil {
		return nil, err
	}
	c := &compiledRole{path: docs.Role.Path, trust: r.parsed(docs.Role.TrustPolicy)}
	for _, d := range docs.Inline {
		c.identity = append(c.identity, r.parsed(d))
	}
	for _, d := range docs.Attached {
		c.identity = append(c.identity, r.parsed(d))
	}
	if docs.Role.BoundaryKey != "" {
		c.hasBoundary = true
		if docs.Boundary != nil {
			c.boundary = r.parsed(*docs.Boundary)
		}
	}
	return c, nil
}

// parsed returns the parsed document, from the cache when seen before. A
// stored document that does not parse (it was validated when written, so
// only a damaged database has one) grants nothing.
func (r *Roles) parsed(doc string) *Policy {
	if p, ok := r.cache.doc(doc); ok {
		return p
	}
	p, err := ParsePolicy(doc)
	if err != nil {
		r.log.Warn("iam: stored policy document does not parse; it grants nothing", "err", err)
		p = nil
	}
	r.cache.putDoc(doc, p)
	return p
}

// roleCache holds evaluated roles by key and parsed documents by text. A
// generation number, bumped by every invalidation, keeps a load that raced
// with a change from being stored.
type roleCache struct {
	mu    sync.Mutex
	gen   uint64
	roles map[string]*compiledRole
	docs  map[string]*Policy
}

// maxCachedRoles and maxCachedDocs bound the cache; it starts over when
// full.
const (
	maxCachedRoles = 10000
	maxCachedDocs  = 10000
)

func (c *roleCache) init() {
	c.roles = map[string]*compiledRole{}
	c.docs = map[string]*Policy{}
}

func (c *roleCache) get(key string) (*compiledRole, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.roles[key], c.gen
}

func (c *roleCache) put(key string, cr *compiledRole, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.roles) >= maxCachedRoles {
		c.roles = map[string]*compiledRole{}
	}
	c.roles[key] = cr
}

func (c *roleCache) invalidate(key string) {
	c.mu.Lock()
	delete(c.roles, key)
	c.gen++
	c.mu.Unlock()
}

func (c *roleCache) invalidateAll() {
	c.mu.Lock()
	c.roles = map[string]*compiledRole{}
	c.gen++
	c.mu.Unlock()
}

func (c *roleCache) doc(text string) (*Policy, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.docs[text]
	return p, ok
}

func (c *roleCache) putDoc(text string, p *Policy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.docs) >= maxCachedDocs {
		c.docs = map[string]*Policy{}
	}
	c.docs[text] = p
}
