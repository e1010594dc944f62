package iam

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/stewardhq/steward"
)

// Customer managed policies: standalone permissions policies with up to
// five versions, one of them the default, attached to roles (and usable as
// a permissions boundary). AWS managed policies (arn:aws:iam::aws:policy/…)
// are not served: attaching one fails with NoSuchEntity.

// ManagedPolicy is a managed policy as the API returns it.
type ManagedPolicy struct {
	PolicyRecord
	ARN string
}

// VersionID is the API form of a version number ("v3").
func VersionID(n int64) string { return "v" + strconv.FormatInt(n, 10) }

// parseVersionID is the number of a version ID; 0 when the ID names no
// version Steward makes ("v1.x" is valid syntax but never issued).
func parseVersionID(id string) int64 {
	n, err := strconv.ParseInt(strings.TrimPrefix(id, "v"), 10, 64)
	if err != nil || !strings.HasPrefix(id, "v") {
		return 0
	}
	return n
}

func (r *Roles) managed(p *PolicyRecord) *ManagedPolicy {
	return &ManagedPolicy{PolicyRecord: *p, ARN: r.PolicyARN(p.Path, p.Name)}
}

// checkManagedPolicy applies the identity-policy rules and the managed
// policy size quota.
func checkManagedPolicy(doc string) error {
	if _, err := checkPolicy(doc, identityPolicy); err != nil {
		return err
	}
	if DocumentSize(doc) > managedPolicySizeMax {
		return steward.Errorf(CodeLimitExceeded, "Cannot exceed quota for PolicySize: %d", managedPolicySizeMax)
	}
	return nil
}

// CreatePolicyInput is a CreatePolicy request.
type CreatePolicyInput struct {
	PolicyName     string
	Path           *string
	PolicyDocument string
	Description    *string
	Tags           []Tag
}

// CreatePolicy creates a managed policy whose version v1 is the document.
func (r *Roles) CreatePolicy(ctx context.Context, in CreatePolicyInput) (*ManagedPolicy, error) {
	var fe fieldErrors
	fe.text(in.PolicyName, "policyName", 1, policyNameMax, namePattern)
	path := "/"
	if in.Path != nil {
		path = *in.Path
		fe.text(path, "path", 1, pathMax, policyPathPattern)
	}
	fe.document(in.PolicyDocument, "policyDocument")
	if in.Description != nil {
		fe.length(*in.Description, "description", 0, descriptionMax)
	}
	fe.tags(in.Tags, "tags")
	if err := fe.err(); err != nil {
		return nil, err
	}
	if err := checkNewTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkManagedPolicy(in.PolicyDocument); err != nil {
		return nil, err
	}
	now := r.now()
	rec := &PolicyRecord{
		Name: in.PolicyName, Path: path, Description: deref(in.Description),
		DefaultVersion: 1, NextVersion: 2, CreatedAt: now, UpdatedAt: now,
		Tags: append([]Tag(nil), in.Tags...),
	}
	err := r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Policy(ctx, PolicyKey(in.PolicyName))
		if err != nil {
			return err
		}
		if cur != nil {
			return steward.Errorf(CodeEntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		}
		rec.PolicyID = "ANPA" + randomString(upperAlnum, 17)
		return tx.CreatePolicy(ctx, rec, &PolicyVersion{Version: 1, Document: in.PolicyDocument, CreatedAt: now})
	})
	if err != nil {
		return nil, storeError(err)
	}
	return r.managed(rec), nil
}

// getPolicy resolves a PolicyArn member to the stored policy.
func (r *Roles) getPolicy(ctx context.Context, arn string) (*PolicyRecord, error) {
	key, path, err := r.policyRef(arn)
	if err != nil {
		return nil, err
	}
	p, err := r.store.GetPolicy(ctx, key)
	if errors.Is(err, ErrNoSuchPolicy) || err == nil && p.Path != path {
		return nil, errNoSuchPolicy(arn)
	}
	if err != nil {
		return nil, storeError(err)
	}
	return p, nil
}

// GetPolicy returns a managed policy.
func (r *Roles) GetPolicy(ctx context.Context, arn string) (*ManagedPolicy, error) {
	p, err := r.getPolicy(ctx, arn)
	if err != nil {
		return nil, err
	}
	return r.managed(p), nil
}

// PolicyVersionInfo is a policy version as the API returns it.
type PolicyVersionInfo struct {
	PolicyVersion
	VersionID string
	IsDefault bool
}

