package e2e

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/server/servertest"
)

// snsEnvelope is the JSON SNS delivers, as a receiver reads it.
type snsEnvelope struct {
	Type              string
	MessageId         string
	SequenceNumber    string
	Token             string
	TopicArn          string
	Subject           *string
	Message           string
	SubscribeURL      string
	Timestamp         string
	SignatureVersion  string
	Signature         string
	SigningCertURL    string
	UnsubscribeURL    string
	MessageAttributes map[string]struct{ Type, Value string }
}

// certCache fetches signing certificates once per URL, as receivers do.
type certCache struct {
	mu     sync.Mutex
	certs  map[string]*x509.Certificate
	client *http.Client
}

// verifySNS checks an envelope's signature (see checkSNS) and fails the
// test when it does not verify. Call it from the test goroutine.
func (c *certCache) verifySNS(t testing.TB, raw []byte) snsEnvelope {
	t.Helper()
	env, err := c.checkSNS(raw)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// checkSNS checks an envelope's signature the way AWS documents it: fetch
// the certificate at SigningCertURL, rebuild the string to sign from the
// message's fields in the fixed order of its type, and verify SHA1withRSA
// (SignatureVersion 1) or SHA256withRSA (2). It is written from the AWS
// documentation, independently of Steward's signer.
func (c *certCache) checkSNS(raw []byte) (snsEnvelope, error) {
	var env snsEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return env, fmt.Errorf("envelope is not JSON: %v\n%s", err, raw)
	}
	var fields []string
	switch env.Type {
	case "Notification":
		fields = []string{"Message", env.Message, "MessageId", env.MessageId}
		if env.Subject != nil {
			fields = append(fields, "Subject", *env.Subject)
		}
		fields = append(fields, "Timestamp", env.Timestamp, "TopicArn", env.TopicArn, "Type", env.Type)
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		fields = []string{"Message", env.Message, "MessageId", env.MessageId, "SubscribeURL", env.SubscribeURL,
			"Timestamp", env.Timestamp, "Token", env.Token, "TopicArn", env.TopicArn, "Type", env.Type}
	default:
		return env, fmt.Errorf("unknown Type %q", env.Type)
	}
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	cert, err := c.cert(env.SigningCertURL)
	if err != nil {
		return env, err
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil {
		return env, fmt.Errorf("Signature is not base64: %v", err)
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	switch env.SignatureVersion {
	case "1":
		sum := sha1.Sum([]byte(b.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
	case "2":
		sum := sha256.Sum256([]byte(b.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	default:
		return env, fmt.Errorf("SignatureVersion %q", env.SignatureVersion)
	}
	if err != nil {
		return env, fmt.Errorf("signature of %s %s does not verify: %v", env.Type, env.MessageId, err)
	}
	return env, nil
}

func (c *certCache) cert(url string) (*x509.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cert, ok := c.certs[url]; ok {
		return cert, nil
	}
	if !strings.Contains(url, "/SimpleNotificationService-") || !strings.HasSuffix(url, ".pem") {
		return nil, fmt.Errorf("SigningCertURL %s", url)
	}
	client := c.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Get(url)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("fetch %s: %s", url, resp.Status)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s is not PEM", url)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	if c.certs == nil {
		c.certs = map[string]*x509.Certificate{}
	}
	c.certs[url] = cert
	return cert, nil
}

// apiCodeOf is the AWS error code of err ("" when none).
func apiCodeOf(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// receiveN long-polls a queue until n messages arrived, deleting them, and
// returns them in arrival order.
func receiveN(t testing.TB, c *sqs.Client, queueURL string, n int) []sqstypes.Message {
	t.Helper()
	var got []sqstypes.Message
	servertest.WaitFor(t, time.Minute, fmt.Sprintf("%d messages in %s", n, queueURL), func() bool {
		out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("DeleteMessage: %v", err)
			}
		}
		return len(got) >= n
	})
	if len(got) > n {
		t.Fatalf("%d messages in %s, want %d", len(got), queueURL, n)
	}
	return got
}

// queueEmpty reports whether a queue has no visible message now.
func queueEmpty(t testing.TB, c *sqs.Client, queueURL string) bool {
	t.Helper()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	return len(out.Messages) == 0
}

// createQueue creates an SQS queue and returns its URL and ARN.
func createQueue(t testing.TB, c *sqs.Client, name string, attrs map[string]string) (url, arn string) {
	t.Helper()
	ctx := context.Background()
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}
