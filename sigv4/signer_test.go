package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var (
	testCreds = aws.Credentials{AccessKeyID: "AKIDSTEWARDTEST", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	// signTime is when test requests are signed; the verifier's clock reads it too unless a test moves it.
	signTime = time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)
)

// newVerifier returns a Verifier that knows testCreds and whose clock reads now.
func newVerifier(now time.Time) *Verifier {
	return &Verifier{
		Lookup: func(_ context.Context, akid string) (string, error) {
			if akid == testCreds.AccessKeyID {
				return testCreds.SecretAccessKey, nil
			}
			return "", fmt.Errorf("lookup %q: %w", akid, ErrUnknownKey)
		},
		Now: func() time.Time { return now },
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// request is a client request before signing.
type request struct {
	method, url, body string
	header            [][2]string // added with Header.Add, in order
}

func (q request) build(t testing.TB) *http.Request {
	t.Helper()
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	r, err := http.NewRequest(q.method, q.url, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range q.header {
		r.Header.Add(h[0], h[1])
	}
	return r
}

// signHTTP signs r with the real aws-sdk-go-v2 signer.
func signHTTP(t testing.TB, r *http.Request, body []byte, creds aws.Credentials, service string, at time.Time) {
	t.Helper()
	payload := sha256Hex(body)
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		payload = h
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payload, service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

// onServer sends r through the HTTP/1.1 wire format and returns it as a Go
// server reads it, with its body.
func onServer(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("reading back %q: %v", wire.String(), err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sr, body
}

// signed builds q, signs it for service at signTime and returns it as the server sees it.
func signed(t testing.TB, q request, service string) (*http.Request, []byte) {
	t.Helper()
	r := q.build(t)
	signHTTP(t, r, []byte(q.body), testCreds, service, signTime)
	return onServer(t, r)
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

const endpoint = "http://127.0.0.1:4566"

var (
	jsonRequest = request{
		method: "POST", url: endpoint + "/",
		body: `{"Name":"/app/db/password","WithDecryption":true}`,
		header: [][2]string{
			{"Content-Type", "application/x-amz-json-1.1"},
			{"X-Amz-Target", "AmazonSSM.GetParameter"},
			{"Amz-Sdk-Invocation-Id", "5b0a7f2e-0d6c-4c4e-8a7e-6b1f0c9e2d11"},
		},
	}
	queryRequest = request{
		method: "POST", url: endpoint + "/",
		body:   "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Aalerts&Message=disk+full%21",
		header: [][2]string{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
	}
	cborRequest = request{
		method: "POST", url: endpoint + "/service/GraniteServiceVersion20100801/operation/ListMetrics",
		body: "\xbf\x69Namespace\x63App\xff",
		header: [][2]string{
			{"Content-Type", "application/cbor"},
			{"Accept", "application/cbor"},
			{"Smithy-Protocol", "rpc-v2-cbor"},
			{"X-Amzn-Query-Mode", "true"},
		},
	}
)

func TestVerifySignedBySDK(t *testing.T) {
	cases := []struct {
		name    string
		req     request
		service string
		after   func(r *http.Request) // applied to the client request after signing
	}{
		{name: "awsJson POST", req: jsonRequest, service: "ssm"},
		{name: "awsQuery form POST", req: queryRequest, service: "sns"},
		{name: "CBOR path", req: cborRequest, service: "monitoring"},
		{name: "GET with query string", service: "sns", req: request{method: "GET",
			url: endpoint + "/?Version=2010-03-31&Action=ListTopics&NextToken=a%2Fb+c%2Bd&Empty=&Flag&Z=%E2%9C%93&k=a%2Fb&k=a-b&k=A&%7Ekey=~v"}},
		{name: "path with space and encoded slash", service: "ssm", req: request{method: "POST",
			url: endpoint + "/a%20b/c%2Fd/%E2%9C%93/e~f", body: "{}"}},
		{name: "path with dot segments, signed as is", service: "ssm", req: request{method: "GET", url: endpoint + "//a/./b/../c/"}},
		{name: "header with repeated spaces", service: "ssm", req: request{method: "POST", url: endpoint + "/", body: "{}",
			header: [][2]string{{"X-Custom", "  a   b \t c  "}, {"X-Amz-Target", "AmazonSSM.ListDocuments"}}}},
		{name: "repeated header", service: "ssm", req: request{method: "POST", url: endpoint + "/", body: "{}",
			header: [][2]string{{"X-Multi", "one"}, {"X-Multi", " two  words "}}}},
		{name: "unsigned headers added after signing", req: jsonRequest, service: "ssm", after: func(r *http.Request) {
			r.Header.Set("User-Agent", "aws-cli/2.9.19")
			r.Header.Set("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")
			r.Header.Set("X-Forwarded-For", "10.0.0.1")
		}},
		{name: "host without port", service: "ssm", req: request{method: "POST", url: "http://localhost/", body: "{}"}},
		{name: "empty body GET", service: "sts", req: request{method: "GET", url: endpoint + "/?Action=GetCallerIdentity&Version=2011-06-15"}},
		{name: "declared payload hash", service: "ssm", req: request{method: "POST", url: endpoint + "/", body: "{}",
			header: [][2]string{{"X-Amz-Content-Sha256", sha256Hex([]byte("{}"))}}}},
		{name: "UNSIGNED-PAYLOAD", service: "ssm", req: request{method: "POST", url: endpoint + "/", body: "{}",
			header: [][2]string{{"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}}}},
	}
	v := newVerifier(signTime)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req.build(t)
			signHTTP(t, r, []byte(tc.req.body), testCreds, tc.service, signTime)
			if tc.after != nil {
				tc.after(r)
			}
			sr, body := onServer(t, r)
			s, err := v.Verify(context.Background(), sr, body, tc.service)
			if err != nil {
				t.Fatalf("Verify: %v\nAuthorization: %s", err, sr.Header.Get("Authorization"))
			}
			if s.AccessKeyID != testCreds.AccessKeyID || s.Service != tc.service || s.Region != "us-east-1" ||
				!s.Time.Equal(signTime) || s.Date != "20260121" || s.Presigned {
				t.Errorf("Signature = %+v", s)
			}
		})
	}
}

func TestVerifySessionToken(t *testing.T) {
	creds := testCreds
	creds.SessionToken = "FwoGZXIvYXdzEBYaDH+session/token=="
	r := jsonRequest.build(t)
	signHTTP(t, r, []byte(jsonRequest.body), creds, "ssm", signTime)
	sr, body := onServer(t, r)
	s, err := newVerifier(signTime).Verify(context.Background(), sr, body, "ssm")
	if err != nil {
		t.Fatal(err)
	}
	if s.SecurityToken != creds.SessionToken {
		t.Errorf("SecurityToken = %q, want %q", s.SecurityToken, creds.SessionToken)
	}
}

func TestVerifyRejects(t *testing.T) {
	cases := []struct {
		name    string
		req     request
		service string
		creds   *aws.Credentials
		at      time.Time                // signing time; zero means signTime
		after   func(r *http.Request)    // on the client request after signing
		body    func(body []byte) []byte // on the body the server verifies
		want    Kind
	}{
		{name: "wrong secret", creds: &aws.Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: "not-the-secret"}, want: Mismatch},
		{name: "unknown key", creds: &aws.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, want: UnknownKey},
		{name: "tampered body", body: func([]byte) []byte { return []byte(`{"Name":"/app/other"}`) }, want: Mismatch},
		{name: "tampered signed header", after: func(r *http.Request) { r.Header.Set("X-Amz-Target", "AmazonSSM.DeleteParameter") }, want: Mismatch},
		{name: "signed header removed", after: func(r *http.Request) { r.Header.Del("Amz-Sdk-Invocation-Id") }, want: Mismatch},
		{name: "other host", after: func(r *http.Request) { r.Host = "127.0.0.1:4567" }, want: Mismatch},
		{name: "other path", after: func(r *http.Request) { r.URL.Path = "/other" }, want: Mismatch},
		{name: "query added", after: func(r *http.Request) { r.URL.RawQuery = "x=1" }, want: Mismatch},
		{name: "20 minutes old", at: signTime.Add(-20 * time.Minute), want: Expired},
		{name: "20 minutes ahead", at: signTime.Add(20 * time.Minute), want: NotYetCurrent},
		{name: "wrong service", service: "sns", want: WrongService},
		{name: "missing authorization", after: func(r *http.Request) { r.Header.Del("Authorization") }, want: Missing},
		{name: "scope date mismatch", after: func(r *http.Request) { r.Header.Set("X-Amz-Date", "20260122T101500Z") }, want: Incomplete},
		{name: "streaming payload", req: request{method: "POST", url: endpoint + "/", body: "{}",
			header: [][2]string{{"X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}}}, want: Incomplete},
		{name: "declared payload hash, tampered body", req: request{method: "POST", url: endpoint + "/", body: "{}",
			header: [][2]string{{"X-Amz-Content-Sha256", sha256Hex([]byte("{}"))}}},
			body: func([]byte) []byte { return []byte(`{"a":1}`) }, want: Mismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.req
			if q.method == "" {
				q = jsonRequest
			}
			signService := "ssm"
			if tc.service != "" {
				signService = tc.service
			}
			creds, at := testCreds, signTime
			if tc.creds != nil {
				creds = *tc.creds
			}
			if !tc.at.IsZero() {
				at = tc.at
			}
			r := q.build(t)
			signHTTP(t, r, []byte(q.body), creds, signService, at)
			if tc.after != nil {
				tc.after(r)
			}
			sr, body := onServer(t, r)
			if tc.body != nil {
				body = tc.body(body)
			}
			s, err := newVerifier(signTime).Verify(context.Background(), sr, body, "ssm")
			if got := kindOf(err); got != tc.want || s != nil {
				t.Fatalf("Verify = %v, %v; want kind %v", s, err, tc.want)
			}
		})
	}
}

func TestVerifyUnsignedHeaderChanged(t *testing.T) {
	r := jsonRequest.build(t)
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7")
	signHTTP(t, r, []byte(jsonRequest.body), testCreds, "ssm", signTime)
	r.Header.Set("User-Agent", "something else") // the SDK never signs User-Agent
	sr, body := onServer(t, r)
	if _, err := newVerifier(signTime).Verify(context.Background(), sr, body, "ssm"); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyUnknownKeyIsErrUnknownKey(t *testing.T) {
	sr, body := signed(t, jsonRequest, "ssm")
	v := newVerifier(signTime)
	v.Lookup = func(context.Context, string) (string, error) { return "", ErrUnknownKey }
	_, err := v.Verify(context.Background(), sr, body, "ssm")
	if kindOf(err) != UnknownKey || !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v", err)
	}
}

func TestVerifyLookupFailure(t *testing.T) {
	sr, body := signed(t, jsonRequest, "ssm")
	boom := errors.New("database is locked")
	v := newVerifier(signTime)
	v.Lookup = func(context.Context, string) (string, error) { return "", boom }
	if _, err := v.Verify(context.Background(), sr, body, "ssm"); !errors.Is(err, boom) || kindOf(err) != 0 {
		t.Fatalf("err = %v, want the lookup error as is", err)
	}
}

func TestVerifySkewWindow(t *testing.T) {
	sr, body := signed(t, jsonRequest, "ssm")
	for _, tc := range []struct {
		now  time.Time
		skew time.Duration
		want Kind
	}{
		{now: signTime.Add(15 * time.Minute)},
		{now: signTime.Add(-15 * time.Minute)},
		{now: signTime.Add(15*time.Minute + time.Second), want: Expired},
		{now: signTime.Add(-15*time.Minute - time.Second), want: NotYetCurrent},
		{now: signTime.Add(5*time.Minute + time.Second), skew: 5 * time.Minute, want: Expired},
		{now: signTime.Add(-5*time.Minute - time.Second), skew: 5 * time.Minute, want: NotYetCurrent},
	} {
		v := newVerifier(tc.now)
		v.MaxSkew = tc.skew
		if _, err := v.Verify(context.Background(), sr, body, "ssm"); kindOf(err) != tc.want {
			t.Errorf("now %v, skew %v: err = %v, want kind %v", tc.now, tc.skew, err, tc.want)
		}
	}
}

// The time messages are AWS's wire text, which clients show to people.
func TestSkewMessages(t *testing.T) {
	req := time.Date(2026, 1, 21, 10, 15, 0, 0, time.UTC)
	now := time.Date(2026, 1, 21, 10, 45, 0, 0, time.UTC)
	if got, want := skewError(Expired, req, now, DefaultMaxSkew).Message,
		"Signature expired: 20260121T101500Z is now earlier than 20260121T103000Z (20260121T104500Z - 15 min.)"; got != want {
		t.Errorf("Expired message\n got %q\nwant %q", got, want)
	}
	req = time.Date(2026, 1, 21, 11, 5, 0, 0, time.UTC)
	if got, want := skewError(NotYetCurrent, req, now, DefaultMaxSkew).Message,
		"Signature not yet current: 20260121T110500Z is still later than 20260121T110000Z (20260121T104500Z + 15 min.)"; got != want {
		t.Errorf("NotYetCurrent message\n got %q\nwant %q", got, want)
	}
}

func presign(t testing.TB, rawURL, service string, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), testCreds, r, sha256Hex(nil), service, "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if k != "Host" {
			pr.Header[k] = vs
		}
	}
	return pr
}

func TestVerifyPresigned(t *testing.T) {
	const withExpiry = endpoint + "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=300"
	const noExpiry = endpoint + "/?Action=ListTopics&Version=2010-03-31"
	cases := []struct {
		name, url, service string
		now                time.Time
		tamper             func(r *http.Request)
		want               Kind
	}{
		{name: "fresh", url: withExpiry, service: "sts", now: signTime.Add(time.Minute)},
		{name: "last second", url: withExpiry, service: "sts", now: signTime.Add(300 * time.Second)},
		{name: "expired", url: withExpiry, service: "sts", now: signTime.Add(301 * time.Second), want: PresignExpired},
		{name: "not yet current", url: withExpiry, service: "sts", now: signTime.Add(-20 * time.Minute), want: NotYetCurrent},
		{name: "no expiry, within skew", url: noExpiry, service: "sns", now: signTime.Add(10 * time.Minute)},
		{name: "no expiry, past skew", url: noExpiry, service: "sns", now: signTime.Add(20 * time.Minute), want: Expired},
		{name: "parameter changed", url: withExpiry, service: "sts", now: signTime, want: Mismatch, tamper: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "GetCallerIdentity", "GetSessionToken", 1)
		}},
		{name: "expiry stretched", url: withExpiry, service: "sts", now: signTime, want: Mismatch, tamper: func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=300", "X-Amz-Expires=3000", 1)
		}},
		{name: "wrong service", url: withExpiry, service: "sns", now: signTime, want: WrongService},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			signService := tc.service
			if tc.want == WrongService {
				signService = "sts"
			}
			pr := presign(t, tc.url, signService, signTime)
			if tc.tamper != nil {
				tc.tamper(pr)
			}
			sr, body := onServer(t, pr)
			s, err := newVerifier(tc.now).Verify(context.Background(), sr, body, tc.service)
			if kindOf(err) != tc.want {
				t.Fatalf("Verify: %v, want kind %v (query %s)", err, tc.want, sr.URL.RawQuery)
			}
			if err == nil && (!s.Presigned || s.AccessKeyID != testCreds.AccessKeyID) {
				t.Errorf("Signature = %+v", s)
			}
		})
	}
}

func TestKeyCacheFollowsSecretChange(t *testing.T) {
	secret := "first-secret"
	v := newVerifier(signTime)
	v.Lookup = func(context.Context, string) (string, error) { return secret, nil }
	sign := func(sec string) (*http.Request, []byte) {
		r := jsonRequest.build(t)
		signHTTP(t, r, []byte(jsonRequest.body), aws.Credentials{AccessKeyID: "AKIDROTATE", SecretAccessKey: sec}, "ssm", signTime)
		return onServer(t, r)
	}
	r1, b1 := sign("first-secret")
	if _, err := v.Verify(context.Background(), r1, b1, "ssm"); err != nil {
		t.Fatal(err)
	}
	secret = "second-secret"
	if _, err := v.Verify(context.Background(), r1, b1, "ssm"); kindOf(err) != Mismatch {
		t.Fatalf("old signature after rotation: %v", err)
	}
	r2, b2 := sign("second-secret")
	if _, err := v.Verify(context.Background(), r2, b2, "ssm"); err != nil {
		t.Fatal(err)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	s := &Signature{Date: "20260121", Region: "us-east-1", Service: "ssm"}
	for i := 0; i < 3*maxCachedKeys; i++ {
		s.AccessKeyID = fmt.Sprintf("AKID%d", i)
		c.signingKey("secret", s)
		if c.len() > maxCachedKeys {
			t.Fatalf("cache holds %d keys", c.len())
		}
	}
	if got, want := c.signingKey("secret", s), deriveKey("secret", s.Date, s.Region, s.Service); got != want {
		t.Fatal("cached key differs from derived key")
	}
}

func TestVerifyConcurrent(t *testing.T) {
	v := newVerifier(signTime)
	type prepared struct {
		r       *http.Request
		body    []byte
		service string
	}
	var reqs []prepared
	for _, c := range []struct {
		q   request
		svc string
	}{{jsonRequest, "ssm"}, {queryRequest, "sns"}, {cborRequest, "monitoring"}} {
		r, b := signed(t, c.q, c.svc)
		reqs = append(reqs, prepared{r, b, c.svc})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				p := reqs[(g+i)%len(reqs)]
				if _, err := v.Verify(context.Background(), p.r, p.body, p.service); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