func checkVersionID(id string) error {
	var fe fieldErrors
	fe.text(id, "versionId", 1, 128, versionIDPattern)
	return fe.err()
}

// GetPolicyVersion returns one version of a managed policy.
func (r *Roles) GetPolicyVersion(ctx context.Context, arn, versionID string) (*PolicyVersionInfo, error) {
	if err := checkVersionID(versionID); err != nil {
		return nil, err
	}
	p, err := r.getPolicy(ctx, arn)
	if err != nil {
		return nil, err
	}
	n := parseVersionID(versionID)
	v, err := r.store.GetPolicyVersion(ctx, PolicyKey(p.Name), n)
	if errors.Is(err, ErrNoSuchPolicy) || n == 0 {
		return nil, &steward.Error{Code: CodeNoSuchEntity, Message: "Policy " + arn + " version " + versionID + " does not exist or is not attachable."}
	}
	if err != nil {
		return nil, storeError(err)
	}
	return &PolicyVersionInfo{PolicyVersion: *v, VersionID: VersionID(v.Version), IsDefault: v.Version == p.DefaultVersion}, nil
}

// ListPoliciesInput is a ListPolicies request.
type ListPoliciesInput struct {
	Scope             *string
	OnlyAttached      bool
	PathPrefix        *string
	PolicyUsageFilter *string
	Marker            *string
	MaxItems          *int
}

// Scopes of ListPolicies.
const (
	ScopeAll   = "All"
	ScopeAWS   = "AWS"
	ScopeLocal = "Local"
)

// ListPolicies lists managed policies by name. Scope AWS lists nothing
// (AWS managed policies are not served); All and Local list the customer
// managed ones.
func (r *Roles) ListPolicies(ctx context.Context, in ListPoliciesInput) ([]*ManagedPolicy, string, error) {
	var fe fieldErrors
	scope := ScopeAll
	if in.Scope != nil {
		scope = *in.Scope
		if scope != ScopeAll && scope != ScopeAWS && scope != ScopeLocal {
			fe.add(scope, "scope", "Member must satisfy enum value set: [All, AWS, Local]")
		}
	}
	if in.PathPrefix != nil {
		fe.text(*in.PathPrefix, "pathPrefix", 1, pathMax, policyPathPattern)
	}
	usage := deref(in.PolicyUsageFilter)
	if in.PolicyUsageFilter != nil && usage != UsagePermissionsPolicy && usage != UsagePermissionsBoundary {
		fe.add(usage, "policyUsageFilter", "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]")
	}
	limit := fe.paging(in.Marker, in.MaxItems)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	if scope == ScopeAWS {
		if in.Marker != nil { // no AWS-scope listing ever hands one out
			return nil, "", storeError(ErrInvalidMarker)
		}
		return []*ManagedPolicy{}, "", nil
	}
	recs, next, err := r.store.ListPolicies(ctx, PolicyQuery{
		ListQuery:    ListQuery{PathPrefix: deref(in.PathPrefix), Marker: deref(in.Marker), Limit: limit},
		OnlyAttached: in.OnlyAttached, Usage: usage,
	})
	if err != nil {
		return nil, "", storeError(err)
	}
	out := make([]*ManagedPolicy, len(recs))
	for i, p := range recs {
		out[i] = r.managed(p)
	}
	return out, next, nil
}

// DeletePolicy deletes a managed policy that is attached to nothing, used
// as no boundary and has no version but its default.
func (r *Roles) DeletePolicy(ctx context.Context, arn string) error {
	key, path, err := r.policyRef(arn)
	if err != nil {
		return err
	}
	err = r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		p, err := tx.Policy(ctx, key)
		if err != nil {
			return err
		}
		if p == nil || p.Path != path {
			return errNoSuchPolicy(arn)
		}
		if p.AttachmentCount > 0 {
			return steward.Errorf(CodeDeleteConflict, "Cannot delete a policy attached to entities.")
		}
		if p.BoundaryCount > 0 {
			return steward.Errorf(CodeDeleteConflict, "Cannot delete a policy used as a permissions boundary.")
		}
		versions, err := tx.Versions(ctx, key)
		if err != nil {
			return err
		}
		if len(versions) > 1 {
			return steward.Errorf(CodeDeleteConflict, "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.DeletePolicy(ctx, key)
	})
	return storeError(err)
}

