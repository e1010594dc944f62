package iamapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var t0 = time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)

// TestWireGolden records the awsQuery responses of a session of IAM calls:
// element order, URL-encoded documents, what listings leave out, error
// bodies and statuses. Regenerate with go test -update.
func TestWireGolden(t *testing.T) {
	clock := steward.NewFakeClock(t0)
	s := servertest.Start(t, func(c *server.Config) { c.Clock, c.AccountID = clock, "123456789012" })
	trust := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"events.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}\n}"
	perms := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"arn:aws:ssm:*:*:document/AWS-*"}}`
	calls := [][]string{
		{"CreatePolicy", "PolicyName", "Boundary", "Path", "/guards/", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "Description", "the most a role may do"},
		{"CreateRole", "RoleName", "Invoke-Run-Command", "Path", "/service-role/", "AssumeRolePolicyDocument", trust,
			"Description", "EventBridge target role", "MaxSessionDuration", "7200", "PermissionsBoundary", "arn:aws:iam::123456789012:policy/guards/Boundary",
			"Tags.member.1.Key", "team", "Tags.member.1.Value", "ops"},
		{"GetRole", "RoleName", "invoke-run-command"},
		{"ListRoles", "MaxItems", "1"},
		{"PutRolePolicy", "RoleName", "Invoke-Run-Command", "PolicyName", "run-command", "PolicyDocument", perms},
		{"GetRolePolicy", "RoleName", "Invoke-Run-Command", "PolicyName", "run-command"},
		{"ListRolePolicies", "RoleName", "Invoke-Run-Command"},
		{"CreatePolicy", "PolicyName", "Notify", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}}`},
		{"AttachRolePolicy", "RoleName", "Invoke-Run-Command", "PolicyArn", "arn:aws:iam::123456789012:policy/Notify"},
		{"ListAttachedRolePolicies", "RoleName", "Invoke-Run-Command"},
		{"GetPolicy", "PolicyArn", "arn:aws:iam::123456789012:policy/guards/Boundary"},
		{"GetPolicyVersion", "PolicyArn", "arn:aws:iam::123456789012:policy/Notify", "VersionId", "v1"},
		{"ListPolicies", "Scope", "Local", "OnlyAttached", "true"},
		{"ListRoleTags", "RoleName", "Invoke-Run-Command"},
		{"GetRole", "RoleName", "nope"},
		{"DeleteRole", "RoleName", "Invoke-Run-Command"},
		{"CreateRole", "RoleName", "bad", "AssumeRolePolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`},
		{"CreateRole", "RoleName", "bad name", "AssumeRolePolicyDocument", trust},
	}
	var b strings.Builder
	for _, c := range calls {
		status, body := call(t, s, clock.Now(), c[0], c[1:]...)
		fmt.Fprintf(&b, "== %s %d\n%s\n\n", c[0], status, normalize(body))
	}
	path := filepath.Join("testdata", "session.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Fatalf("responses differ from %s (-want +got):\n%s", path, diff)
	}
}

var (
	requestIDs = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	entityIDs  = regexp.MustCompile(`(AROA|ANPA)[A-Z2-7]{17}`)
)

func normalize(body string) string {
	body = requestIDs.ReplaceAllString(body, "REQUEST-ID")
	body = entityIDs.ReplaceAllString(body, "${1}XXXXXXXXXXXXXXXXX")
	return strings.ReplaceAll(body, "><", ">\n<")
}

func call(t *testing.T, s *servertest.Server, at time.Time, action string, params ...string) (int, string) {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Add(params[i], params[i+1])
	}
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(raw)
}
