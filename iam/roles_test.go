package iam_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/sqlstore"
)

const (
	account = "123456789012"
	events  = "events.amazonaws.com"
)

var t0 = time.Date(2026, 1, 21, 10, 15, 0, 123_000_000, time.UTC)

const eventsTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

type fixture struct {
	r     *iam.Roles
	db    *sqlstore.DB
	clock *steward.FakeClock
	ctx   context.Context
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(t0)
	return &fixture{r: iam.NewRoles(db, account, clock, iam.RolesOptions{}), db: db, clock: clock, ctx: context.Background()}
}

func sp(s string) *string { return &s }
func ip(v int) *int       { return &v }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func (f *fixture) role(t *testing.T, name string) *iam.Role {
	t.Helper()
	r, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: name, AssumeRolePolicyDocument: eventsTrust})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) policy(t *testing.T, name, doc string) *iam.ManagedPolicy {
	t.Helper()
	p, err := f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: name, PolicyDocument: doc})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) roleCount(t *testing.T) int {
	t.Helper()
	roles, _, err := f.r.ListRoles(f.ctx, iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	return len(roles)
}

func TestCreateRole(t *testing.T) {
	f := newFixture(t)
	r, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{
		RoleName: "Invoke-Automation", Path: sp("/service-role/"), AssumeRolePolicyDocument: eventsTrust,
		Description: sp("for EventBridge"), MaxSessionDuration: ip(7200), Tags: []iam.Tag{{Key: "team", Value: "ops"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.ARN != "arn:aws:iam::123456789012:role/service-role/Invoke-Automation" || len(r.RoleID) != 21 || !strings.HasPrefix(r.RoleID, "AROA") ||
		r.Path != "/service-role/" || r.MaxSessionDuration != 7200 || r.Description != "for EventBridge" || !r.CreatedAt.Equal(t0) || len(r.Tags) != 1 {
		t.Fatalf("role = %+v", r)
	}
	got, err := f.r.GetRole(f.ctx, "invoke-automation") // names compare regardless of case
	if err != nil {
		t.Fatal(err)
	}
	if got.ARN != r.ARN || got.RoleID != r.RoleID || got.TrustPolicy != eventsTrust || got.Name != "Invoke-Automation" {
		t.Fatalf("GetRole = %+v", got)
	}
	d := f.role(t, "Plain")
	if d.Path != "/" || d.MaxSessionDuration != 3600 || d.ARN != "arn:aws:iam::123456789012:role/Plain" {
		t.Fatalf("defaults: %+v", d)
	}
	_, err = f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "PLAIN", AssumeRolePolicyDocument: eventsTrust})
	wantCode(t, err, iam.CodeEntityAlreadyExists)
	_, err = f.r.GetRole(f.ctx, "nope")
	wantCode(t, err, iam.CodeNoSuchEntity)
}

// TestCreateRoleRejects: bad input fails with IAM's code and creates
// nothing.
func TestCreateRoleRejects(t *testing.T) {
	f := newFixture(t)
	bigTrust := `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"},`, 30) +
		`{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	cases := []struct {
		name string
		in   iam.CreateRoleInput
		code string
	}{
		{"empty name", iam.CreateRoleInput{AssumeRolePolicyDocument: eventsTrust}, steward.CodeValidation},
		{"name with space", iam.CreateRoleInput{RoleName: "my role", AssumeRolePolicyDocument: eventsTrust}, steward.CodeValidation},
		{"name too long", iam.CreateRoleInput{RoleName: strings.Repeat("a", 65), AssumeRolePolicyDocument: eventsTrust}, steward.CodeValidation},
		{"path without slashes", iam.CreateRoleInput{RoleName: "r", Path: sp("app"), AssumeRolePolicyDocument: eventsTrust}, steward.CodeValidation},
		{"empty path", iam.CreateRoleInput{RoleName: "r", Path: sp(""), AssumeRolePolicyDocument: eventsTrust}, steward.CodeValidation},
		{"session too short", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, MaxSessionDuration: ip(3599)}, steward.CodeValidation},
		{"session too long", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, MaxSessionDuration: ip(43201)}, steward.CodeValidation},
		{"no trust policy", iam.CreateRoleInput{RoleName: "r"}, steward.CodeValidation},
		{"description too long", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, Description: sp(strings.Repeat("d", 1001))}, steward.CodeValidation},
		{"bad tag key", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, Tags: []iam.Tag{{Key: "a*b", Value: ""}}}, steward.CodeValidation},
		{"duplicate tag keys", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, Tags: []iam.Tag{{Key: "Team", Value: "a"}, {Key: "team", Value: "b"}}}, iam.CodeInvalidInput},
		{"trust not json", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: "{"}, iam.CodeMalformedPolicyDocument},
		{"trust without statement", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Version":"2012-10-17"}`}, iam.CodeMalformedPolicyDocument},
		{"trust without effect", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":{"Principal":"*","Action":"sts:AssumeRole"}}`}, iam.CodeMalformedPolicyDocument},
		{"trust without version", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`}, iam.CodeMalformedPolicyDocument},
		{"trust with permissions", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`}, iam.CodeMalformedPolicyDocument},
		{"trust too large", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: bigTrust}, iam.CodeLimitExceeded},
		{"boundary not an ARN", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, PermissionsBoundary: sp("not-an-arn-but-long-enough")}, iam.CodeInvalidInput},
		{"boundary missing", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, PermissionsBoundary: sp("arn:aws:iam::123456789012:policy/none")}, iam.CodeInvalidInput},
		{"boundary AWS managed", iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: eventsTrust, PermissionsBoundary: sp("arn:aws:iam::aws:policy/PowerUserAccess")}, iam.CodeInvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.r.CreateRole(f.ctx, c.in)
			wantCode(t, err, c.code)
			if n := f.roleCount(t); n != 0 {
				t.Fatalf("%d roles after a rejected CreateRole", n)
			}
		})
	}
	// The seeds' Lambda trust policy (version 2008-10-17) is accepted.
	if _, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "lambda", AssumeRolePolicyDocument: `{ "Version": "2008-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }`}); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteRoleConflicts(t *testing.T) {
	f := newFixture(t)
	f.role(t, "R")
	p := f.policy(t, "P", allow(`"sns:Publish"`, `"*"`))
	if err := f.r.PutRolePolicy(f.ctx, "R", "inline", allow(`"sqs:*"`, `"*"`)); err != nil {
		t.Fatal(err)
	}
	if err := f.r.AttachRolePolicy(f.ctx, "R", p.ARN); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.DeleteRole(f.ctx, "R"), iam.CodeDeleteConflict)
	wantCode(t, f.r.DeletePolicy(f.ctx, p.ARN), iam.CodeDeleteConflict)
	if err := f.r.DetachRolePolicy(f.ctx, "R", p.ARN); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.DetachRolePolicy(f.ctx, "R", p.ARN), iam.CodeNoSuchEntity)
	wantCode(t, f.r.DeleteRole(f.ctx, "R"), iam.CodeDeleteConflict)
	if err := f.r.DeleteRolePolicy(f.ctx, "R", "INLINE"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.DeleteRolePolicy(f.ctx, "R", "inline"), iam.CodeNoSuchEntity)
	if err := f.r.DeleteRole(f.ctx, "r"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.DeleteRole(f.ctx, "R"), iam.CodeNoSuchEntity)
	if err := f.r.DeletePolicy(f.ctx, p.ARN); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.DeletePolicy(f.ctx, p.ARN), iam.CodeNoSuchEntity)
}

