package awsjson_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stewardhq/steward/protocol/awsjson"
)

// discard is a ResponseWriter that keeps nothing, so that benchmarks measure
// the codec rather than httptest.ResponseRecorder.
type discard struct {
	h http.Header
	n int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

var getParameterBody = []byte(`{"Name":"/app/db/url","WithDecryption":true}`)

func getParameterResult() *getParameterOutput {
	return &getParameterOutput{Parameter: &parameter{
		Name: "/app/db/url", Type: "SecureString", Value: "postgres://app:secret@db.internal:5432/app", Version: 7,
		LastModifiedDate: time.Date(2026, 1, 21, 10, 15, 0, 123_000_000, time.UTC),
		ARN:              "arn:aws:ssm:us-east-1:000000000000:parameter/app/db/url", DataType: "text",
	}}
}

func BenchmarkDecodeGetParameter(b *testing.B) {
	c := awsjson.New("1.1")
	b.ReportAllocs()
	for b.Loop() {
		var in getParameterInput
		if err := c.Decode(nil, getParameterBody, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteResultGetParameter(b *testing.B) {
	c := awsjson.New("1.1")
	out := getParameterResult()
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		c.WriteResult(w, "6c4bd1c8-2b3f-4c1e-9d2a-0a1b2c3d4e5f", svc11, "GetParameter", out)
	}
}

// BenchmarkGetParameter is one whole GetParameter exchange as the codec sees
// it: read the request, write the response.
func BenchmarkGetParameter(b *testing.B) {
	c := awsjson.New("1.1")
	out := getParameterResult()
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		var in getParameterInput
		if err := c.Decode(nil, getParameterBody, &in); err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		c.WriteResult(w, "6c4bd1c8-2b3f-4c1e-9d2a-0a1b2c3d4e5f", svc11, "GetParameter", out)
	}
}

// BenchmarkEncodingJSONGetParameter is the same exchange through
// encoding/json, for scale (it does not speak AWS timestamps).
func BenchmarkEncodingJSONGetParameter(b *testing.B) {
	out := getParameterResult()
	b.ReportAllocs()
	for b.Loop() {
		var in getParameterInput
		if err := json.Unmarshal(getParameterBody, &in); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalSample(b *testing.B) {
	s := sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := awsjson.Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalSample(b *testing.B) {
	body, err := awsjson.Marshal(sample())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var s Sample
		if err := awsjson.Unmarshal(body, &s); err != nil {
			b.Fatal(err)
		}
	}
}
