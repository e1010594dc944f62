package iam

import (
	"context"
	"errors"

	"github.com/stewardhq/steward"
)

// A role's permissions policies: inline policies (PutRolePolicy …) and
// attached customer managed policies (AttachRolePolicy …).

func checkRoleAndPolicyName(role, policy string) error {
	var fe fieldErrors
	fe.text(role, "roleName", 1, roleNameMax, namePattern)
	fe.text(policy, "policyName", 1, policyNameMax, namePattern)
	return fe.err()
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (r *Roles) PutRolePolicy(ctx context.Context, roleName, policyName, doc string) error {
	var fe fieldErrors
	fe.text(roleName, "roleName", 1, roleNameMax, namePattern)
	fe.text(policyName, "policyName", 1, policyNameMax, namePattern)
	fe.document(doc, "policyDocument")
	if err := fe.err(); err != nil {
		return err
	}
	if _, err := checkPolicy(doc, identityPolicy); err != nil {
		return err
	}
	key, pkey := RoleKey(roleName), PolicyKey(policyName)
	size := DocumentSize(doc)
	err := r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoSuchRole(roleName)
		}
		others, err := tx.InlinePolicies(ctx, key)
		if err != nil {
			return err
		}
		total := size
		for _, p := range others {
			if PolicyKey(p.Name) != pkey {
				total += p.Size
			}
		}
		if total > inlinePolicySizeMax {
			return steward.Errorf(CodeLimitExceeded, "Maximum policy size of %d bytes exceeded for role %s", inlinePolicySizeMax, cur.Name)
		}
		return tx.PutInlinePolicy(ctx, key, InlinePolicy{Name: policyName, Document: doc, Size: size})
	})
	r.cache.invalidate(key)
	return storeError(err)
}

// GetRolePolicy returns an inline policy of a role.
func (r *Roles) GetRolePolicy(ctx context.Context, roleName, policyName string) (*InlinePolicy, error) {
	if err := checkRoleAndPolicyName(roleName, policyName); err != nil {
		return nil, err
	}
	p, err := r.store.GetRolePolicy(ctx, RoleKey(roleName), PolicyKey(policyName))
	switch {
	case errors.Is(err, ErrNoSuchRole):
		return nil, errNoSuchRole(roleName)
	case errors.Is(err, ErrNoSuchRolePolicy):
		return nil, errNoSuchRolePolicy(policyName)
	case err != nil:
		return nil, storeError(err)
	}
	return p, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (r *Roles) ListRolePolicies(ctx context.Context, roleName string, marker *string, maxItems *int) ([]string, string, error) {
	var fe fieldErrors
	fe.text(roleName, "roleName", 1, roleNameMax, namePattern)
	limit := fe.paging(marker, maxItems)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	names, next, err := r.store.ListRolePolicies(ctx, RoleKey(roleName), ListQuery{Marker: deref(marker), Limit: limit})
	if errors.Is(err, ErrNoSuchRole) {
		return nil, "", errNoSuchRole(roleName)
	}
	if err != nil {
		return nil, "", storeError(err)
	}
	if names == nil {
		names = []string{}
	}
	return names, next, nil
}

// DeleteRolePolicy deletes an inline policy of a role.
func (r *Roles) DeleteRolePolicy(ctx context.Context, roleName, policyName string) error {
	if err := checkRoleAndPolicyName(roleName, policyName); err != nil {
		return err
	}
	key := RoleKey(roleName)
	err := r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoSuchRole(roleName)
		}
		ok, err := tx.DeleteInlinePolicy(ctx, key, PolicyKey(policyName))
		if err != nil {
			return err
		}
		if !ok {
			return errNoSuchRolePolicy(policyName)
		}
		return nil
	})
	r.cache.invalidate(key)
	return storeError(err)
}

