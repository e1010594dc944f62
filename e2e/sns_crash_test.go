package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward/server/servertest"
)

// TestSNSKill9WithUndeliveredNotifications: an HTTP endpoint is down (503)
// while 200 notifications are published (plus 200 to an SQS queue);
// SIGKILL the server while they are being retried; bring the endpoint up;
// start the server again: every notification is delivered (counted by
// message ID at the endpoint and in the queue), none is lost. Duplicates
// are allowed (delivery is at least once) and reported.
func TestSNSKill9WithUndeliveredNotifications(t *testing.T) {
	t.Parallel()
	const messages = 200
	p := servertest.StartProcess(t)
	ctx := context.Background()
	cfg := p.AWSConfig()
	n, q := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)

	var down atomic.Bool
	var failed atomic.Int64
	recv := newReceiver(t)
	recv.fail = func(_ *http.Request, env snsEnvelope) int {
		if env.Type == "Notification" && down.Load() {
			failed.Add(1)
			return http.StatusServiceUnavailable
		}
		return 0
	}
	ts := httptest.NewServer(recv)
	defer ts.Close()

	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("crash")})
	if err != nil {
		t.Fatal(err)
	}
	// Retries 1–2 s apart for minutes: still retrying when the server dies.
	policy := `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":2,"numRetries":100,"backoffFunction":"linear"}}`
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(ts.URL + "/hook"),
		Attributes: map[string]string{"DeliveryPolicy": policy}}); err != nil {
		t.Fatal(err)
	}
	servertest.WaitFor(t, time.Minute, "the HTTP subscription to be confirmed", func() bool {
		a, err := n.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
		return err == nil && a.Attributes["SubscriptionsConfirmed"] == "1"
	})
	queueURL, queueARN := createQueue(t, q, "crash-queue", nil)
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}

	down.Store(true)
	published := map[string]bool{}
	for i := range messages {
		out, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(fmt.Sprint("notification ", i))})
		if err != nil {
			t.Fatal(err)
		}
		published[aws.ToString(out.MessageId)] = true
	}
	servertest.WaitFor(t, time.Minute, "failed attempts at the endpoint", func() bool { return failed.Load() >= messages })
	p.Kill9()
	t.Logf("killed after %d failed attempts", failed.Load())
	down.Store(false)
	p.Start()

	delivered := func() map[string]int {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		got := map[string]int{}
		for _, e := range recv.got {
			if e.Type == "Notification" {
				got[e.MessageId]++
			}
		}
		return got
	}
	servertest.WaitFor(t, 3*time.Minute, "every notification at the endpoint", func() bool { return len(delivered()) >= messages })
	got := delivered()
	dups := 0
	for id, c := range got {
		if !published[id] {
			t.Errorf("delivered %s, which was never published", id)
		}
		dups += c - 1
	}
	for id := range published {
		if got[id] == 0 {
			t.Errorf("notification %s lost", id)
		}
	}
	inQueue := map[string]bool{}
	for _, m := range receiveN(t, q, queueURL, messages) {
		inQueue[aws.ToString(m.Body)] = true
	}
	if len(inQueue) != messages {
		t.Errorf("%d distinct messages in the queue, want %d", len(inQueue), messages)
	}
	t.Logf("%d notifications published; %d delivered to HTTP after the restart (%d duplicates), %d in the queue", messages, len(got), dups, len(inQueue))
}
