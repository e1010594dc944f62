package iamapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/iam"
)

// roleOps are the role operations.
func roleOps(r *iam.Roles) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateRole", func(ctx context.Context, in *createRoleInput) (*createRoleOutput, error) {
			role, err := r.CreateRole(ctx, iam.CreateRoleInput{
				RoleName: in.RoleName, Path: in.Path, AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
				Description: in.Description, MaxSessionDuration: in.MaxSessionDuration,
				PermissionsBoundary: in.PermissionsBoundary, Tags: tagsIn(in.Tags),
			})
			if err != nil {
				return nil, err
			}
			return &createRoleOutput{Role: roleOut(role, false)}, nil
		}),
		gateway.Handle("GetRole", func(ctx context.Context, in *roleNameInput) (*getRoleOutput, error) {
			role, err := r.GetRole(ctx, in.RoleName)
			if err != nil {
				return nil, err
			}
			out := roleOut(role, false)
			out.RoleLastUsed = &roleLastUsed{}
			return &getRoleOutput{Role: out}, nil
		}),
		gateway.Handle("ListRoles", func(ctx context.Context, in *listRolesInput) (*listRolesOutput, error) {
			roles, next, err := r.ListRoles(ctx, iam.ListRolesInput{PathPrefix: in.PathPrefix, Marker: in.Marker, MaxItems: in.MaxItems})
			if err != nil {
				return nil, err
			}
			out := &listRolesOutput{Roles: make([]roleWire, len(roles)), IsTruncated: next != "", Marker: marker(next)}
			for i, role := range roles {
				out.Roles[i] = roleOut(role, true)
			}
			return out, nil
		}),
		gateway.Handle("DeleteRole", func(ctx context.Context, in *roleNameInput) (*struct{}, error) {
			return nil, r.DeleteRole(ctx, in.RoleName)
		}),
		gateway.Handle("UpdateAssumeRolePolicy", func(ctx context.Context, in *updateAssumeRolePolicyInput) (*struct{}, error) {
			return nil, r.UpdateAssumeRolePolicy(ctx, in.RoleName, in.PolicyDocument)
		}),
		gateway.Handle("UpdateRole", func(ctx context.Context, in *updateRoleInput) (*updateRoleOutput, error) {
			if err := r.UpdateRole(ctx, in.RoleName, in.Description, in.MaxSessionDuration); err != nil {
				return nil, err
			}
			return &updateRoleOutput{}, nil
		}),
		gateway.Handle("UpdateRoleDescription", func(ctx context.Context, in *updateRoleDescriptionInput) (*updateRoleDescriptionOutput, error) {
			role, err := r.UpdateRoleDescription(ctx, in.RoleName, in.Description)
			if err != nil {
				return nil, err
			}
			return &updateRoleDescriptionOutput{Role: roleOut(role, false)}, nil
		}),
		gateway.Handle("TagRole", func(ctx context.Context, in *tagRoleInput) (*struct{}, error) {
			return nil, r.TagRole(ctx, in.RoleName, tagsIn(in.Tags))
		}),
		gateway.Handle("UntagRole", func(ctx context.Context, in *untagRoleInput) (*struct{}, error) {
			return nil, r.UntagRole(ctx, in.RoleName, in.TagKeys)
		}),
		gateway.Handle("ListRoleTags", func(ctx context.Context, in *listRoleTagsInput) (*listRoleTagsOutput, error) {
			tags, next, err := r.ListRoleTags(ctx, in.RoleName, in.Marker, in.MaxItems)
			if err != nil {
				return nil, err
			}
			out := &listRoleTagsOutput{Tags: tagsOut(tags), IsTruncated: next != "", Marker: marker(next)}
			if out.Tags == nil {
				out.Tags = []tag{}
			}
			return out, nil
		}),
	}
}

