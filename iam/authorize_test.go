package iam_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stewardhq/steward/iam"
)

const roleARN = "arn:aws:iam::123456789012:role/service-role/Invoke-Run-Command"

func sendCommand(resource string) iam.Request {
	return iam.Request{Action: "ssm:SendCommand", Resource: resource, Context: map[string][]string{
		"aws:SourceArn": {ruleARN}, "aws:SourceAccount": {account},
	}}
}

// wantReason checks AuthorizeService's verdict: nil for reason 0.
func wantReason(t *testing.T, err error, reason iam.Reason) {
	t.Helper()
	var ae *iam.AccessError
	switch {
	case reason == 0 && err != nil:
		t.Fatalf("AuthorizeService = %v, want nil", err)
	case reason != 0 && !errors.As(err, &ae):
		t.Fatalf("AuthorizeService = %v, want an AccessError %v", err, reason)
	case reason != 0 && ae.Reason != reason:
		t.Fatalf("AuthorizeService = %v (%v), want %v", err, ae.Reason, reason)
	}
}

// TestAuthorizeService walks the seed S3 setup: an EventBridge role that
// may send AWS-RunShellScript to one node.
func TestAuthorizeService(t *testing.T) {
	f := newFixture(t)
	doc := docARN
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(doc)), iam.ReasonRoleNotFound)

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ssm.amazonaws.com","events.amazonaws.com"]},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}`
	if _, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "Invoke-Run-Command", Path: sp("/service-role/"), AssumeRolePolicyDocument: trust}); err != nil {
		t.Fatal(err)
	}
	// Exists and trusts EventBridge, but has no permissions yet.
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(doc)), iam.ReasonNotAllowed)
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, "lambda.amazonaws.com", sendCommand(doc)), iam.ReasonNotTrusted)
	other := sendCommand(doc)
	other.Context = map[string][]string{"aws:SourceAccount": {"999999999999"}}
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, other), iam.ReasonNotTrusted)
	// Wrong path, wrong account, not a role ARN: no such role.
	for _, arn := range []string{"arn:aws:iam::123456789012:role/Invoke-Run-Command", "arn:aws:iam::999999999999:role/service-role/Invoke-Run-Command", "arn:aws:iam::123456789012:user/service-role/Invoke-Run-Command", "Invoke-Run-Command"} {
		wantReason(t, f.r.AuthorizeService(f.ctx, arn, events, sendCommand(doc)), iam.ReasonRoleNotFound)
	}

	// The seed's inline policy: the document and one instance.
	if err := f.r.PutRolePolicy(f.ctx, "Invoke-Run-Command", "Amazon_EventBridge_Invoke_Run_Command", `{
		"Version": "2012-10-17",
		"Statement": [{"Action": "ssm:SendCommand", "Effect": "Allow", "Resource": [
			"arn:aws:ssm:eu-west-1:123456789012:managed-instance/mi-0123456789abcdef0",
			"arn:aws:ssm:eu-west-1:*:document/AWS-RunShellScript"]}]}`); err != nil {
		t.Fatal(err)
	}
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(doc)), 0)
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(nodeARN)), 0)
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand("arn:aws:ssm:eu-west-1:123456789012:managed-instance/mi-ffffffffffffffff0")), iam.ReasonNotAllowed)
	automation := sendCommand(doc)
	automation.Action = "ssm:StartAutomationExecution"
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, automation), iam.ReasonNotAllowed)
	// Without the condition keys the trust policy's condition fails.
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, iam.Request{Action: "ssm:SendCommand", Resource: doc}), iam.ReasonNotTrusted)

	// An attached managed policy that denies wins over the inline allow.
	deny, err := f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: "NoShell", PolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:*:document/AWS-RunShellScript"}}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.r.AttachRolePolicy(f.ctx, "Invoke-Run-Command", deny.ARN); err != nil {
		t.Fatal(err)
	}
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(doc)), iam.ReasonDenied)
	if d, err := f.r.Authorize(f.ctx, roleARN, sendCommand(nodeARN)); err != nil || d != iam.Allow {
		t.Fatalf("Authorize(node) = %v, %v", d, err)
	}
	// A new default version of the attached policy takes effect at once.
	if _, err := f.r.CreatePolicyVersion(f.ctx, deny.ARN, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:*:managed-instance/*"}}`, true); err != nil {
		t.Fatal(err)
	}
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(doc)), 0)
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(nodeARN)), iam.ReasonDenied)
	if err := f.r.DetachRolePolicy(f.ctx, "Invoke-Run-Command", deny.ARN); err != nil {
		t.Fatal(err)
	}
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(nodeARN)), 0)

	// Trust changes and role deletion take effect at once too.
	if err := f.r.UpdateAssumeRolePolicy(f.ctx, "Invoke-Run-Command", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}}`); err != nil {
		t.Fatal(err)
	}
	wantReason(t, f.r.AuthorizeService(f.ctx, roleARN, events, sendCommand(doc)), iam.ReasonNotTrusted)
	if d, err := f.r.TrustsService(f.ctx, roleARN, "ssm.amazonaws.com", nil); err != nil || d != iam.Allow {
		t.Fatalf("TrustsService(ssm) = %v, %v", d, err)
	}
	if err := f.r.DeleteRolePolicy(f.ctx, "Invoke-Run-Command", "Amazon_EventBridge_Invoke_Run_Command"); err != nil {
		t.Fatal(err)
	}
	if d, err := f.r.Authorize(f.ctx, roleARN, sendCommand(doc)); err != nil || d != iam.ImplicitDeny {
		t.Fatalf("Authorize after DeleteRolePolicy = %v, %v", d, err)
	}
	if err := f.r.DeleteRole(f.ctx, "Invoke-Run-Command"); err != nil {
		t.Fatal(err)
	}
	_, err = f.r.Authorize(f.ctx, roleARN, sendCommand(doc))
	if iam.ReasonOf(err) != iam.ReasonRoleNotFound {
		t.Fatalf("Authorize after DeleteRole = %v", err)
	}
}

func TestPermissionsBoundary(t *testing.T) {
	f := newFixture(t)
	b := f.policy(t, "OnlySNS", allow(`"sns:*"`, `"*"`))
	if _, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "Bounded", AssumeRolePolicyDocument: eventsTrust, PermissionsBoundary: &b.ARN}); err != nil {
		t.Fatal(err)
	}
	if err := f.r.PutRolePolicy(f.ctx, "Bounded", "all", allow(`"*"`, `"*"`)); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:iam::123456789012:role/Bounded"
	wantReason(t, f.r.AuthorizeService(f.ctx, arn, events, iam.Request{Action: "sns:Publish", Resource: topic}), 0)
	wantReason(t, f.r.AuthorizeService(f.ctx, arn, events, iam.Request{Action: "sqs:SendMessage", Resource: queue}), iam.ReasonNotAllowed)
	got, _ := f.r.GetPolicy(f.ctx, b.ARN)
	if got.BoundaryCount != 1 {
		t.Fatalf("PermissionsBoundaryUsageCount = %d", got.BoundaryCount)
	}
	wantCode(t, f.r.DeletePolicy(f.ctx, b.ARN), iam.CodeDeleteConflict)
	r, _ := f.r.GetRole(f.ctx, "Bounded")
	if r.PermissionsBoundary != b.ARN {
		t.Fatalf("PermissionsBoundary = %q", r.PermissionsBoundary)
	}
}

// TestCacheTTL: a change made through another Roles (another replica on the
// same database) is seen once the cached evaluation is older than the TTL.
func TestCacheTTL(t *testing.T) {
	f := newFixture(t)
	f.role(t, "R")
	arn := "arn:aws:iam::123456789012:role/R"
	replica := iam.NewRoles(f.db, account, f.clock, iam.RolesOptions{CacheTTL: 5 * time.Second})
	req := iam.Request{Action: "sns:Publish", Resource: topic}
	if d, _ := f.r.Authorize(f.ctx, arn, req); d != iam.ImplicitDeny {
		t.Fatalf("before = %v", d)
	}
	if err := replica.PutRolePolicy(f.ctx, "R", "p", allow(`"sns:Publish"`, `"*"`)); err != nil {
		t.Fatal(err)
	}
	if d, _ := replica.Authorize(f.ctx, arn, req); d != iam.Allow {
		t.Fatalf("the writing replica = %v", d)
	}
	if d, _ := f.r.Authorize(f.ctx, arn, req); d != iam.ImplicitDeny {
		t.Fatalf("the other replica within the TTL = %v (cached)", d)
	}
	f.clock.Advance(5 * time.Second)
	if d, _ := f.r.Authorize(f.ctx, arn, req); d != iam.Allow {
		t.Fatalf("the other replica after the TTL = %v", d)
	}
	// A role created elsewhere is found after the TTL as well (missing roles
	// are cached too).
	if _, err := f.r.Authorize(f.ctx, "arn:aws:iam::123456789012:role/Later", req); iam.ReasonOf(err) != iam.ReasonRoleNotFound {
		t.Fatalf("missing role: %v", err)
	}
	if _, err := replica.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "Later", AssumeRolePolicyDocument: eventsTrust}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(5 * time.Second)
	if _, err := f.r.Authorize(f.ctx, "arn:aws:iam::123456789012:role/Later", req); err != nil {
		t.Fatalf("role created by the replica: %v", err)
	}
	// Without a cache every evaluation reads the store.
	uncached := iam.NewRoles(f.db, account, f.clock, iam.RolesOptions{CacheTTL: -1})
	if err := replica.DeleteRolePolicy(f.ctx, "R", "p"); err != nil {
		t.Fatal(err)
	}
	if d, _ := uncached.Authorize(f.ctx, arn, req); d != iam.ImplicitDeny {
		t.Fatalf("uncached = %v", d)
	}
}

// BenchmarkAuthorizeService is the per-invocation cost EventBridge pays: a
// cached role with a trust condition, an inline policy and two attached
// managed policies.
func BenchmarkAuthorizeService(b *testing.B) {
	f := newFixture(b)
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:123456789012:rule/*"}}}}`
	if _, err := f.r.CreateRole(f.ctx, iam.CreateRoleInput{RoleName: "Invoke-Run-Command", Path: sp("/service-role/"), AssumeRolePolicyDocument: trust}); err != nil {
		b.Fatal(err)
	}
	if err := f.r.PutRolePolicy(f.ctx, "Invoke-Run-Command", "p", allow(`"ssm:SendCommand"`, `["arn:aws:ssm:*:*:managed-instance/*","arn:aws:ssm:*:*:document/AWS-*"]`)); err != nil {
		b.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		p, err := f.r.CreatePolicy(f.ctx, iam.CreatePolicyInput{PolicyName: n, PolicyDocument: allow(`["sns:Publish","sqs:SendMessage"]`, `"*"`)})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.r.AttachRolePolicy(f.ctx, "Invoke-Run-Command", p.ARN); err != nil {
			b.Fatal(err)
		}
	}
	req := sendCommand(docARN)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := f.r.AuthorizeService(f.ctx, roleARN, events, req); err != nil {
			b.Fatal(err)
		}
	}
}
