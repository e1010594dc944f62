package sigv4

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// verifyingServer is an HTTP server on 127.0.0.1:0 that verifies every
// request it gets for service and answers with the canned response.
type verifyingServer struct {
	*httptest.Server
	mu      sync.Mutex
	results []error
	sigs    []*Signature
	paths   []string
}

func newVerifyingServer(t *testing.T, service, contentType string, extra http.Header, response []byte) *verifyingServer {
	t.Helper()
	vs := &verifyingServer{}
	v := &Verifier{Lookup: newVerifier(time.Time{}).Lookup} // the real clock: the SDK signs with it
	vs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil {
			var s *Signature
			s, err = v.Verify(r.Context(), r, body, service)
			vs.mu.Lock()
			vs.sigs = append(vs.sigs, s)
			vs.mu.Unlock()
		}
		vs.mu.Lock()
		vs.results = append(vs.results, err)
		vs.paths = append(vs.paths, r.URL.Path)
		vs.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		for k, v := range extra {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(response)
	}))
	t.Cleanup(vs.Close)
	return vs
}

// check fails the test unless the server verified exactly n requests, all good.
func (vs *verifyingServer) check(t *testing.T, n int) []*Signature {
	t.Helper()
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if len(vs.results) != n {
		t.Fatalf("server saw %d requests, want %d", len(vs.results), n)
	}
	for _, err := range vs.results {
		if err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	return vs.sigs
}

var staticCreds = credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, "")

// The real service clients, with all their middleware (invocation IDs,
// user agents, retry headers, CBOR and query encoders), against a server on
// a random port.
func TestVerifySDKClients(t *testing.T) {
	ctx := context.Background()

	t.Run("ssm awsJson1_1", func(t *testing.T) {
		srv := newVerifyingServer(t, "ssm", "application/x-amz-json-1.1", nil,
			[]byte(`{"Parameter":{"Name":"/app/db/password","Type":"SecureString","Value":"s3cret","Version":1}}`))
		c := ssm.New(ssm.Options{Region: "eu-west-1", Credentials: staticCreds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
		out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/db/password"), WithDecryption: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Parameter.Value) != "s3cret" {
			t.Errorf("Value = %q", aws.ToString(out.Parameter.Value))
		}
		if s := srv.check(t, 1); s[0].Region != "eu-west-1" || s[0].Service != "ssm" {
			t.Errorf("scope = %s/%s", s[0].Region, s[0].Service)
		}
	})

	t.Run("cloudwatch rpcv2Cbor", func(t *testing.T) {
		srv := newVerifyingServer(t, "monitoring", "application/cbor",
			http.Header{"Smithy-Protocol": {"rpc-v2-cbor"}}, []byte{0xa0}) // {}
		c := cloudwatch.New(cloudwatch.Options{Region: "us-east-1", Credentials: staticCreds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
		if _, err := c.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("App/Requests")}); err != nil {
			t.Fatal(err)
		}
		srv.check(t, 1)
		if want := "/service/GraniteServiceVersion20100801/operation/ListMetrics"; srv.paths[0] != want {
			t.Errorf("path = %q, want %q", srv.paths[0], want)
		}
	})

	const stsXML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
		`<Arn>arn:aws:iam::123456789012:user/test</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>` +
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>4ff3ce5e-7c1c-4bd5-8a35-9e2a8e0b4c1d</RequestId></ResponseMetadata></GetCallerIdentityResponse>`

	t.Run("sts awsQuery", func(t *testing.T) {
		srv := newVerifyingServer(t, "sts", "text/xml", nil, []byte(stsXML))
		c := sts.New(sts.Options{Region: "us-east-1", Credentials: staticCreds, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
		out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != "123456789012" {
			t.Errorf("Account = %q", aws.ToString(out.Account))
		}
		srv.check(t, 1)
	})

	t.Run("sts presigned GetCallerIdentity", func(t *testing.T) {
		srv := newVerifyingServer(t, "sts", "text/xml", nil, []byte(stsXML))
		c := sts.New(sts.Options{Region: "us-east-1", Credentials: staticCreds, BaseEndpoint: aws.String(srv.URL)})
		p, err := sts.NewPresignClient(c).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(ctx, p.Method, p.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range p.SignedHeader {
			if k != "Host" {
				req.Header[k] = v
			}
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if s := srv.check(t, 1); !s[0].Presigned {
			t.Error("not seen as presigned")
		}
	})
}