// CreatePolicyVersion adds a version to a managed policy, making it the
// default when setAsDefault is set.
func (r *Roles) CreatePolicyVersion(ctx context.Context, arn, doc string, setAsDefault bool) (*PolicyVersionInfo, error) {
	var fe fieldErrors
	fe.document(doc, "policyDocument")
	if err := fe.err(); err != nil {
		return nil, err
	}
	key, path, err := r.policyRef(arn)
	if err != nil {
		return nil, err
	}
	if err := checkManagedPolicy(doc); err != nil {
		return nil, err
	}
	var out *PolicyVersionInfo
	err = r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		p, err := tx.Policy(ctx, key)
		if err != nil {
			return err
		}
		if p == nil || p.Path != path {
			return errNoSuchPolicy(arn)
		}
		versions, err := tx.Versions(ctx, key)
		if err != nil {
			return err
		}
		if len(versions) >= maxPolicyVersions {
			return steward.Errorf(CodeLimitExceeded, "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v := &PolicyVersion{Version: p.NextVersion, Document: doc, CreatedAt: r.now()}
		if err := tx.PutVersion(ctx, key, v); err != nil {
			return err
		}
		p.NextVersion++
		if setAsDefault {
			p.DefaultVersion = v.Version
			p.UpdatedAt = v.CreatedAt
		}
		out = &PolicyVersionInfo{PolicyVersion: *v, VersionID: VersionID(v.Version), IsDefault: setAsDefault}
		return tx.PutPolicy(ctx, p)
	})
	if err != nil {
		return nil, storeError(err)
	}
	if setAsDefault {
		r.cache.invalidateAll()
	}
	return out, nil
}

// ListPolicyVersions lists a managed policy's versions, newest first.
func (r *Roles) ListPolicyVersions(ctx context.Context, arn string, marker *string, maxItems *int) ([]PolicyVersionInfo, string, error) {
	var fe fieldErrors
	limit := fe.paging(marker, maxItems)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	off, err := sliceOffset(deref(marker))
	if err != nil {
		return nil, "", storeError(err)
	}
	p, err := r.getPolicy(ctx, arn)
	if err != nil {
		return nil, "", err
	}
	versions, err := r.store.ListPolicyVersions(ctx, PolicyKey(p.Name))
	if err != nil {
		return nil, "", storeError(err)
	}
	if off > len(versions) {
		return nil, "", storeError(ErrInvalidMarker)
	}
	versions = versions[off:]
	next := ""
	if len(versions) > limit {
		versions, next = versions[:limit], sliceMarker(off+limit)
	}
	out := make([]PolicyVersionInfo, len(versions))
	for i, v := range versions {
		out[i] = PolicyVersionInfo{PolicyVersion: *v, VersionID: VersionID(v.Version), IsDefault: v.Version == p.DefaultVersion}
	}
	return out, next, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func (r *Roles) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	return r.changeVersion(ctx, arn, versionID, func(tx IAMTx, p *PolicyRecord, n int64) error {
		if n == p.DefaultVersion {
			return steward.Errorf(CodeDeleteConflict, "Cannot delete the default version of a policy.")
		}
		return tx.DeleteVersion(ctx, PolicyKey(p.Name), n)
	})
}

// SetDefaultPolicyVersion makes a version the default.
func (r *Roles) SetDefaultPolicyVersion(ctx context.Context, arn, versionID string) error {
	err := r.changeVersion(ctx, arn, versionID, func(tx IAMTx, p *PolicyRecord, n int64) error {
		p.DefaultVersion = n
		p.UpdatedAt = r.now()
		return tx.PutPolicy(ctx, p)
	})
	if err == nil {
		r.cache.invalidateAll()
	}
	return err
}

// changeVersion runs fn on an existing version of a policy in a write
// transaction.
func (r *Roles) changeVersion(ctx context.Context, arn, versionID string, fn func(IAMTx, *PolicyRecord, int64) error) error {
	if err := checkVersionID(versionID); err != nil {
		return err
	}
	key, path, err := r.policyRef(arn)
	if err != nil {
		return err
	}
	n := parseVersionID(versionID)
	err = r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		p, err := tx.Policy(ctx, key)
		if err != nil {
			return err
		}
		if p == nil || p.Path != path {
			return errNoSuchPolicy(arn)
		}
		versions, err := tx.Versions(ctx, key)
		if err != nil {
			return err
		}
		if !contains64(versions, n) {
			return &steward.Error{Code: CodeNoSuchEntity, Message: "Policy " + arn + " version " + versionID + " does not exist."}
		}
		return fn(tx, p, n)
	})
	return storeError(err)
}

func contains64(list []int64, v int64) bool {
	for _, e := range list {
		if e == v {
			return true
		}
	}
	return false
}
