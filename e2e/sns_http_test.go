package e2e

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// snsReceiver is an HTTP/HTTPS endpoint that does what AWS asks of one:
// it verifies the signature of every message with the certificate fetched
// from SigningCertURL, confirms subscriptions by visiting SubscribeURL, and
// records notifications. fail, when set, answers a notification's attempt
// with a status instead.
type snsReceiver struct {
	t     testing.TB
	certs certCache

	mu       sync.Mutex
	got      []snsEnvelope  // verified notifications and confirmations, in arrival order
	raw      []string       // raw-delivery bodies
	headers  []http.Header  // headers of every request
	attempts map[string]int // attempts by path and x-amz-sns-message-id ("/path|id")
	fail     func(*http.Request, snsEnvelope) int
	confirm  bool // visit SubscribeURL of confirmations
	wake     chan struct{}
}

func newReceiver(t testing.TB) *snsReceiver {
	return &snsReceiver{t: t, attempts: map[string]int{}, confirm: true, wake: make(chan struct{}, 1)}
}

func (r *snsReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	typ := req.Header.Get("x-amz-sns-message-type")
	r.mu.Lock()
	r.headers = append(r.headers, req.Header.Clone())
	r.attempts[req.URL.Path+"|"+req.Header.Get("x-amz-sns-message-id")]++
	r.mu.Unlock()
	if req.Method != http.MethodPost {
		r.t.Errorf("%s request", req.Method)
	}
	if req.Header.Get("x-amz-sns-rawdelivery") == "true" {
		r.mu.Lock()
		r.raw = append(r.raw, string(body))
		r.mu.Unlock()
		r.signal()
		return
	}
	env, err := r.certs.checkSNS(body)
	if err != nil {
		r.t.Error(err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if env.Type != typ || env.MessageId != req.Header.Get("x-amz-sns-message-id") || env.TopicArn != req.Header.Get("x-amz-sns-topic-arn") {
		r.t.Errorf("headers %v do not match the envelope %+v", req.Header, env)
	}
	if r.fail != nil {
		if status := r.fail(req, env); status != 0 {
			w.WriteHeader(status)
			return
		}
	}
	if env.Type == "SubscriptionConfirmation" && r.confirm {
		resp, err := http.Get(env.SubscribeURL)
		if err != nil {
			r.t.Errorf("GET SubscribeURL: %v", err)
		} else {
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(out), "<ConfirmSubscriptionResult><SubscriptionArn>") {
				r.t.Errorf("GET SubscribeURL: %s %s", resp.Status, out)
			}
		}
	}
	r.mu.Lock()
	r.got = append(r.got, env)
	r.mu.Unlock()
	r.signal()
}

func (r *snsReceiver) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds on the receiver's records.
func (r *snsReceiver) waitFor(what string, cond func() bool) {
	r.t.Helper()
	servertest.WaitFor(r.t, time.Minute, what, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return cond()
	})
}

