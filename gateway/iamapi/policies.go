package iamapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/iam"
)

// rolePolicyOps are a role's inline and attached policies.
func rolePolicyOps(r *iam.Roles) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("PutRolePolicy", func(ctx context.Context, in *putRolePolicyInput) (*struct{}, error) {
			return nil, r.PutRolePolicy(ctx, in.RoleName, in.PolicyName, in.PolicyDocument)
		}),
		gateway.Handle("GetRolePolicy", func(ctx context.Context, in *rolePolicyInput) (*getRolePolicyOutput, error) {
			role, err := r.GetRole(ctx, in.RoleName)
			if err != nil {
				return nil, err
			}
			p, err := r.GetRolePolicy(ctx, in.RoleName, in.PolicyName)
			if err != nil {
				return nil, err
			}
			return &getRolePolicyOutput{RoleName: role.Name, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
		}),
		gateway.Handle("ListRolePolicies", func(ctx context.Context, in *listRolePoliciesInput) (*listRolePoliciesOutput, error) {
			names, next, err := r.ListRolePolicies(ctx, in.RoleName, in.Marker, in.MaxItems)
			if err != nil {
				return nil, err
			}
			return &listRolePoliciesOutput{PolicyNames: names, IsTruncated: next != "", Marker: marker(next)}, nil
		}),
		gateway.Handle("DeleteRolePolicy", func(ctx context.Context, in *rolePolicyInput) (*struct{}, error) {
			return nil, r.DeleteRolePolicy(ctx, in.RoleName, in.PolicyName)
		}),
		gateway.Handle("AttachRolePolicy", func(ctx context.Context, in *rolePolicyArnInput) (*struct{}, error) {
			return nil, r.AttachRolePolicy(ctx, in.RoleName, in.PolicyArn)
		}),
		gateway.Handle("DetachRolePolicy", func(ctx context.Context, in *rolePolicyArnInput) (*struct{}, error) {
			return nil, r.DetachRolePolicy(ctx, in.RoleName, in.PolicyArn)
		}),
		gateway.Handle("ListAttachedRolePolicies", func(ctx context.Context, in *listAttachedRolePoliciesInput) (*listAttachedRolePoliciesOutput, error) {
			ps, next, err := r.ListAttachedRolePolicies(ctx, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
			if err != nil {
				return nil, err
			}
			out := &listAttachedRolePoliciesOutput{AttachedPolicies: make([]attachedPolicy, len(ps)), IsTruncated: next != "", Marker: marker(next)}
			for i, p := range ps {
				out.AttachedPolicies[i] = attachedPolicy{PolicyName: p.PolicyName, PolicyArn: p.PolicyARN}
			}
			return out, nil
		}),
	}
}