// policyRef checks a PolicyArn member and resolves it to this account's
// policy key and path.
func (r *Roles) policyRef(arn string) (key, path string, err error) {
	var fe fieldErrors
	fe.length(arn, "policyArn", arnMin, arnMax)
	if err := fe.err(); err != nil {
		return "", "", err
	}
	acct, path, name, ok := parseIAMARN(arn, "policy")
	if !ok {
		return "", "", steward.Errorf(CodeInvalidInput, "ARN %s is not valid.", arn)
	}
	if acct != r.account {
		// AWS managed policies (account "aws") and other accounts' policies
		// are not served here.
		return "", "", errNoSuchPolicy(arn)
	}
	return PolicyKey(name), path, nil
}

// AttachRolePolicy attaches a managed policy to a role (attaching it again
// is not an error).
func (r *Roles) AttachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	if err := checkRoleName(roleName); err != nil {
		return err
	}
	pkey, path, err := r.policyRef(policyARN)
	if err != nil {
		if steward.ErrorCode(err) == CodeNoSuchEntity {
			return errNotAttachable(policyARN)
		}
		return err
	}
	key := RoleKey(roleName)
	err = r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoSuchRole(roleName)
		}
		p, err := tx.Policy(ctx, pkey)
		if err != nil {
			return err
		}
		if p == nil || p.Path != path {
			return errNotAttachable(policyARN)
		}
		attached, err := tx.Attached(ctx, key)
		if err != nil {
			return err
		}
		for _, k := range attached {
			if k == pkey {
				return nil
			}
		}
		if len(attached) >= r.opts.MaxAttachedPolicies {
			return steward.Errorf(CodeLimitExceeded, "Cannot exceed quota for PoliciesPerRole: %d", r.opts.MaxAttachedPolicies)
		}
		return tx.Attach(ctx, key, pkey)
	})
	r.cache.invalidate(key)
	return storeError(err)
}

func errNotAttachable(arn string) error {
	return &steward.Error{Code: CodeNoSuchEntity, Message: "Policy " + arn + " does not exist or is not attachable."}
}

// DetachRolePolicy detaches a managed policy from a role.
func (r *Roles) DetachRolePolicy(ctx context.Context, roleName, policyARN string) error {
	if err := checkRoleName(roleName); err != nil {
		return err
	}
	pkey, path, err := r.policyRef(policyARN)
	if err != nil {
		return err
	}
	key := RoleKey(roleName)
	err = r.store.UpdateIAM(ctx, func(tx IAMTx) error {
		cur, err := tx.Role(ctx, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return errNoSuchRole(roleName)
		}
		p, err := tx.Policy(ctx, pkey)
		if err != nil {
			return err
		}
		if p == nil || p.Path != path {
			return errNoSuchPolicy(policyARN)
		}
		ok, err := tx.Detach(ctx, key, pkey)
		if err != nil {
			return err
		}
		if !ok {
			return errNoSuchPolicy(policyARN)
		}
		return nil
	})
	r.cache.invalidate(key)
	return storeError(err)
}

// AttachedPolicy is a managed policy attached to a role, as listed.
type AttachedPolicy struct {
	PolicyName string
	PolicyARN  string
}

// ListAttachedRolePolicies lists the managed policies attached to a role
// whose path starts with pathPrefix.
func (r *Roles) ListAttachedRolePolicies(ctx context.Context, roleName string, pathPrefix, marker *string, maxItems *int) ([]AttachedPolicy, string, error) {
	var fe fieldErrors
	fe.text(roleName, "roleName", 1, roleNameMax, namePattern)
	if pathPrefix != nil {
		fe.text(*pathPrefix, "pathPrefix", 1, pathMax, policyPathPattern)
	}
	limit := fe.paging(marker, maxItems)
	if err := fe.err(); err != nil {
		return nil, "", err
	}
	recs, next, err := r.store.ListAttachedRolePolicies(ctx, RoleKey(roleName), ListQuery{PathPrefix: deref(pathPrefix), Marker: deref(marker), Limit: limit})
	if errors.Is(err, ErrNoSuchRole) {
		return nil, "", errNoSuchRole(roleName)
	}
	if err != nil {
		return nil, "", storeError(err)
	}
	out := make([]AttachedPolicy, len(recs))
	for i, p := range recs {
		out[i] = AttachedPolicy{PolicyName: p.Name, PolicyARN: r.PolicyARN(p.Path, p.Name)}
	}
	return out, next, nil
}
