package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

const iamTrustDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"TrustEventBridgeService","Effect":"Allow","Principal":{"Service":["ssm.amazonaws.com","events.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`

const iamInlineDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Action": "ssm:SendCommand", "Effect": "Allow",
     "Resource": ["arn:aws:ssm:eu-west-1:*:document/AWS-RunShellScript", "arn:aws:ssm:eu-west-1:123456789012:managed-instance/*"]}
  ]
}`

const iamManagedDoc = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:*:managed-instance/mi-00000000000000bad"}}`

// iamServer starts a server in eu-west-1: IAM is global, so clients sign
// for a region of their own (the SDKs us-east-1) and that must not matter.
func iamServer(t *testing.T) *servertest.Server {
	return servertest.Start(t, func(c *server.Config) { c.Region, c.AccountID = "eu-west-1", "123456789012" })
}

// cliJSON runs the CLI and decodes its JSON output.
func cliJSON(t *testing.T, s *servertest.Server, bin string, args ...string) map[string]any {
	t.Helper()
	out, err := s.CLI(t, bin, args...)
	if err != nil {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	if strings.TrimSpace(out) == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), out, err)
	}
	return m
}

// cliFails runs the CLI, expects it to fail with the error code and
// returns nothing.
func cliFails(t *testing.T, s *servertest.Server, bin, code string, args ...string) {
	t.Helper()
	_, err := s.CLI(t, bin, args...)
	var ce *servertest.CLIError
	if !errors.As(err, &ce) {
		t.Fatalf("aws %s: %v, want error %s", strings.Join(args, " "), err, code)
	}
	if !strings.Contains(ce.Stderr, "("+code+")") {
		t.Fatalf("aws %s: stderr %q, want (%s)", strings.Join(args, " "), ce.Stderr, code)
	}
}

func jsonOf(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// TestIAMWithCLIs drives the IAM role basics with the pip CLI v1 and
// Debian's CLI 2.9 (both awsQuery; they decode the URL-encoded documents),
// then checks the evaluator EventBridge will use sees what they set up.
func TestIAMWithCLIs(t *testing.T) {
	for name, bin := range map[string]string{"pip-v1": servertest.CLIv1, "debian": servertest.CLIDebian} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			servertest.NeedBinary(t, bin)
			s := iamServer(t)
			testIAMCLI(t, s, bin)
		})
	}
}