func (r *snsReceiver) count(typ string) int {
	n := 0
	for _, e := range r.got {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// trustFile writes the TLS server's certificate to a CA file for Steward.
func trustFile(t testing.TB, ts *httptest.Server) string {
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSNSToHTTPS: an HTTPS endpoint on 127.0.0.1 (trusted through
// --extra-ca-file) gets the SubscriptionConfirmation, confirms through
// SubscribeURL, then receives notifications signed with SignatureVersion 1
// and 2, each verified with the certificate from SigningCertURL, with AWS's
// headers; raw delivery sends the bare message; Unsubscribe sends an
// UnsubscribeConfirmation whose SubscribeURL restores the subscription.
func TestSNSToHTTPS(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t)
	ts := httptest.NewTLSServer(recv)
	defer ts.Close()
	srv := servertest.Start(t, func(c *server.Config) { c.ExtraCAFile = trustFile(t, ts) })
	ctx := context.Background()
	n := sns.NewFromConfig(srv.AWSConfig())

	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("https-topic")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("https"), Endpoint: aws.String(ts.URL + "/hook")})
	if err != nil || aws.ToString(sub.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe = %v, %v", sub, err)
	}
	recv.waitFor("the subscription confirmation", func() bool { return recv.count("SubscriptionConfirmation") == 1 })
	var subARN string
	servertest.WaitFor(t, time.Minute, "the subscription to be confirmed", func() bool {
		list, err := n.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
		if err != nil || len(list.Subscriptions) != 1 {
			t.Fatalf("ListSubscriptionsByTopic = %v, %v", list, err)
		}
		subARN = aws.ToString(list.Subscriptions[0].SubscriptionArn)
		return subARN != "PendingConfirmation"
	})
	conf := recv.got[0]
	if conf.Token == "" || !strings.Contains(conf.Message, "You have chosen to subscribe to the topic "+aws.ToString(topic.TopicArn)) || conf.UnsubscribeURL != "" {
		t.Errorf("confirmation %+v", conf)
	}
	attrs, err := n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subARN)})
	if err != nil || attrs.Attributes["PendingConfirmation"] != "false" || attrs.Attributes["ConfirmationWasAuthenticated"] != "false" ||
		!strings.Contains(attrs.Attributes["EffectiveDeliveryPolicy"], `"healthyRetryPolicy"`) {
		t.Errorf("attributes after confirming = %v, %v", attrs, err)
	}
	// Confirming again through the API with the token is harmless.
	if again, err := n.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String(conf.Token)}); err != nil || aws.ToString(again.SubscriptionArn) != subARN {
		t.Errorf("ConfirmSubscription again = %v, %v", again, err)
	}

	const perVersion = 5
	for _, version := range []string{"1", "2"} {
		if _, err := n.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn, AttributeName: aws.String("SignatureVersion"), AttributeValue: aws.String(version)}); err != nil {
			t.Fatal(err)
		}
		for i := range perVersion {
			in := &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(fmt.Sprintf("v%s message %d: 東京", version, i))}
			if i%2 == 0 {
				in.Subject = aws.String("subject " + version)
			}
			if _, err := n.Publish(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	recv.waitFor("the notifications", func() bool { return recv.count("Notification") == 2*perVersion })
	versions := map[string]int{}
	for _, e := range recv.got {
		if e.Type == "Notification" {
			versions[e.SignatureVersion]++
			if !strings.Contains(e.UnsubscribeURL, "Action=Unsubscribe&SubscriptionArn="+subARN) {
				t.Errorf("UnsubscribeURL %s", e.UnsubscribeURL)
			}
		}
	}
	if versions["1"] != perVersion || versions["2"] != perVersion {
		t.Errorf("signature versions %v", versions)
	}
	for _, h := range recv.headers {
		if h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("User-Agent") != "Amazon Simple Notification Service Agent" ||
			h.Get("x-amz-sns-subscription-arn") == "" || h.Get("x-amz-sns-topic-arn") != aws.ToString(topic.TopicArn) {
			t.Errorf("headers %v", h)
		}
	}

	// Raw delivery.
	if _, err := n.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(subARN), AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"raw": "本文"}`)}); err != nil {
		t.Fatal(err)
	}
	recv.waitFor("the raw notification", func() bool { return len(recv.raw) == 1 })
	if recv.raw[0] != `{"raw": "本文"}` {
		t.Errorf("raw body %q", recv.raw[0])
	}

	// Unsubscribe: an UnsubscribeConfirmation, whose SubscribeURL restores.
	if _, err := n.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(subARN)}); err != nil {
		t.Fatal(err)
	}
	recv.waitFor("the unsubscribe confirmation", func() bool { return recv.count("UnsubscribeConfirmation") == 1 })
	var unsub snsEnvelope
	for _, e := range recv.got {
		if e.Type == "UnsubscribeConfirmation" {
			unsub = e
		}
	}
	if !strings.Contains(unsub.Message, "You have chosen to deactivate subscription "+subARN) {
		t.Errorf("unsubscribe confirmation %+v", unsub)
	}
	if _, err := n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subARN)}); apiCodeOf(err) != "NotFound" {
		t.Errorf("unsubscribed: %v", err)
	}
	resp, err := http.Get(unsub.SubscribeURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET the SubscribeURL of the unsubscribe confirmation: %v %v", resp, err)
	}
	resp.Body.Close()
	if attrs, err := n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subARN)}); err != nil || attrs.Attributes["PendingConfirmation"] != "false" {
		t.Errorf("restored subscription = %v, %v", attrs, err)
	}
}

// TestSNSHTTPRetriesThenDLQ: an endpoint that keeps failing gets exactly
// the attempts its DeliveryPolicy allows, then the message goes to the
// subscription's dead-letter queue; a client error (404) is not retried;
// a policy with delays is followed across the store (the retry is written,
// then claimed when due).
func TestSNSHTTPRetriesThenDLQ(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	n, q := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	dlqURL, dlqARN := createQueue(t, q, "http-dlq", nil)

	recv := newReceiver(t)
	recv.fail = func(req *http.Request, env snsEnvelope) int {
		if env.Type != "Notification" {
			return 0
		}
		if strings.HasSuffix(req.URL.Path, "/gone") {
			return http.StatusNotFound
		}
		return http.StatusServiceUnavailable
	}
	ts := httptest.NewServer(recv)
	defer ts.Close()
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("flaky")})
	if err != nil {
		t.Fatal(err)
	}
	redrive := `{"deadLetterTargetArn":"` + dlqARN + `"}`
	endpoints := map[string]string{
		"/immediate": `{"healthyRetryPolicy":{"numRetries":3,"numNoDelayRetries":3}}`,
		"/delayed":   `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":2}}`,
		"/gone":      `{"healthyRetryPolicy":{"numRetries":5,"numNoDelayRetries":5}}`,
	}
	for path, policy := range endpoints {
		if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(ts.URL + path),
			Attributes: map[string]string{"DeliveryPolicy": policy, "RedrivePolicy": redrive}}); err != nil {
			t.Fatal(err)
		}
	}
	recv.waitFor("three confirmations", func() bool { return recv.count("SubscriptionConfirmation") == 3 })
	servertest.WaitFor(t, time.Minute, "three confirmed subscriptions", func() bool {
		a, err := n.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
		return err == nil && a.Attributes["SubscriptionsConfirmed"] == "3"
	})

	const messages = 3
	var ids []string
	for i := range messages {
		out, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(fmt.Sprint("doomed ", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.MessageId))
	}
	// Every message reaches the DLQ once per subscription.
	dead := receiveN(t, q, dlqURL, 3*messages)
	perMessage := map[string]int{}
	for _, m := range dead {
		env := recv.certs.verifySNS(t, []byte(aws.ToString(m.Body)))
		perMessage[env.MessageId]++
	}
	for _, id := range ids {
		if perMessage[id] != 3 {
			t.Errorf("message %s in the DLQ %d times, want 3", id, perMessage[id])
		}
	}
	// Attempts per endpoint: 1 + numRetries, or 1 for the client error.
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for _, id := range ids {
		for path, want := range map[string]int{"/immediate": 4, "/delayed": 3, "/gone": 1} {
			if got := recv.attempts[path+"|"+id]; got != want {
				t.Errorf("message %s attempted %d times at %s, want %d", id, got, path, want)
			}
		}
	}
}