func TestRolePolicyLimits(t *testing.T) {
	f := newFixture(t)
	f.role(t, "R")
	// Inline: 10,240 characters (white space not counted) for all of a
	// role's inline policies together.
	big := func(n int) string {
		// A statement of about n characters.
		return `{"Version":"2012-10-17","Statement":{"Sid":"` + strings.Repeat("S", n-103) + `","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	}
	if got := iam.DocumentSize(big(6000)); got != 6000 {
		t.Fatalf("helper size %d", got)
	}
	if err := f.r.PutRolePolicy(f.ctx, "R", "one", big(6000)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.PutRolePolicy(f.ctx, "R", "two", big(4241)), iam.CodeLimitExceeded)
	if err := f.r.PutRolePolicy(f.ctx, "R", "two", big(4240)); err != nil {
		t.Fatal(err)
	}
	// Replacing a policy counts its new size only.
	if err := f.r.PutRolePolicy(f.ctx, "R", "ONE", big(5990)+"\n\n   "); err != nil {
		t.Fatal(err)
	}
	names, _, err := f.r.ListRolePolicies(f.ctx, "R", nil, nil)
	if err != nil || strings.Join(names, ",") != "ONE,two" {
		t.Fatalf("ListRolePolicies = %v, %v", names, err)
	}
	wantCode(t, f.r.PutRolePolicy(f.ctx, "R", "bad", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`), iam.CodeMalformedPolicyDocument)
	wantCode(t, f.r.PutRolePolicy(f.ctx, "R", "bad", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`), iam.CodeMalformedPolicyDocument)
	wantCode(t, f.r.PutRolePolicy(f.ctx, "nope", "p", allow(`"s3:*"`, `"*"`)), iam.CodeNoSuchEntity)
	wantCode(t, f.r.PutRolePolicy(f.ctx, "R", "bad name", allow(`"s3:*"`, `"*"`)), steward.CodeValidation)
	_, err = f.r.GetRolePolicy(f.ctx, "R", "bad")
	wantCode(t, err, iam.CodeNoSuchEntity)

	// Managed: 10 attached per role; attaching again is a no-op.
	for i := range 10 {
		p := f.policy(t, fmt.Sprintf("p%02d", i), allow(`"s3:*"`, `"*"`))
		if err := f.r.AttachRolePolicy(f.ctx, "R", p.ARN); err != nil {
			t.Fatal(err)
		}
		if err := f.r.AttachRolePolicy(f.ctx, "R", p.ARN); err != nil {
			t.Fatal(err)
		}
	}
	extra := f.policy(t, "extra", allow(`"s3:*"`, `"*"`))
	wantCode(t, f.r.AttachRolePolicy(f.ctx, "R", extra.ARN), iam.CodeLimitExceeded)
	wantCode(t, f.r.AttachRolePolicy(f.ctx, "R", "arn:aws:iam::aws:policy/AdministratorAccess"), iam.CodeNoSuchEntity)
	wantCode(t, f.r.AttachRolePolicy(f.ctx, "R", "arn:aws:iam::123456789012:policy/other/extra"), iam.CodeNoSuchEntity)
	wantCode(t, f.r.AttachRolePolicy(f.ctx, "R", "arn:aws:iam::123456789012:user/someone"), iam.CodeInvalidInput)
	wantCode(t, f.r.AttachRolePolicy(f.ctx, "nope", extra.ARN), iam.CodeNoSuchEntity)
	attached, next, err := f.r.ListAttachedRolePolicies(f.ctx, "R", nil, nil, ip(4))
	if err != nil || len(attached) != 4 || next == "" || attached[0].PolicyName != "p00" {
		t.Fatalf("ListAttachedRolePolicies page 1 = %v, %q, %v", attached, next, err)
	}
	attached, next, err = f.r.ListAttachedRolePolicies(f.ctx, "R", nil, &next, ip(100))
	if err != nil || len(attached) != 6 || next != "" || attached[5].PolicyARN != "arn:aws:iam::123456789012:policy/p09" {
		t.Fatalf("ListAttachedRolePolicies page 2 = %v, %q, %v", attached, next, err)
	}
	p0, err := f.r.GetPolicy(f.ctx, "arn:aws:iam::123456789012:policy/p00")
	if err != nil || p0.AttachmentCount != 1 {
		t.Fatalf("GetPolicy = %+v, %v", p0, err)
	}
}

func TestManagedPolicies(t *testing.T) {
	f := newFixture(t)
	p, err := f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: "Ops", Path: sp("/team/"), PolicyDocument: allow(`"ssm:*"`, `"*"`), Description: sp("ops")})
	if err != nil {
		t.Fatal(err)
	}
	if p.ARN != "arn:aws:iam::123456789012:policy/team/Ops" || len(p.PolicyID) != 21 || !strings.HasPrefix(p.PolicyID, "ANPA") || p.DefaultVersion != 1 {
		t.Fatalf("policy = %+v", p)
	}
	_, err = f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: "OPS", PolicyDocument: allow(`"ssm:*"`, `"*"`)})
	wantCode(t, err, iam.CodeEntityAlreadyExists)
	_, err = f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: "big", PolicyDocument: allow(`"ssm:*"`, `[`+strings.Repeat(`"arn:aws:s3:::bucket-name-xxxxxxxxxx/*",`, 160)+`"*"]`)})
	wantCode(t, err, iam.CodeLimitExceeded)
	_, err = f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: "p", Path: sp("/a"), PolicyDocument: allow(`"ssm:*"`, `"*"`)})
	wantCode(t, err, steward.CodeValidation)
	_, err = f.r.GetPolicy(f.ctx, "arn:aws:iam::123456789012:policy/Ops") // wrong path
	wantCode(t, err, iam.CodeNoSuchEntity)
	_, err = f.r.GetPolicy(f.ctx, "arn:aws:iam::aws:policy/ReadOnlyAccess")
	wantCode(t, err, iam.CodeNoSuchEntity)
	_, err = f.r.GetPolicy(f.ctx, "arn:aws:sns:eu-west-1:123456789012:topic")
	wantCode(t, err, iam.CodeInvalidInput)

	v, err := f.r.GetPolicyVersion(f.ctx, p.ARN, "v1")
	if err != nil || !v.IsDefault || v.Document != allow(`"ssm:*"`, `"*"`) {
		t.Fatalf("GetPolicyVersion = %+v, %v", v, err)
	}
	_, err = f.r.GetPolicyVersion(f.ctx, p.ARN, "v2")
	wantCode(t, err, iam.CodeNoSuchEntity)
	_, err = f.r.GetPolicyVersion(f.ctx, p.ARN, "2")
	wantCode(t, err, steward.CodeValidation)

	// Versions: at most five; the default cannot go; a policy with other
	// versions cannot be deleted.
	for i := 2; i <= 5; i++ {
		v, err := f.r.CreatePolicyVersion(f.ctx, p.ARN, allow(fmt.Sprintf(`"ssm:V%d"`, i), `"*"`), i == 3)
		if err != nil || v.VersionID != fmt.Sprintf("v%d", i) {
			t.Fatalf("CreatePolicyVersion %d = %+v, %v", i, v, err)
		}
	}
	_, err = f.r.CreatePolicyVersion(f.ctx, p.ARN, allow(`"ssm:V6"`, `"*"`), false)
	wantCode(t, err, iam.CodeLimitExceeded)
	got, _ := f.r.GetPolicy(f.ctx, p.ARN)
	if got.DefaultVersion != 3 {
		t.Fatalf("default version %d, want 3", got.DefaultVersion)
	}
	wantCode(t, f.r.DeletePolicyVersion(f.ctx, p.ARN, "v3"), iam.CodeDeleteConflict)
	wantCode(t, f.r.DeletePolicy(f.ctx, p.ARN), iam.CodeDeleteConflict)
	if err := f.r.SetDefaultPolicyVersion(f.ctx, p.ARN, "v5"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.SetDefaultPolicyVersion(f.ctx, p.ARN, "v9"), iam.CodeNoSuchEntity)
	vs, next, err := f.r.ListPolicyVersions(f.ctx, p.ARN, nil, ip(2))
	if err != nil || len(vs) != 2 || vs[0].VersionID != "v5" || !vs[0].IsDefault || next == "" {
		t.Fatalf("ListPolicyVersions = %+v, %q, %v", vs, next, err)
	}
	for _, id := range []string{"v1", "v2", "v3", "v4"} {
		if err := f.r.DeletePolicyVersion(f.ctx, p.ARN, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.r.DeletePolicy(f.ctx, p.ARN); err != nil {
		t.Fatal(err)
	}

	// ListPolicies: scopes and paging.
	for _, n := range []string{"c", "a", "b"} {
		f.policy(t, n, allow(`"s3:*"`, `"*"`))
	}
	all, next, err := f.r.ListPolicies(f.ctx, iam.ListPoliciesInput{Scope: sp("Local"), MaxItems: ip(2)})
	if err != nil || len(all) != 2 || all[0].Name != "a" || next == "" {
		t.Fatalf("ListPolicies = %v, %q, %v", all, next, err)
	}
	rest, next, err := f.r.ListPolicies(f.ctx, iam.ListPoliciesInput{Marker: &next})
	if err != nil || len(rest) != 1 || rest[0].Name != "c" || next != "" {
		t.Fatalf("ListPolicies page 2 = %v, %q, %v", rest, next, err)
	}
	aws, _, err := f.r.ListPolicies(f.ctx, iam.ListPoliciesInput{Scope: sp("AWS")})
	if err != nil || len(aws) != 0 {
		t.Fatalf("Scope AWS = %v, %v", aws, err)
	}
	_, _, err = f.r.ListPolicies(f.ctx, iam.ListPoliciesInput{Scope: sp("Mine")})
	wantCode(t, err, steward.CodeValidation)
	attached, _, err := f.r.ListPolicies(f.ctx, iam.ListPoliciesInput{OnlyAttached: true})
	if err != nil || len(attached) != 0 {
		t.Fatalf("OnlyAttached = %v, %v", attached, err)
	}
	_, _, err = f.r.ListPolicies(f.ctx, iam.ListPoliciesInput{Marker: sp("bogus")})
	wantCode(t, err, iam.CodeInvalidInput)
}

func TestRoleUpdatesAndTags(t *testing.T) {
	f := newFixture(t)
	f.role(t, "R")
	if err := f.r.UpdateRole(f.ctx, "R", sp("new"), ip(43200)); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.r.UpdateRole(f.ctx, "R", nil, ip(60)), steward.CodeValidation)
	r, err := f.r.UpdateRoleDescription(f.ctx, "r", "newer")
	if err != nil || r.Description != "newer" || r.MaxSessionDuration != 43200 {
		t.Fatalf("UpdateRoleDescription = %+v, %v", r, err)
	}
	wantCode(t, f.r.UpdateAssumeRolePolicy(f.ctx, "R", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`), iam.CodeMalformedPolicyDocument)
	wantCode(t, f.r.UpdateAssumeRolePolicy(f.ctx, "nope", eventsTrust), iam.CodeNoSuchEntity)
	if got, _ := f.r.GetRole(f.ctx, "R"); got.TrustPolicy != eventsTrust {
		t.Fatalf("trust policy changed by a rejected update: %s", got.TrustPolicy)
	}

	if err := f.r.TagRole(f.ctx, "R", []iam.Tag{{Key: "Team", Value: "a"}, {Key: "env", Value: "prod"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.r.TagRole(f.ctx, "R", []iam.Tag{{Key: "team", Value: "b"}}); err != nil { // same key regardless of case
		t.Fatal(err)
	}
	tags, next, err := f.r.ListRoleTags(f.ctx, "R", nil, ip(1))
	if err != nil || len(tags) != 1 || tags[0] != (iam.Tag{Key: "team", Value: "b"}) || next == "" {
		t.Fatalf("ListRoleTags = %v, %q, %v", tags, next, err)
	}
	tags, next, err = f.r.ListRoleTags(f.ctx, "R", &next, nil)
	if err != nil || len(tags) != 1 || tags[0].Key != "env" || next != "" {
		t.Fatalf("ListRoleTags page 2 = %v, %q, %v", tags, next, err)
	}
	many := make([]iam.Tag, 49)
	for i := range many {
		many[i] = iam.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	wantCode(t, f.r.TagRole(f.ctx, "R", many), iam.CodeLimitExceeded)
	wantCode(t, f.r.TagRole(f.ctx, "R", []iam.Tag{{Key: "aws:x", Value: "v"}}), iam.CodeInvalidInput)
	if err := f.r.UntagRole(f.ctx, "R", []string{"ENV", "missing"}); err != nil {
		t.Fatal(err)
	}
	tags, _, _ = f.r.ListRoleTags(f.ctx, "R", nil, nil)
	if len(tags) != 1 || tags[0].Key != "team" {
		t.Fatalf("after UntagRole: %v", tags)
	}
	_, _, err = f.r.ListRoleTags(f.ctx, "R", sp("junk"), nil)
	wantCode(t, err, iam.CodeInvalidInput)
}

func TestListRoles(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"b", "a", "c"} {
		f.role(t, n)
	}
	if _, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "svc", Path: sp("/service-role/"), AssumeRolePolicyDocument: eventsTrust}); err != nil {
		t.Fatal(err)
	}
	page, next, err := f.r.ListRoles(f.ctx, iam.ListRolesInput{MaxItems: ip(3)})
	if err != nil || len(page) != 3 || page[0].Name != "a" || next == "" {
		t.Fatalf("page 1 = %v, %q, %v", page, next, err)
	}
	page, next, err = f.r.ListRoles(f.ctx, iam.ListRolesInput{Marker: &next, MaxItems: ip(3)})
	if err != nil || len(page) != 1 || page[0].Name != "svc" || next != "" {
		t.Fatalf("page 2 = %v, %q, %v", page, next, err)
	}
	page, _, err = f.r.ListRoles(f.ctx, iam.ListRolesInput{PathPrefix: sp("/service-role/")})
	if err != nil || len(page) != 1 {
		t.Fatalf("prefix = %v, %v", page, err)
	}
	_, _, err = f.r.ListRoles(f.ctx, iam.ListRolesInput{MaxItems: ip(0)})
	wantCode(t, err, steward.CodeValidation)
	_, _, err = f.r.ListRoles(f.ctx, iam.ListRolesInput{PathPrefix: sp("app")})
	wantCode(t, err, steward.CodeValidation)
}
