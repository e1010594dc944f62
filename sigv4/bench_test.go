package sigv4

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// BenchmarkVerify measures a full verification of requests as the SDKs
// send them, as the server holds them: an SSM awsJson call, an awsQuery
// form POST, a CloudWatch CBOR call, a query-string GET and a presigned GET.
// The signing key is cached after the first iteration, as in a running
// server. Compare against BenchmarkDeriveKey for the cost of a cache miss.
func BenchmarkVerify(b *testing.B) {
	cases := []struct {
		name    string
		req     request
		service string
	}{
		{"json", jsonRequest, "ssm"},
		{"query-form", queryRequest, "sns"},
		{"cbor", cborRequest, "monitoring"},
		{"query-get", request{method: "GET", url: endpoint + "/?Action=ListMetrics&Version=2010-08-01&Namespace=App%2FRequests&MetricName=Latency"}, "monitoring"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r, body := signed(b, tc.req, tc.service)
			benchVerify(b, r, body, tc.service)
		})
	}
	b.Run("presigned", func(b *testing.B) {
		r, body := onServer(b, presign(b, endpoint+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=300", "sts", signTime))
		benchVerify(b, r, body, "sts")
	})
	b.Run("json-parallel", func(b *testing.B) {
		r, body := signed(b, jsonRequest, "ssm")
		v := newVerifier(signTime)
		ctx := context.Background()
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		b.ResetTimer()
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.Verify(ctx, r, body, "ssm"); err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportCPU(b, cpu)
	})
}

func benchVerify(b *testing.B, r *http.Request, body []byte, service string) {
	v := newVerifier(signTime)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	cpu := processCPU()
	for b.Loop() {
		if _, err := v.Verify(ctx, r, body, service); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU adds cpu-ns/op: process CPU time per operation since start,
// which unlike ns/op does not grow when other processes share the cores.
func reportCPU(b *testing.B, start time.Duration) {
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkDeriveKey is the cost the key cache saves: four HMACs.
func BenchmarkDeriveKey(b *testing.B) {
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		deriveKey(testCreds.SecretAccessKey, "20260121", "us-east-1", "ssm")
	}
	reportCPU(b, cpu)
}

// BenchmarkParse is the cost of the gateway's routing peek at the scope.
func BenchmarkParse(b *testing.B) {
	r, _ := signed(b, queryRequest, "sns")
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if _, err := Parse(r); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}
