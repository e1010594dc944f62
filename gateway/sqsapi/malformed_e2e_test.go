package sqsapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stewardhq/steward/server/servertest"
)

// sqsSeeds are valid requests of both protocols; the mutated ones must
// always get a well-formed 4xx (or a 200), never a 500.
var sqsSeeds = []struct{ target, body string }{
	{"AmazonSQS.CreateQueue", `{"QueueName":"fz","Attributes":{"VisibilityTimeout":"5","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:fz\",\"maxReceiveCount\":\"2\"}"},"tags":{"a":"b"}}`},
	{"AmazonSQS.SendMessage", `{"QueueUrl":"http://h/000000000000/fz","MessageBody":"hi","DelaySeconds":1,"MessageAttributes":{"k":{"DataType":"Binary","BinaryValue":"AAE="},"n":{"DataType":"Number","StringValue":"1"}},"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1"}}}`},
	{"AmazonSQS.SendMessageBatch", `{"QueueUrl":"http://h/000000000000/fz","Entries":[{"Id":"a","MessageBody":"x"},{"Id":"b","MessageBody":"y","MessageAttributes":{"s":{"DataType":"String","StringValue":"v"}}}]}`},
	{"AmazonSQS.ReceiveMessage", `{"QueueUrl":"http://h/000000000000/fz","MaxNumberOfMessages":10,"VisibilityTimeout":0,"MessageSystemAttributeNames":["All"],"MessageAttributeNames":["All"]}`},
	{"AmazonSQS.DeleteMessageBatch", `{"QueueUrl":"http://h/000000000000/fz","Entries":[{"Id":"a","ReceiptHandle":"cgEAAAAAAAAAAQAAAAAAAAABAAAAAQAAAAAAAAAAAAAAAAAAAAA"}]}`},
	{"AmazonSQS.ChangeMessageVisibilityBatch", `{"QueueUrl":"http://h/000000000000/fz","Entries":[{"Id":"a","ReceiptHandle":"x","VisibilityTimeout":3}]}`},
	{"AmazonSQS.SetQueueAttributes", `{"QueueUrl":"http://h/000000000000/fz","Attributes":{"RedriveAllowPolicy":"{\"redrivePermission\":\"denyAll\"}","Policy":"{}"}}`},
	{"", "Action=SendMessageBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Ffz&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Binary&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue=AAE%3D"},
	{"", "Action=CreateQueue&Version=2012-11-05&QueueName=fz2&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Tag.1.Key=a&Tag.1.Value=b"},
	{"", "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Ffz&AttributeName.1=All&MessageAttributeName.1=All&MaxNumberOfMessages=10"},
	{"", "Action=ChangeMessageVisibilityBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Ffz&ChangeMessageVisibilityBatchRequestEntry.1.Id=a&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=x&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=3"},
}

type rawSQS struct {
	t      testing.TB
	srv    *servertest.Server
	signer *v4.Signer
	hc     *http.Client
	header http.Header // of the last response
}

func (r *rawSQS) do(target string, body []byte) (int, []byte) { return r.doPath("/", target, body) }

func (r *rawSQS) doPath(path, target string, body []byte) (int, []byte) {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, r.srv.URL+path, bytes.NewReader(body))
	if target != "" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", target)
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: r.srv.AccessKeyID, SecretAccessKey: r.srv.SecretAccessKey}
	if err := r.signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sqs", r.srv.Region, time.Now()); err != nil {
		r.t.Fatal(err)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	r.header = resp.Header
	return resp.StatusCode, out
}

func mutateSQS(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	for n := 1 + r.IntN(4); n > 0; n-- {
		switch r.IntN(6) {
		case 0:
			if len(out) > 0 {
				out[r.IntN(len(out))] = byte(r.IntN(256))
			}
		case 1:
			i := r.IntN(len(out) + 1)
			ins := []byte{`{}[]",:=&%.0123456789-eE\ntfu`[r.IntN(29)]}
			out = append(out[:i], append(ins, out[i:]...)...)
		case 2:
			if len(out) > 0 {
				i := r.IntN(len(out))
				out = append(out[:i], out[i+1:]...)
			}
		case 3:
			out = out[:r.IntN(len(out)+1)]
		case 4:
			if len(out) > 2 {
				i, j := r.IntN(len(out)), r.IntN(len(out))
				out[i], out[j] = out[j], out[i]
			}
		case 5:
			// Swap a digit for a large or negative number.
			for i, c := range out {
				if c >= '0' && c <= '9' && r.IntN(4) == 0 {
					big := []byte([]string{"-1", "99999999999", "0", "43201"}[r.IntN(4)])
					out = append(out[:i], append(big, out[i+1:]...)...)
					break
				}
			}
		}
	}
	return out
}

// TestMalformedRequests sends thousands of mutated SQS requests (JSON and
// query) to a real server: every answer is a client error or success in
// the request's protocol, never a 500.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	r := &rawSQS{t: t, srv: srv, signer: v4.NewSigner(), hc: &http.Client{}}
	for _, s := range sqsSeeds {
		if status, body := r.do(s.target, []byte(s.body)); status != 200 && status != 400 {
			t.Errorf("seed %s: %d %s", s.target, status, body)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		s := sqsSeeds[i%len(sqsSeeds)]
		body := mutateSQS(rnd, []byte(s.body))
		status, out := r.do(s.target, body)
		if status >= 500 {
			t.Fatalf("%s %q: %d %s", s.target, body, status, out)
		}
		if status != 200 && s.target == "" && !strings.Contains(string(out), "<ErrorResponse") {
			t.Fatalf("query error not XML: %q -> %s", body, out)
		}
		if status != 200 && s.target != "" && !strings.Contains(string(out), `"__type"`) {
			t.Fatalf("JSON error without __type: %q -> %s", body, out)
		}
	}
}

// TestQueryToQueueURL: older query clients POST to the queue URL and leave
// QueueUrl out; the queue comes from the path.
func TestQueryToQueueURL(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	r := &rawSQS{t: t, srv: srv, signer: v4.NewSigner(), hc: &http.Client{}}
	if status, out := r.do("", []byte("Action=CreateQueue&Version=2012-11-05&QueueName=legacy")); status != 200 {
		t.Fatalf("CreateQueue: %d %s", status, out)
	}
	status, out := r.doPath("/000000000000/legacy", "", []byte("Action=SendMessage&Version=2012-11-05&MessageBody=old+style"))
	if status != 200 || !strings.Contains(string(out), "<MD5OfMessageBody>") {
		t.Fatalf("SendMessage to the queue path: %d %s", status, out)
	}
	status, out = r.doPath("/000000000000/legacy", "", []byte("Action=ReceiveMessage&Version=2012-11-05"))
	if status != 200 || !strings.Contains(string(out), "<Body>old style</Body>") {
		t.Fatalf("ReceiveMessage from the queue path: %d %s", status, out)
	}
	status, out = r.doPath("/000000000000/nope", "", []byte("Action=ReceiveMessage&Version=2012-11-05"))
	if status != 400 || !strings.Contains(string(out), "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>") {
		t.Fatalf("missing queue: %d %s", status, out)
	}
}
