package iam

import (
	"context"
	"errors"
	"fmt"

	"github.com/stewardhq/steward"
)

// CreateRoleInput is a CreateRole request; nil pointers were not given.
type CreateRoleInput struct {
	RoleName                 string
	Path                     *string
	AssumeRolePolicyDocument string
	Description              *string
	MaxSessionDuration       *int
	PermissionsBoundary      *string
	Tags                     []Tag
}

// CreateRole creates a role with its trust policy.
func (r *Roles) CreateRole(ctx context.Context, in CreateRoleInput) (*Role, error) {
	var fe fieldErrors
	fe.text(in.RoleName, "roleName", 1, roleNameMax, namePattern)
	path := "/"
	if in.Path != nil {
		path = *in.Path
		fe.text(path, "path", 1, pathMax, rolePathPattern)
	}
	fe.document(in.AssumeRolePolicyDocument, "assumeRolePolicyDocument")
	if in.Description != nil {
		fe.text(*in.Description, "description", 0, descriptionMax, roleDescPattern)
	}
	duration := sessionDurationMin
	if in.MaxSessionDuration != nil {
		duration = *in.MaxSessionDuration
		fe.intRange(duration, "maxSessionDuration", sessionDurationMin, sessionDurationMax)
	}
	if in.PermissionsBoundary != nil {
		fe.length(*in.PermissionsBoundary, "permissionsBoundary", arnMin, arnMax)
	}
	fe.tags(in.Tags, "tags")
	if err := fe.err(); err != nil {
		return nil, err
	}
	if err := checkNewTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkTrustPolicy(in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	rec := &RoleRecord{
		Name:               in.RoleName,
		Path:               path,
		TrustPolicy:        in.AssumeRolePolicyDocument,
		Description:        deref(in.Description),
		MaxSessionDuration: duration,
		CreatedAt:          r.now(),
		Tags:               append([]Tag(nil), in.Tags...),
	}
	var boundaryKey string
	if in.PermissionsBoundary != nil {
		var err error
		if boundaryKey, err = r.boundaryKey(*in.PermissionsBoundary); err != nil {
			return nil, err
		}
		rec.PermissionsBoundary, rec.BoundaryKey = *in.PermissionsBoundary, boundaryKey
	}
	err := r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, RoleKey(in.RoleName))
		if err != nil {
			return err
		}
		if cur != nil {
			return steward.Errorf(CodeEntityAlreadyExists, "Role with name %s already exists.", in.RoleName)
		}
		if boundaryKey != "" {
			p, err := tx.Policy(ctx, boundaryKey)
			if err != nil {
				return err
			}
			if p == nil || p.Path != boundaryPath(rec.PermissionsBoundary) {
				return errBoundary(rec.PermissionsBoundary)
			}
		}
		rec.RoleID = "AROA" + randomString(upperAlnum, 17)
		return tx.CreateRole(ctx, rec)
	})
	if err != nil {
		return nil, storeError(err)
	}
	r.cache.invalidate(RoleKey(rec.Name))
	return r.role(rec), nil
}

// checkTrustPolicy applies the trust-policy rules and its size quota.
func checkTrustPolicy(doc string) error {
	if _, err := checkPolicy(doc, trustPolicy); err != nil {
		return err
	}
	if DocumentSize(doc) > trustPolicySizeMax {
		return steward.Errorf(CodeLimitExceeded, "Cannot exceed quota for ACLSizePerRole: %d", trustPolicySizeMax)
	}
	return nil
}

// boundaryKey checks a permissions-boundary ARN: a customer managed policy
// of this account (AWS managed policies are not served).
func (r *Roles) boundaryKey(arn string) (string, error) {
	acct, _, name, ok := parseIAMARN(arn, "policy")
	if !ok {
		return "", steward.Errorf(CodeInvalidInput, "ARN %s is not valid.", arn)
	}
	if acct != r.account {
		return "", errBoundary(arn)
	}
	return PolicyKey(name), nil
}

func boundaryPath(arn string) string {
	_, path, _, _ := parseIAMARN(arn, "policy")
	return path
}

func errBoundary(arn string) error {
	return steward.Errorf(CodeInvalidInput, "Scope ARN: %s does not exist or is not attachable.", arn)
}

// checkRoleName validates a RoleName member.
func checkRoleName(name string) error {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	return fe.err()
}

// GetRole returns a role.
func (r *Roles) GetRole(ctx context.Context, name string) (*Role, error) {
	if err := checkRoleName(name); err != nil {
		return nil, err
	}
	rec, err := r.store.GetRole(ctx, RoleKey(name))
	if errors.Is(err, ErrNoSuchRole) {
		return nil, errNoSuchRole(name)
	}
	if err != nil {
		return nil, storeError(err)
	}
	return r.role(rec), nil
}

// ListRolesInput is a ListRoles request.
type ListRolesInput struct {
	PathPrefix *string
	Marker     *string
	MaxItems   *int
}

// ListRoles lists roles by name, those whose path starts with PathPrefix.
// The returned marker continues the listing ("" after the last page).
func (r *Roles) ListRoles(ctx context.Context, in ListRolesInput) ([]*Role, string, error) {
	var fe fieldErrors
	if in.PathPrefix != nil {
		fe.text(*in.PathPrefix, "pathPrefix", 1, pathMax, pathPrefixPattern)
	}
	limit := fe.paging(in.Marker, in.MaxItems)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	recs, next, err := r.store.ListRoles(ctx, ListQuery{PathPrefix: deref(in.PathPrefix), Marker: deref(in.Marker), Limit: limit})
	if err != nil {
		return nil, "", storeError(err)
	}
	out := make([]*Role, len(recs))
	for i, rec := range recs {
		out[i] = r.role(rec)
	}
	return out, next, nil
}

