package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/fxamacker/cbor/v2"
	"github.com/stewardhq/steward/server/servertest"
)

// seeds are valid bodies per protocol that the mutator starts from.
var seeds = map[string][]struct {
	path, target string
	service      string
	body         string
}{
	"json": {
		{"/", "AmazonSSM.GetParameter", "ssm", `{"Name":"/app/db","WithDecryption":true}`},
		{"/", "AmazonSSM.PutParameter", "ssm", `{"Name":"/fuzz/p","Value":"v","Type":"SecureString","Overwrite":true,"Tags":[{"Key":"k","Value":"v"}]}`},
		{"/", "AmazonSSM.GetParametersByPath", "ssm", `{"Path":"/","Recursive":true,"MaxResults":3,"ParameterFilters":[{"Key":"Type","Option":"Equals","Values":["String"]}]}`},
		{"/", "AmazonSSM.DescribeParameters", "ssm", `{"ParameterFilters":[{"Key":"Name","Option":"BeginsWith","Values":["/a"]}],"MaxResults":5}`},
		{"/", "AmazonSSM.CreateDocument", "ssm", `{"Name":"FuzzDoc","DocumentType":"Command","DocumentFormat":"JSON","Content":"{\"schemaVersion\":\"2.2\",\"mainSteps\":[{\"action\":\"aws:runShellScript\",\"name\":\"a\",\"inputs\":{\"runCommand\":[\"x\"]}}]}"}`},
		{"/", "AmazonSSM.ListDocuments", "ssm", `{"Filters":[{"Key":"Owner","Values":["Self"]}],"MaxResults":2}`},
		{"/", "GraniteServiceVersion20100801.ListMetrics", "monitoring", `{"Namespace":"AWS/EC2","Dimensions":[{"Name":"InstanceId"}]}`},
	},
	"query": {
		{"/", "", "sts", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"/", "", "monitoring", "Action=ListMetrics&Version=2010-08-01&Namespace=CWAgent&Dimensions.member.1.Name=InstanceId&Dimensions.member.1.Value=i-1"},
	},
}

// mutate returns a random mutation of b: byte flips, insertions, deletions,
// truncation, duplication, or pure noise.
func mutate(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	for n := 1 + r.IntN(4); n > 0; n-- {
		switch r.IntN(7) {
		case 0:
			if len(out) > 0 {
				out[r.IntN(len(out))] = byte(r.IntN(256))
			}
		case 1:
			i := r.IntN(len(out) + 1)
			ins := []byte{"{}[]\",:=&%.0123456789-eE\\ntfu"[r.IntN(29)]}
			out = append(out[:i], append(ins, out[i:]...)...)
		case 2:
			if len(out) > 0 {
				i := r.IntN(len(out))
				out = append(out[:i], out[i+1:]...)
			}
		case 3:
			out = out[:r.IntN(len(out)+1)]
		case 4:
			if len(out) > 0 && len(out) < 4096 {
				i := r.IntN(len(out))
				out = append(out, out[i:]...)
			}
		case 5:
			noise := make([]byte, r.IntN(64))
			for i := range noise {
				noise[i] = byte(r.IntN(256))
			}
			out = noise
		case 6:
			if len(out) > 0 {
				i, j := r.IntN(len(out)), r.IntN(len(out))
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func cborSeeds() [][]byte {
	var out [][]byte
	for _, v := range []any{
		map[string]any{},
		map[string]any{"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
		map[string]any{"Dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-1"}}, "RecentlyActive": "PT3H"},
		map[string]any{"NextToken": "abc", "IncludeLinkedAccounts": true},
	} {
		b, _ := cbor.Marshal(v)
		out = append(out, b)
	}
	return out
}

// TestMalformedBodiesNever5xx sends 10,000 signed, randomly mutated bodies per
// protocol and counts the answers: every one must be 2xx or 4xx, never 5xx.
func TestMalformedBodiesNever5xx(t *testing.T) {
	srv := servertest.Start(t)
	const perProtocol = 10000
	r := rand.New(rand.NewPCG(1, 2))
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: srv.AccessKeyID, SecretAccessKey: srv.SecretAccessKey}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	cb := cborSeeds()

	for _, proto := range []string{"json", "query", "cbor"} {
		counts := map[int]int{}
		for i := 0; i < perProtocol; i++ {
			var path, service string
			var body []byte
			h := http.Header{}
			switch proto {
			case "json":
				s := seeds["json"][r.IntN(len(seeds["json"]))]
				path, service, body = s.path, s.service, mutate(r, []byte(s.body))
				h.Set("X-Amz-Target", s.target)
				h.Set("Content-Type", "application/x-amz-json-1.1")
			case "query":
				s := seeds["query"][r.IntN(len(seeds["query"]))]
				path, service, body = s.path, s.service, mutate(r, []byte(s.body))
				h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			case "cbor":
				path, service = "/service/GraniteServiceVersion20100801/operation/ListMetrics", "monitoring"
				body = mutate(r, cb[r.IntN(len(cb))])
				h.Set("Content-Type", "application/cbor")
				h.Set("Smithy-Protocol", "rpc-v2-cbor")
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
			req.Header = h
			sum := sha256.Sum256(body)
			if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, srv.Region, time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s request %d: %v", proto, i, err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			counts[resp.StatusCode/100]++
			if resp.StatusCode >= 500 {
				t.Errorf("%s: status %d for body %q: %s", proto, resp.StatusCode, body, raw)
			}
		}
		t.Logf("%s: %d requests: %s", proto, perProtocol, fmt.Sprintf("2xx=%d 4xx=%d 5xx=%d", counts[2], counts[4], counts[5]))
		if counts[4] == 0 {
			t.Errorf("%s: no request was rejected; the mutator is not mutating", proto)
		}
	}
}
