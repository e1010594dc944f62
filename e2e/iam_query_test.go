package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stewardhq/steward/server/servertest"
)

// iamCall sends one awsQuery request signed as the SDKs sign IAM (service
// "iam", region us-east-1, whatever the server's region) and returns the
// status, the error code (for errors) and the body.
func iamCall(t *testing.T, s *servertest.Server, action string, params ...string) (int, string, string) {
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
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Errorf("%s: no x-amzn-RequestId", action)
	}
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, "", string(raw)
	}
	var e struct {
		Error struct {
			Type string `xml:"Type"`
			Code string `xml:"Code"`
		} `xml:"Error"`
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(raw, &e); err != nil || e.Error.Type != "Sender" || e.RequestID == "" {
		t.Fatalf("%s: error body %s (%v)", action, raw, err)
	}
	return resp.StatusCode, e.Error.Code, string(raw)
}

// TestIAMQueryWire checks what the CLIs do not show: HTTP statuses and
// query codes of every IAM error, URL-encoded documents exactly as
// written, and that rejected requests change nothing.
func TestIAMQueryWire(t *testing.T) {
	t.Parallel()
	s := iamServer(t)
	// White space, a non-ASCII character and characters that need escaping
	// survive the round trip exactly.
	trust := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Sid\": \"Café\", \"Effect\": \"Allow\", \"Principal\": {\"Service\": \"events.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\",\n    \"Condition\": {\"StringLike\": {\"aws:SourceArn\": \"arn:aws:events:*:123456789012:rule/a+b&c=d%*\"}}}]\n}"
	status, _, body := iamCall(t, s, "CreateRole", "RoleName", "wire", "AssumeRolePolicyDocument", trust, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v")
	if status != 200 || !strings.Contains(body, `<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role>`) {
		t.Fatalf("CreateRole: %d %s", status, body)
	}
	_, _, body = iamCall(t, s, "GetRole", "RoleName", "wire")
	var got struct {
		Doc  string    `xml:"GetRoleResult>Role>AssumeRolePolicyDocument"`
		ARN  string    `xml:"GetRoleResult>Role>Arn"`
		Last *struct{} `xml:"GetRoleResult>Role>RoleLastUsed"`
	}
	if err := xml.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(got.Doc, "{\" \n") {
		t.Fatalf("document not URL-encoded: %q", got.Doc)
	}
	for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
		if dec, err := unescape(got.Doc); err != nil || dec != trust {
			t.Fatalf("decoded document = %q, %v; want %q", dec, err, trust)
		}
	}
	if got.ARN != "arn:aws:iam::123456789012:role/wire" || got.Last == nil {
		t.Fatalf("GetRole: %s", body)
	}

	inline := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}}`
	if status, code, _ := iamCall(t, s, "PutRolePolicy", "RoleName", "wire", "PolicyName", "p", "PolicyDocument", inline); status != 200 {
		t.Fatalf("PutRolePolicy: %d %s", status, code)
	}
	_, _, body = iamCall(t, s, "GetRolePolicy", "RoleName", "WIRE", "PolicyName", "p")
	if !strings.Contains(body, "<RoleName>wire</RoleName><PolicyName>p</PolicyName><PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C") {
		t.Fatalf("GetRolePolicy: %s", body)
	}
	_, _, body = iamCall(t, s, "CreatePolicy", "PolicyName", "m", "PolicyDocument", inline)
	if !strings.Contains(body, "<Arn>arn:aws:iam::123456789012:policy/m</Arn>") || !strings.Contains(body, "<DefaultVersionId>v1</DefaultVersionId><AttachmentCount>0</AttachmentCount>") {
		t.Fatalf("CreatePolicy: %s", body)
	}
	iamCall(t, s, "AttachRolePolicy", "RoleName", "wire", "PolicyArn", "arn:aws:iam::123456789012:policy/m")

	tooBig := `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sts:AssumeRole"},`, 30) + `{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`
	cases := []struct {
		name   string
		action string
		params []string
		status int
		code   string
	}{
		{"no such role", "GetRole", []string{"RoleName", "nope"}, 404, "NoSuchEntity"},
		{"no such role policy", "GetRolePolicy", []string{"RoleName", "wire", "PolicyName", "nope"}, 404, "NoSuchEntity"},
		{"no such policy", "GetPolicy", []string{"PolicyArn", "arn:aws:iam::123456789012:policy/nope"}, 404, "NoSuchEntity"},
		{"AWS managed policy", "AttachRolePolicy", []string{"RoleName", "wire", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"}, 404, "NoSuchEntity"},
		{"duplicate role", "CreateRole", []string{"RoleName", "Wire", "AssumeRolePolicyDocument", trust}, 409, "EntityAlreadyExists"},
		{"duplicate policy", "CreatePolicy", []string{"PolicyName", "M", "PolicyDocument", inline}, 409, "EntityAlreadyExists"},
		{"delete role with policies", "DeleteRole", []string{"RoleName", "wire"}, 409, "DeleteConflict"},
		{"delete attached policy", "DeletePolicy", []string{"PolicyArn", "arn:aws:iam::123456789012:policy/m"}, 409, "DeleteConflict"},
		{"trust policy too large", "CreateRole", []string{"RoleName", "big", "AssumeRolePolicyDocument", tooBig}, 409, "LimitExceeded"},
		{"invalid JSON", "CreateRole", []string{"RoleName", "bad", "AssumeRolePolicyDocument", "{"}, 400, "MalformedPolicyDocument"},
		{"no Version", "CreatePolicy", []string{"PolicyName", "bad", "PolicyDocument", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`}, 400, "MalformedPolicyDocument"},
		{"no Statement", "PutRolePolicy", []string{"RoleName", "wire", "PolicyName", "bad", "PolicyDocument", `{"Version":"2012-10-17"}`}, 400, "MalformedPolicyDocument"},
		{"no Effect", "UpdateAssumeRolePolicy", []string{"RoleName", "wire", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Principal":"*","Action":"sts:AssumeRole"}}`}, 400, "MalformedPolicyDocument"},
		{"bad role name", "CreateRole", []string{"RoleName", "a/b", "AssumeRolePolicyDocument", trust}, 400, "ValidationError"},
		{"missing role name", "CreateRole", []string{"AssumeRolePolicyDocument", trust}, 400, "ValidationError"},
		{"session too long", "UpdateRole", []string{"RoleName", "wire", "MaxSessionDuration", "50000"}, 400, "ValidationError"},
		{"not an ARN", "GetPolicy", []string{"PolicyArn", "arn:aws:sns:us-east-1:123456789012:t"}, 400, "InvalidInput"},
		{"bad marker", "ListRoles", []string{"Marker", "not-ours"}, 400, "InvalidInput"},
		{"not a number", "ListRoles", []string{"MaxItems", "ten"}, 400, "MalformedInput"},
		{"unknown action", "CreateUserGroupThing", nil, 400, "InvalidAction"},
	}
	for _, c := range cases {
		status, code, body := iamCall(t, s, c.action, c.params...)
		if status != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s (%s)", c.name, status, code, c.status, c.code, body)
		}
	}

	// Nothing above changed anything.
	_, _, body = iamCall(t, s, "ListRoles")
	if n := strings.Count(body, "<RoleName>"); n != 1 || !strings.Contains(body, "<IsTruncated>false</IsTruncated>") {
		t.Fatalf("ListRoles after rejected requests: %s", body)
	}
	_, _, body = iamCall(t, s, "GetRole", "RoleName", "wire")
	if !strings.Contains(body, "<MaxSessionDuration>3600</MaxSessionDuration>") || !strings.Contains(body, "Caf%C3%A9") {
		t.Fatalf("role changed by rejected requests: %s", body)
	}
	_, _, body = iamCall(t, s, "ListPolicies", "Scope", "Local")
	if n := strings.Count(body, "<PolicyName>"); n != 1 {
		t.Fatalf("ListPolicies after rejected requests: %s", body)
	}
}
