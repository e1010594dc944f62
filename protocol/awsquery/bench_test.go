package awsquery_test

import (
	"net/http"
	"testing"

	"github.com/stewardhq/steward/protocol/awsquery"
)

// discard is a ResponseWriter that keeps nothing, so that benchmarks measure
// the codec rather than httptest.ResponseRecorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkAssumeRole is one AssumeRole exchange as the codec sees it.
func BenchmarkAssumeRole(b *testing.B) {
	c := awsquery.New()
	body := []byte("Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fops&RoleSessionName=s&DurationSeconds=900&Tags.member.1.Key=team&Tags.member.1.Value=ops")
	out := &assumeRoleOutput{
		Credentials:     &stsCredentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token"},
		AssumedRoleUser: &assumedRoleUser{AssumedRoleID: "AROA:s", Arn: "arn:aws:sts::000000000000:assumed-role/ops/s"},
	}
	r, _ := http.NewRequest("POST", "/", nil)
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		var in assumeRoleInput
		if err := c.Decode(r, body, &in); err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		c.WriteResult(w, "6c4bd1c8-2b3f-4c1e-9d2a-0a1b2c3d4e5f", stsSvc, "AssumeRole", out)
	}
}

func BenchmarkUnmarshalSample(b *testing.B) {
	form := readForm(b, "request_sample.form")
	b.SetBytes(int64(len(form)))
	b.ReportAllocs()
	for b.Loop() {
		var s Sample
		if err := awsquery.Unmarshal(form, &s); err != nil {
			b.Fatal(err)
		}
	}
}
