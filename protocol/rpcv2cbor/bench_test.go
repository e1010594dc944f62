package rpcv2cbor_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stewardhq/steward/protocol/rpcv2cbor"
)

// discard is a ResponseWriter that keeps nothing, so that benchmarks measure
// the codec rather than httptest.ResponseRecorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkListMetrics is one small ListMetrics exchange as the codec sees it.
func BenchmarkListMetrics(b *testing.B) {
	c := rpcv2cbor.New()
	body, err := rpcv2cbor.Marshal(&listMetricsInput{Namespace: aws.String("AWS/EC2"), Dimensions: []dimension{{"InstanceId", "i-1"}}})
	if err != nil {
		b.Fatal(err)
	}
	out := &listMetricsOutput{Metrics: []metric{
		{Namespace: "AWS/EC2", MetricName: "CPUUtilization", Dimensions: []dimension{{"InstanceId", "i-1"}}},
		{Namespace: "AWS/EC2", MetricName: "NetworkIn", Dimensions: []dimension{{"InstanceId", "i-1"}}},
	}}
	w := &discard{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		var in listMetricsInput
		if err := c.Decode(nil, body, &in); err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		c.WriteResult(w, "6c4bd1c8-2b3f-4c1e-9d2a-0a1b2c3d4e5f", svc, "ListMetrics", out)
	}
}

func BenchmarkUnmarshalSample(b *testing.B) {
	c := rpcv2cbor.New()
	body, err := rpcv2cbor.Marshal(sample())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var s Sample
		if err := c.Unmarshal(body, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalSample(b *testing.B) {
	s := sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rpcv2cbor.Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}