func testIAMCLI(t *testing.T, s *servertest.Server, bin string) {
	const roleName = "Invoke-Run-Command"
	roleARN := "arn:aws:iam::123456789012:role/service-role/" + roleName
	cr := cliJSON(t, s, bin, "iam", "create-role", "--role-name", roleName, "--path", "/service-role/",
		"--assume-role-policy-document", iamTrustDoc, "--description", "Runs commands for EventBridge (café)",
		"--tags", "Key=team,Value=ops")
	if get(cr, "Role", "Arn") != roleARN || len(get(cr, "Role", "RoleId").(string)) != 21 ||
		!reflect.DeepEqual(get(cr, "Role", "AssumeRolePolicyDocument"), jsonOf(t, iamTrustDoc)) {
		t.Fatalf("create-role: %v", cr)
	}
	gr := cliJSON(t, s, bin, "iam", "get-role", "--role-name", strings.ToLower(roleName))
	if get(gr, "Role", "RoleName") != roleName || get(gr, "Role", "Description") != "Runs commands for EventBridge (café)" ||
		get(gr, "Role", "MaxSessionDuration") != 3600.0 || get(gr, "Role", "Path") != "/service-role/" ||
		!reflect.DeepEqual(get(gr, "Role", "AssumeRolePolicyDocument"), jsonOf(t, iamTrustDoc)) ||
		!reflect.DeepEqual(get(gr, "Role", "Tags"), []any{map[string]any{"Key": "team", "Value": "ops"}}) {
		t.Fatalf("get-role: %v", gr)
	}
	cliFails(t, s, bin, "EntityAlreadyExists", "iam", "create-role", "--role-name", strings.ToUpper(roleName), "--assume-role-policy-document", iamTrustDoc)
	cliFails(t, s, bin, "NoSuchEntity", "iam", "get-role", "--role-name", "nope")
	cliFails(t, s, bin, "MalformedPolicyDocument", "iam", "create-role", "--role-name", "bad", "--assume-role-policy-document", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`)
	cliFails(t, s, bin, "ValidationError", "iam", "create-role", "--role-name", "bad name", "--assume-role-policy-document", iamTrustDoc)

	// Listing with a page size of 1 walks the markers.
	for _, n := range []string{"a-role", "z-role"} {
		cliJSON(t, s, bin, "iam", "create-role", "--role-name", n, "--assume-role-policy-document", iamTrustDoc)
	}
	lr := cliJSON(t, s, bin, "iam", "list-roles", "--page-size", "1")
	var names []string
	for _, r := range lr["Roles"].([]any) {
		names = append(names, r.(map[string]any)["RoleName"].(string))
	}
	if strings.Join(names, ",") != "a-role,"+roleName+",z-role" {
		t.Fatalf("list-roles: %v", names)
	}
	lr = cliJSON(t, s, bin, "iam", "list-roles", "--path-prefix", "/service-role/")
	if n := len(lr["Roles"].([]any)); n != 1 {
		t.Fatalf("list-roles --path-prefix: %d roles", n)
	}

	// Inline policy.
	cliJSON(t, s, bin, "iam", "put-role-policy", "--role-name", roleName, "--policy-name", "run-command", "--policy-document", iamInlineDoc)
	rp := cliJSON(t, s, bin, "iam", "get-role-policy", "--role-name", roleName, "--policy-name", "run-command")
	if rp["RoleName"] != roleName || rp["PolicyName"] != "run-command" || !reflect.DeepEqual(rp["PolicyDocument"], jsonOf(t, iamInlineDoc)) {
		t.Fatalf("get-role-policy: %v", rp)
	}
	lp := cliJSON(t, s, bin, "iam", "list-role-policies", "--role-name", roleName)
	if !reflect.DeepEqual(lp["PolicyNames"], []any{"run-command"}) {
		t.Fatalf("list-role-policies: %v", lp)
	}
	cliFails(t, s, bin, "MalformedPolicyDocument", "iam", "put-role-policy", "--role-name", roleName, "--policy-name", "bad", "--policy-document", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:*"}}`)

	// Managed policy, attached.
	cp := cliJSON(t, s, bin, "iam", "create-policy", "--policy-name", "NoBadNode", "--path", "/guards/", "--policy-document", iamManagedDoc)
	policyARN, _ := get(cp, "Policy", "Arn").(string)
	if policyARN != "arn:aws:iam::123456789012:policy/guards/NoBadNode" || get(cp, "Policy", "DefaultVersionId") != "v1" ||
		!strings.HasPrefix(get(cp, "Policy", "PolicyId").(string), "ANPA") {
		t.Fatalf("create-policy: %v", cp)
	}
	pv := cliJSON(t, s, bin, "iam", "get-policy-version", "--policy-arn", policyARN, "--version-id", "v1")
	if !reflect.DeepEqual(get(pv, "PolicyVersion", "Document"), jsonOf(t, iamManagedDoc)) || get(pv, "PolicyVersion", "IsDefaultVersion") != true {
		t.Fatalf("get-policy-version: %v", pv)
	}
	cliJSON(t, s, bin, "iam", "attach-role-policy", "--role-name", roleName, "--policy-arn", policyARN)
	gp := cliJSON(t, s, bin, "iam", "get-policy", "--policy-arn", policyARN)
	if get(gp, "Policy", "AttachmentCount") != 1.0 || get(gp, "Policy", "IsAttachable") != true {
		t.Fatalf("get-policy: %v", gp)
	}
	la := cliJSON(t, s, bin, "iam", "list-attached-role-policies", "--role-name", roleName)
	if !reflect.DeepEqual(la["AttachedPolicies"], []any{map[string]any{"PolicyName": "NoBadNode", "PolicyArn": policyARN}}) {
		t.Fatalf("list-attached-role-policies: %v", la)
	}
	lpo := cliJSON(t, s, bin, "iam", "list-policies", "--scope", "Local", "--only-attached")
	if n := len(lpo["Policies"].([]any)); n != 1 {
		t.Fatalf("list-policies --only-attached: %d", n)
	}
	cliFails(t, s, bin, "NoSuchEntity", "iam", "attach-role-policy", "--role-name", roleName, "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")

	// What EventBridge will ask.
	roles := s.Roles()
	req := func(resource string) iam.Request {
		return iam.Request{Action: "ssm:SendCommand", Resource: resource}
	}
	ctx := context.Background()
	if err := roles.AuthorizeService(ctx, roleARN, "events.amazonaws.com", req("arn:aws:ssm:eu-west-1:123456789012:document/AWS-RunShellScript")); err != nil {
		t.Fatalf("AuthorizeService(document): %v", err)
	}
	if err := roles.AuthorizeService(ctx, roleARN, "events.amazonaws.com", req("arn:aws:ssm:eu-west-1:123456789012:managed-instance/mi-00000000000000bad")); iam.ReasonOf(err) != iam.ReasonDenied {
		t.Fatalf("AuthorizeService(denied node): %v", err)
	}
	if err := roles.AuthorizeService(ctx, roleARN, "lambda.amazonaws.com", req("*")); iam.ReasonOf(err) != iam.ReasonNotTrusted {
		t.Fatalf("AuthorizeService(lambda): %v", err)
	}

	// Tags, trust update, deletion order.
	cliJSON(t, s, bin, "iam", "tag-role", "--role-name", roleName, "--tags", "Key=Team,Value=sre", "Key=env,Value=prod")
	cliJSON(t, s, bin, "iam", "untag-role", "--role-name", roleName, "--tag-keys", "env")
	lt := cliJSON(t, s, bin, "iam", "list-role-tags", "--role-name", roleName)
	if !reflect.DeepEqual(lt["Tags"], []any{map[string]any{"Key": "Team", "Value": "sre"}}) {
		t.Fatalf("list-role-tags: %v", lt)
	}
	cliJSON(t, s, bin, "iam", "update-assume-role-policy", "--role-name", roleName, "--policy-document",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ssm.amazonaws.com"},"Action":"sts:AssumeRole"}}`)
	if err := roles.AuthorizeService(ctx, roleARN, "events.amazonaws.com", req("*")); iam.ReasonOf(err) != iam.ReasonNotTrusted {
		t.Fatalf("AuthorizeService after update-assume-role-policy: %v", err)
	}
	cliJSON(t, s, bin, "iam", "update-role", "--role-name", roleName, "--max-session-duration", "7200")
	cliFails(t, s, bin, "DeleteConflict", "iam", "delete-role", "--role-name", roleName)
	cliFails(t, s, bin, "DeleteConflict", "iam", "delete-policy", "--policy-arn", policyARN)
	cliJSON(t, s, bin, "iam", "detach-role-policy", "--role-name", roleName, "--policy-arn", policyARN)
	cliFails(t, s, bin, "DeleteConflict", "iam", "delete-role", "--role-name", roleName)
	cliJSON(t, s, bin, "iam", "delete-role-policy", "--role-name", roleName, "--policy-name", "run-command")
	cliJSON(t, s, bin, "iam", "delete-role", "--role-name", roleName)
	cliJSON(t, s, bin, "iam", "delete-policy", "--policy-arn", policyARN)
	cliFails(t, s, bin, "NoSuchEntity", "iam", "get-role", "--role-name", roleName)
	if err := roles.AuthorizeService(ctx, roleARN, "ssm.amazonaws.com", req("*")); iam.ReasonOf(err) != iam.ReasonRoleNotFound {
		t.Fatalf("AuthorizeService after delete-role: %v", fmt.Sprint(err))
	}
}