// roleOut renders a role. Listings leave out the tags and the permissions
// boundary, as ListRoles does.
func roleOut(r *iam.Role, listing bool) roleWire {
	out := roleWire{
		Path: r.Path, RoleName: r.Name, RoleId: r.RoleID, Arn: r.ARN, CreateDate: r.CreatedAt,
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration,
	}
	if !listing {
		out.Tags = tagsOut(r.Tags)
		if r.PermissionsBoundary != "" {
			out.PermissionsBoundary = &permissionsBoundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: r.PermissionsBoundary}
		}
	}
	return out
}

// Wire shapes (botocore iam/2010-05-08). Pointers and omitempty leave out
// what IAM leaves out.

type roleWire struct {
	Path                     string               `json:"Path"`
	RoleName                 string               `json:"RoleName"`
	RoleId                   string               `json:"RoleId"`
	Arn                      string               `json:"Arn"`
	CreateDate               time.Time            `json:"CreateDate"`
	AssumeRolePolicyDocument string               `json:"AssumeRolePolicyDocument,omitempty"`
	Description              string               `json:"Description,omitempty"`
	MaxSessionDuration       int                  `json:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *permissionsBoundary `json:"PermissionsBoundary,omitempty"`
	Tags                     []tag                `json:"Tags,omitempty"`
	RoleLastUsed             *roleLastUsed        `json:"RoleLastUsed,omitempty"`
}

type permissionsBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType,omitempty"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn,omitempty"`
}

// roleLastUsed is always empty: Steward does not track role use yet.
type roleLastUsed struct {
	LastUsedDate *time.Time `json:"LastUsedDate,omitempty"`
	Region       *string    `json:"Region,omitempty"`
}

type createRoleInput struct {
	Path                     *string `json:"Path"`
	RoleName                 string  `json:"RoleName"`
	AssumeRolePolicyDocument string  `json:"AssumeRolePolicyDocument"`
	Description              *string `json:"Description"`
	MaxSessionDuration       *int    `json:"MaxSessionDuration"`
	PermissionsBoundary      *string `json:"PermissionsBoundary"`
	Tags                     []tag   `json:"Tags"`
}

type createRoleOutput struct {
	Role roleWire `json:"Role"`
}

type roleNameInput struct {
	RoleName string `json:"RoleName"`
}

type getRoleOutput struct {
	Role roleWire `json:"Role"`
}

type listRolesInput struct {
	PathPrefix *string `json:"PathPrefix"`
	Marker     *string `json:"Marker"`
	MaxItems   *int    `json:"MaxItems"`
}

type listRolesOutput struct {
	Roles       []roleWire `json:"Roles"`
	IsTruncated bool       `json:"IsTruncated"`
	Marker      *string    `json:"Marker,omitempty"`
}

type updateAssumeRolePolicyInput struct {
	RoleName       string `json:"RoleName"`
	PolicyDocument string `json:"PolicyDocument"`
}

type updateRoleInput struct {
	RoleName           string  `json:"RoleName"`
	Description        *string `json:"Description"`
	MaxSessionDuration *int    `json:"MaxSessionDuration"`
}

type updateRoleOutput struct{}

type updateRoleDescriptionInput struct {
	RoleName    string `json:"RoleName"`
	Description string `json:"Description"`
}

type updateRoleDescriptionOutput struct {
	Role roleWire `json:"Role"`
}

type tagRoleInput struct {
	RoleName string `json:"RoleName"`
	Tags     []tag  `json:"Tags"`
}

type untagRoleInput struct {
	RoleName string   `json:"RoleName"`
	TagKeys  []string `json:"TagKeys"`
}

type listRoleTagsInput struct {
	RoleName string  `json:"RoleName"`
	Marker   *string `json:"Marker"`
	MaxItems *int    `json:"MaxItems"`
}

type listRoleTagsOutput struct {
	Tags        []tag   `json:"Tags"`
	IsTruncated bool    `json:"IsTruncated"`
	Marker      *string `json:"Marker,omitempty"`
}
