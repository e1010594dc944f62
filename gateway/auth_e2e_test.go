package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"
	"github.com/stewardhq/steward/server/servertest"
)

// protoReq is one signed-request template per protocol.
type protoReq struct {
	name    string
	service string // SigV4 signing name
	path    string
	headers map[string]string
	body    []byte
}

func protocolRequests() []protoReq {
	return []protoReq{
		{"json", "ssm", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.DescribeParameters"}, []byte(`{}`)},
		{"query", "sts", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, []byte("Action=GetCallerIdentity&Version=2011-06-15")},
		{"cbor", "monitoring", "/service/GraniteServiceVersion20100801/operation/ListMetrics", map[string]string{"Content-Type": "application/cbor", "Smithy-Protocol": "rpc-v2-cbor", "Accept": "application/cbor", "X-Amzn-Query-Mode": "true"}, []byte{0xa0}},
	}
}

// send signs (unless secret is empty) and sends one request, returning status,
// headers and the error code found in the body or headers.
func send(t *testing.T, srv *servertest.Server, p protoReq, body []byte, akid, secret string, at time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+p.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range p.headers {
		req.Header.Set(k, v)
	}
	if secret != "" {
		sum := sha256.Sum256(body)
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), p.service, srv.Region, at)
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Errorf("%s: no x-amzn-RequestId header", p.name)
	}
	return resp.StatusCode, errorCode(t, p.name, resp.Header, raw)
}

func errorCode(t *testing.T, proto string, h http.Header, raw []byte) string {
	switch proto {
	case "query":
		if i := bytes.Index(raw, []byte("<Code>")); i >= 0 {
			rest := raw[i+6:]
			return string(rest[:bytes.Index(rest, []byte("</Code>"))])
		}
		return ""
	case "cbor":
		if h.Get("Smithy-Protocol") != "rpc-v2-cbor" {
			t.Errorf("cbor response without Smithy-Protocol header")
		}
		var m map[string]any
		if len(raw) > 0 {
			if err := cbor.Unmarshal(raw, &m); err != nil {
				t.Fatalf("cbor error body: %v", err)
			}
		}
		s, _ := m["__type"].(string)
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[i+1:]
		}
		return s
	default:
		return h.Get("X-Amzn-Errortype")
	}
}

func TestAuthFailuresPerProtocol(t *testing.T) {
	srv := servertest.Start(t)
	now := time.Now()
	want := map[string]map[string]string{ // case -> protocol -> code
		"wrong secret":  {"json": "InvalidSignatureException", "query": "SignatureDoesNotMatch", "cbor": "InvalidSignatureException"},
		"no auth":       {"json": "MissingAuthenticationTokenException", "query": "MissingAuthenticationToken", "cbor": "MissingAuthenticationTokenException"},
		"20 min old":    {"json": "InvalidSignatureException", "query": "SignatureDoesNotMatch", "cbor": "InvalidSignatureException"},
		"20 min ahead":  {"json": "InvalidSignatureException", "query": "SignatureDoesNotMatch", "cbor": "InvalidSignatureException"},
		"unknown key":   {"json": "UnrecognizedClientException", "query": "InvalidClientTokenId", "cbor": "UnrecognizedClientException"},
		"valid request": {"json": "", "query": "", "cbor": ""},
	}
	for _, p := range protocolRequests() {
		cases := map[string]func() (int, string){
			"wrong secret": func() (int, string) { return send(t, srv, p, p.body, srv.AccessKeyID, "not-the-secret", now) },
			"no auth":      func() (int, string) { return send(t, srv, p, p.body, "", "", now) },
			"20 min old": func() (int, string) {
				return send(t, srv, p, p.body, srv.AccessKeyID, srv.SecretAccessKey, now.Add(-20*time.Minute))
			},
			"20 min ahead": func() (int, string) {
				return send(t, srv, p, p.body, srv.AccessKeyID, srv.SecretAccessKey, now.Add(20*time.Minute))
			},
			"unknown key":   func() (int, string) { return send(t, srv, p, p.body, "AKIAUNKNOWNKEY000000", "x", now) },
			"valid request": func() (int, string) { return send(t, srv, p, p.body, srv.AccessKeyID, srv.SecretAccessKey, now) },
		}
		for name, do := range cases {
			status, code := do()
			if code != want[name][p.name] {
				t.Errorf("%s/%s: code %q, want %q (status %d)", p.name, name, code, want[name][p.name], status)
			}
			if name == "valid request" && status != 200 || name != "valid request" && (status < 400 || status >= 500) {
				t.Errorf("%s/%s: status %d", p.name, name, status)
			}
		}
	}
}

// TestAuthFailuresWithSDKs checks that the real SDK clients see the codes.
func TestAuthFailuresWithSDKs(t *testing.T) {
	srv := servertest.Start(t)
	bad := srv.AWSConfig()
	bad.Credentials = credentials.NewStaticCredentialsProvider(srv.AccessKeyID, "wrong-secret", "")
	ctx := context.Background()
	codeOf := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return "no API error: " + errString(err)
	}
	_, err := ssm.NewFromConfig(bad).DescribeParameters(ctx, &ssm.DescribeParametersInput{})
	if c := codeOf(err); c != "InvalidSignatureException" {
		t.Errorf("ssm (json): %s", c)
	}
	_, err = sts.NewFromConfig(bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if c := codeOf(err); c != "SignatureDoesNotMatch" {
		t.Errorf("sts (query): %s", c)
	}
	_, err = cloudwatch.NewFromConfig(bad).ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	// CloudWatch is query-compatible: the SDK reports the query code.
	if c := codeOf(err); c != "SignatureDoesNotMatch" && c != "InvalidSignatureException" {
		t.Errorf("cloudwatch (cbor): %s", c)
	}
	// And the good credentials work over all three.
	good := srv.AWSConfig()
	id, err := sts.NewFromConfig(good).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "000000000000" || !strings.HasSuffix(aws.ToString(id.Arn), ":user/admin") {
		t.Errorf("GetCallerIdentity = %+v, %v", id, err)
	}
	lm, err := cloudwatch.NewFromConfig(good).ListMetrics(ctx, &cloudwatch.ListMetricsInput{})
	if err != nil || len(lm.Metrics) != 0 {
		t.Errorf("ListMetrics (cbor) = %+v, %v", lm, err)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
