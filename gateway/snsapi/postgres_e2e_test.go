package snsapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stewardhq/steward/keyring"
	"github.com/stewardhq/steward/postgres/pgtest"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSNSOnPostgres: two servers share one PostgreSQL. A message published
// on one reaches an SQS queue; an HTTP endpoint that fails its first
// attempt gets the retry from whichever replica claims the row (FOR UPDATE
// SKIP LOCKED), exactly once; both replicas sign with the one key; and the
// database holds the signing key only sealed.
func TestSNSOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	ring, err := json.Marshal(keyring.Generate())
	if err != nil {
		t.Fatal(err)
	}
	shared := func(c *server.Config) { c.Database, c.Keyring = url, server.Secret(ring) }
	a := servertest.Start(t, shared)
	b := servertest.Start(t, shared)
	ctx := context.Background()
	na := sns.NewFromConfig(a.AWSConfig())
	var topic *sns.CreateTopicOutput
	q := sqsClient(b)

	var mu sync.Mutex
	attempts := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, typ := r.Header.Get("x-amz-sns-message-id"), r.Header.Get("x-amz-sns-message-type")
		mu.Lock()
		attempts[id]++
		n := attempts[id]
		mu.Unlock()
		if typ == "Notification" && n == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer ts.Close()

	topic, err = na.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("pg-topic")})
	if err != nil {
		t.Fatal(err)
	}
	queueURL, queueARN := cliQueue(t, q, "pg-queue")
	if _, err := na.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	httpSub, err := na.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(ts.URL),
		ReturnSubscriptionArn: true, Attributes: map[string]string{"DeliveryPolicy": `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":3}}`}})
	if err != nil {
		t.Fatal(err)
	}
	// Confirm through the API with the token the store holds for it: the
	// endpoint above does not follow links.
	var token string
	servertest.WaitFor(t, time.Minute, "the confirmation POST", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts) > 0
	})
	if err := a.DB().QueryRow(ctx, `SELECT token FROM sns_subscriptions WHERE arn = ?`, aws.ToString(httpSub.SubscriptionArn)).Scan(&token); err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(b.AWSConfig()).ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String(token)}); err != nil {
		t.Fatal(err)
	}

	out, err := na.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("over postgres")})
	if err != nil {
		t.Fatal(err)
	}
	msgs := cliReceive(t, q, queueURL, 1)
	if aws.ToString(msgs[0].Body) != "over postgres" {
		t.Errorf("body %q", aws.ToString(msgs[0].Body))
	}
	id := aws.ToString(out.MessageId)
	servertest.WaitFor(t, time.Minute, "the retried HTTP delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return attempts[id] >= 2
	})
	// Let a second claim happen if there were one: both replicas scan every second.
	var left int
	servertest.WaitFor(t, time.Minute, "the row to be finished", func() bool {
		return a.DB().QueryRow(ctx, `SELECT COUNT(*) FROM sns_deliveries WHERE message_id = ?`, id).Scan(&left) == nil && left == 0
	})
	mu.Lock()
	if attempts[id] != 2 {
		t.Errorf("message attempted %d times, want 2 (one failure, one retry)", attempts[id])
	}
	mu.Unlock()

	dump := pgtest.Dump(t, url)
	if !bytes.Contains(dump, []byte("sns_signing_keys")) || !bytes.Contains(dump, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("pg_dump does not look like our database (%d bytes)", len(dump))
	}
	if bytes.Contains(dump, []byte("PRIVATE KEY")) {
		t.Fatal("the signing key is in the database unsealed")
	}
}