// managedPolicyOps are the customer managed policy operations.
func managedPolicyOps(r *iam.Roles) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreatePolicy", func(ctx context.Context, in *createPolicyInput) (*createPolicyOutput, error) {
			p, err := r.CreatePolicy(ctx, iam.CreatePolicyInput{
				PolicyName: in.PolicyName, Path: in.Path, PolicyDocument: in.PolicyDocument,
				Description: in.Description, Tags: tagsIn(in.Tags),
			})
			if err != nil {
				return nil, err
			}
			out := policyOut(p, false)
			return &createPolicyOutput{Policy: &out}, nil
		}),
		gateway.Handle("GetPolicy", func(ctx context.Context, in *policyArnInput) (*getPolicyOutput, error) {
			p, err := r.GetPolicy(ctx, in.PolicyArn)
			if err != nil {
				return nil, err
			}
			out := policyOut(p, false)
			return &getPolicyOutput{Policy: &out}, nil
		}),
		gateway.Handle("GetPolicyVersion", func(ctx context.Context, in *policyVersionInput) (*getPolicyVersionOutput, error) {
			v, err := r.GetPolicyVersion(ctx, in.PolicyArn, in.VersionId)
			if err != nil {
				return nil, err
			}
			out := versionOut(v, true)
			return &getPolicyVersionOutput{PolicyVersion: &out}, nil
		}),
		gateway.Handle("ListPolicies", func(ctx context.Context, in *listPoliciesInput) (*listPoliciesOutput, error) {
			ps, next, err := r.ListPolicies(ctx, iam.ListPoliciesInput{
				Scope: in.Scope, OnlyAttached: in.OnlyAttached != nil && *in.OnlyAttached, PathPrefix: in.PathPrefix,
				PolicyUsageFilter: in.PolicyUsageFilter, Marker: in.Marker, MaxItems: in.MaxItems,
			})
			if err != nil {
				return nil, err
			}
			out := &listPoliciesOutput{Policies: make([]policyWire, len(ps)), IsTruncated: next != "", Marker: marker(next)}
			for i, p := range ps {
				out.Policies[i] = policyOut(p, true)
			}
			return out, nil
		}),
		gateway.Handle("DeletePolicy", func(ctx context.Context, in *policyArnInput) (*struct{}, error) {
			return nil, r.DeletePolicy(ctx, in.PolicyArn)
		}),
		gateway.Handle("CreatePolicyVersion", func(ctx context.Context, in *createPolicyVersionInput) (*createPolicyVersionOutput, error) {
			v, err := r.CreatePolicyVersion(ctx, in.PolicyArn, in.PolicyDocument, in.SetAsDefault != nil && *in.SetAsDefault)
			if err != nil {
				return nil, err
			}
			out := versionOut(v, false)
			return &createPolicyVersionOutput{PolicyVersion: &out}, nil
		}),
		gateway.Handle("ListPolicyVersions", func(ctx context.Context, in *listPolicyVersionsInput) (*listPolicyVersionsOutput, error) {
			vs, next, err := r.ListPolicyVersions(ctx, in.PolicyArn, in.Marker, in.MaxItems)
			if err != nil {
				return nil, err
			}
			out := &listPolicyVersionsOutput{Versions: make([]policyVersion, len(vs)), IsTruncated: next != "", Marker: marker(next)}
			for i := range vs {
				out.Versions[i] = versionOut(&vs[i], false)
			}
			return out, nil
		}),
		gateway.Handle("DeletePolicyVersion", func(ctx context.Context, in *policyVersionInput) (*struct{}, error) {
			return nil, r.DeletePolicyVersion(ctx, in.PolicyArn, in.VersionId)
		}),
		gateway.Handle("SetDefaultPolicyVersion", func(ctx context.Context, in *policyVersionInput) (*struct{}, error) {
			return nil, r.SetDefaultPolicyVersion(ctx, in.PolicyArn, in.VersionId)
		}),
	}
}

// policyOut renders a managed policy; listings leave out the description
// and tags, as ListPolicies does.
func policyOut(p *iam.ManagedPolicy, listing bool) policyWire {
	out := policyWire{
		PolicyName: p.Name, PolicyId: p.PolicyID, Arn: p.ARN, Path: p.Path,
		DefaultVersionId: iam.VersionID(p.DefaultVersion), AttachmentCount: p.AttachmentCount,
		PermissionsBoundaryUsageCount: p.BoundaryCount, IsAttachable: true,
		CreateDate: p.CreatedAt, UpdateDate: p.UpdatedAt,
	}
	if !listing {
		out.Description = p.Description
		out.Tags = tagsOut(p.Tags)
	}
	return out
}

// versionOut renders a policy version, with its document when withDoc
// (ListPolicyVersions and CreatePolicyVersion leave it out, as IAM does).
func versionOut(v *iam.PolicyVersionInfo, withDoc bool) policyVersion {
	out := policyVersion{VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreatedAt}
	if withDoc {
		out.Document = encodeDocument(v.Document)
	}
	return out
}

// Wire shapes (botocore iam/2010-05-08).

