package sqsapi_test

import (
	"flag"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stewardhq/steward/server/servertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// volatile are the parts of a response that change from run to run.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "UUID"},
	{regexp.MustCompile(`cgE[A-Za-z0-9_-]{48}`), "RECEIPT-HANDLE"},
	{regexp.MustCompile(`1[78][0-9]{11}`), "EPOCH-MS"},
	{regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`), "http://HOST"},
	{regexp.MustCompile(`AIDA[A-Z0-9]+`), "AIDA-SENDER"},
}

// TestGoldenWire pins what both protocols put on the wire for a message
// with attributes and for errors: testdata/*.golden, rewritten with
// -update.
func TestGoldenWire(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	r := &rawSQS{t: t, srv: srv, signer: v4.NewSigner(), hc: &http.Client{}}
	steps := []struct{ name, target, body string }{
		{"create_json", "AmazonSQS.CreateQueue", `{"QueueName":"golden","Attributes":{"VisibilityTimeout":"0"}}`},
		{"send_json", "AmazonSQS.SendMessage", `{"QueueUrl":"http://h/000000000000/golden","MessageBody":"héllo <&>\r\n","MessageAttributes":{"b":{"DataType":"Binary","BinaryValue":"AAH/"},"n":{"DataType":"Number.int","StringValue":"42"},"s":{"DataType":"String","StringValue":"blue"}},"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1-abc"}}}`},
		{"receive_json", "AmazonSQS.ReceiveMessage", `{"QueueUrl":"http://h/000000000000/golden","MessageSystemAttributeNames":["SenderId","ApproximateReceiveCount","AWSTraceHeader"],"MessageAttributeNames":["All"]}`},
		{"receive_query", "", `Action=ReceiveMessage&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fgolden&AttributeName.1=ApproximateReceiveCount&MessageAttributeName.1=All`},
		{"attributes_query", "", `Action=GetQueueAttributes&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fgolden&AttributeName.1=VisibilityTimeout&AttributeName.2=QueueArn`},
		{"batch_query", "", `Action=SendMessageBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fgolden&SendMessageBatchRequestEntry.1.Id=ok&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.2.Id=bad&SendMessageBatchRequestEntry.2.MessageBody=y&SendMessageBatchRequestEntry.2.DelaySeconds=901`},
		{"error_json", "AmazonSQS.GetQueueUrl", `{"QueueName":"nope"}`},
		{"error_query", "", `Action=GetQueueUrl&Version=2012-11-05&QueueName=nope`},
		{"error_batch_json", "AmazonSQS.DeleteMessageBatch", `{"QueueUrl":"http://h/000000000000/golden","Entries":[]}`},
	}
	for _, s := range steps {
		status, body := r.do(s.target, []byte(s.body))
		got := fmt.Sprintf("HTTP %d\n", status)
		for _, h := range []string{"Content-Type", "X-Amzn-Errortype", "X-Amzn-Query-Error"} {
			if v := r.header.Get(h); v != "" {
				got += h + ": " + v + "\n"
			}
		}
		got += string(body) + "\n"
		for _, v := range volatile {
			got = v.re.ReplaceAllString(got, v.with)
		}
		servertest.Golden(t, *update, s.name, got)
	}
}