// DeleteRole deletes a role that has no policies left.
func (r *Roles) DeleteRole(ctx context.Context, name string) error {
	if err := checkRoleName(name); err != nil {
		return err
	}
	key := RoleKey(name)
	err := r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoSuchRole(name)
		}
		attached, err := tx.Attached(ctx, key)
		if err != nil {
			return err
		}
		if len(attached) > 0 {
			return steward.Errorf(CodeDeleteConflict, "Cannot delete entity, must detach all policies first.")
		}
		inline, err := tx.InlinePolicies(ctx, key)
		if err != nil {
			return err
		}
		if len(inline) > 0 {
			return steward.Errorf(CodeDeleteConflict, "Cannot delete entity, must delete policies first.")
		}
		return tx.DeleteRole(ctx, key)
	})
	r.cache.invalidate(key)
	return storeError(err)
}

// updateRole runs fn on the stored role and writes the result back.
func (r *Roles) updateRole(ctx context.Context, name string, fn func(*RoleRecord) error) (*Role, error) {
	key := RoleKey(name)
	var out *RoleRecord
	err := r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoSuchRole(name)
		}
		if err := fn(cur); err != nil {
			return err
		}
		out = cur
		return tx.PutRole(ctx, cur)
	})
	r.cache.invalidate(key)
	if err != nil {
		return nil, storeError(err)
	}
	return r.role(out), nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (r *Roles) UpdateAssumeRolePolicy(ctx context.Context, name, doc string) error {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	fe.document(doc, "policyDocument")
	if err := fe.err(); err != nil {
		return err
	}
	if err := checkTrustPolicy(doc); err != nil {
		return err
	}
	_, err := r.updateRole(ctx, name, func(rec *RoleRecord) error {
		rec.TrustPolicy = doc
		return nil
	})
	return err
}

// UpdateRole changes a role's description and maximum session duration
// (nil: unchanged).
func (r *Roles) UpdateRole(ctx context.Context, name string, description *string, maxSession *int) error {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	if description != nil {
		fe.text(*description, "description", 0, descriptionMax, roleDescPattern)
	}
	if maxSession != nil {
		fe.intRange(*maxSession, "maxSessionDuration", sessionDurationMin, sessionDurationMax)
	}
	if err := fe.err(); err != nil {
		return err
	}
	_, err := r.updateRole(ctx, name, func(rec *RoleRecord) error {
		if description != nil {
			rec.Description = *description
		}
		if maxSession != nil {
			rec.MaxSessionDuration = *maxSession
		}
		return nil
	})
	return err
}

// UpdateRoleDescription changes a role's description and returns the role.
func (r *Roles) UpdateRoleDescription(ctx context.Context, name, description string) (*Role, error) {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	fe.text(description, "description", 0, descriptionMax, roleDescPattern)
	if err := fe.err(); err != nil {
		return nil, err
	}
	return r.updateRole(ctx, name, func(rec *RoleRecord) error {
		rec.Description = description
		return nil
	})
}

// TagRole adds tags to a role, replacing the values of keys it has
// (regardless of case).
func (r *Roles) TagRole(ctx context.Context, name string, tags []Tag) error {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	fe.tags(tags, "tags")
	if err := fe.err(); err != nil {
		return err
	}
	if err := checkNewTags(tags); err != nil {
		return err
	}
	_, err := r.updateRole(ctx, name, func(rec *RoleRecord) error {
		merged := mergeTags(rec.Tags, tags)
		if len(merged) > maxTagsPerEntity {
			return steward.Errorf(CodeLimitExceeded, "The number of tags has reached the maximum limit of %d.", maxTagsPerEntity)
		}
		rec.Tags = merged
		return nil
	})
	return err
}

// UntagRole removes tags by key (regardless of case); keys the role does
// not have are ignored.
func (r *Roles) UntagRole(ctx context.Context, name string, keys []string) error {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	if len(keys) > maxTagsPerEntity {
		fe.add(fmt.Sprintf("%d keys", len(keys)), "tagKeys", fmt.Sprintf("Member must have length less than or equal to %d", maxTagsPerEntity))
	}
	for i, k := range keys {
		fe.text(k, fmt.Sprintf("tagKeys.%d.member", i+1), 1, tagKeyMax, tagKeyPattern)
	}
	if err := fe.err(); err != nil {
		return err
	}
	_, err := r.updateRole(ctx, name, func(rec *RoleRecord) error {
		rec.Tags = removeTags(rec.Tags, keys)
		return nil
	})
	return err
}

// ListRoleTags returns a page of a role's tags, in the order they were
// added, and the marker of the next page.
func (r *Roles) ListRoleTags(ctx context.Context, name string, marker *string, maxItems *int) ([]Tag, string, error) {
	var fe fieldErrors
	fe.text(name, "roleName", 1, roleNameMax, namePattern)
	limit := fe.paging(marker, maxItems)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	off, err := sliceOffset(deref(marker))
	if err != nil {
		return nil, "", storeError(err)
	}
	role, err := r.GetRole(ctx, name)
	if err != nil {
		return nil, "", err
	}
	tags := role.Tags
	if off > len(tags) {
		return nil, "", storeError(ErrInvalidMarker)
	}
	tags = tags[off:]
	next := ""
	if len(tags) > limit {
		tags, next = tags[:limit], sliceMarker(off+limit)
	}
	return append([]Tag{}, tags...), next, nil
}