type putRolePolicyInput struct {
	RoleName       string `json:"RoleName"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

type rolePolicyInput struct {
	RoleName   string `json:"RoleName"`
	PolicyName string `json:"PolicyName"`
}

type getRolePolicyOutput struct {
	RoleName       string `json:"RoleName"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

type listRolePoliciesInput struct {
	RoleName string  `json:"RoleName"`
	Marker   *string `json:"Marker"`
	MaxItems *int    `json:"MaxItems"`
}

type listRolePoliciesOutput struct {
	PolicyNames []string `json:"PolicyNames"`
	IsTruncated bool     `json:"IsTruncated"`
	Marker      *string  `json:"Marker,omitempty"`
}

type rolePolicyArnInput struct {
	RoleName  string `json:"RoleName"`
	PolicyArn string `json:"PolicyArn"`
}

type listAttachedRolePoliciesInput struct {
	RoleName   string  `json:"RoleName"`
	PathPrefix *string `json:"PathPrefix"`
	Marker     *string `json:"Marker"`
	MaxItems   *int    `json:"MaxItems"`
}

type attachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type listAttachedRolePoliciesOutput struct {
	AttachedPolicies []attachedPolicy `json:"AttachedPolicies"`
	IsTruncated      bool             `json:"IsTruncated"`
	Marker           *string          `json:"Marker,omitempty"`
}

type policyWire struct {
	PolicyName                    string    `json:"PolicyName"`
	PolicyId                      string    `json:"PolicyId"`
	Arn                           string    `json:"Arn"`
	Path                          string    `json:"Path"`
	DefaultVersionId              string    `json:"DefaultVersionId"`
	AttachmentCount               int       `json:"AttachmentCount"`
	PermissionsBoundaryUsageCount int       `json:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool      `json:"IsAttachable"`
	Description                   string    `json:"Description,omitempty"`
	CreateDate                    time.Time `json:"CreateDate"`
	UpdateDate                    time.Time `json:"UpdateDate"`
	Tags                          []tag     `json:"Tags,omitempty"`
}

type createPolicyInput struct {
	PolicyName     string  `json:"PolicyName"`
	Path           *string `json:"Path"`
	PolicyDocument string  `json:"PolicyDocument"`
	Description    *string `json:"Description"`
	Tags           []tag   `json:"Tags"`
}

type createPolicyOutput struct {
	Policy *policyWire `json:"Policy,omitempty"`
}

type policyArnInput struct {
	PolicyArn string `json:"PolicyArn"`
}

type getPolicyOutput struct {
	Policy *policyWire `json:"Policy,omitempty"`
}

type policyVersionInput struct {
	PolicyArn string `json:"PolicyArn"`
	VersionId string `json:"VersionId"`
}

type policyVersion struct {
	Document         string    `json:"Document,omitempty"`
	VersionId        string    `json:"VersionId"`
	IsDefaultVersion bool      `json:"IsDefaultVersion"`
	CreateDate       time.Time `json:"CreateDate"`
}

type getPolicyVersionOutput struct {
	PolicyVersion *policyVersion `json:"PolicyVersion,omitempty"`
}

type listPoliciesInput struct {
	Scope             *string `json:"Scope"`
	OnlyAttached      *bool   `json:"OnlyAttached"`
	PathPrefix        *string `json:"PathPrefix"`
	PolicyUsageFilter *string `json:"PolicyUsageFilter"`
	Marker            *string `json:"Marker"`
	MaxItems          *int    `json:"MaxItems"`
}

type listPoliciesOutput struct {
	Policies    []policyWire `json:"Policies"`
	IsTruncated bool         `json:"IsTruncated"`
	Marker      *string      `json:"Marker,omitempty"`
}

type createPolicyVersionInput struct {
	PolicyArn      string `json:"PolicyArn"`
	PolicyDocument string `json:"PolicyDocument"`
	SetAsDefault   *bool  `json:"SetAsDefault"`
}

type createPolicyVersionOutput struct {
	PolicyVersion *policyVersion `json:"PolicyVersion,omitempty"`
}

type listPolicyVersionsInput struct {
	PolicyArn string  `json:"PolicyArn"`
	Marker    *string `json:"Marker"`
	MaxItems  *int    `json:"MaxItems"`
}

type listPolicyVersionsOutput struct {
	Versions    []policyVersion `json:"Versions"`
	IsTruncated bool            `json:"IsTruncated"`
	Marker      *string         `json:"Marker,omitempty"`
}
