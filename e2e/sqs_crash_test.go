package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stewardhq/steward/server/servertest"
)

// TestSQSKill9KeepsAcknowledgedMessages: N messages sent by concurrent
// clients and acknowledged, SIGKILL, restart: exactly N messages, each
// once. Then SIGKILL again while senders are mid-flight: every send that
// was acknowledged before the kill is there after the restart, and at
// most one unacknowledged send per client (committed, answer lost) is
// there besides.
func TestSQSKill9KeepsAcknowledgedMessages(t *testing.T) {
	t.Parallel()
	const clients, perClient = 10, 50
	const n = clients * perClient
	p := servertest.StartProcess(t)
	ctx := context.Background()
	c := sqs.NewFromConfig(p.AWSConfig())
	created, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl

	acked := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perClient {
				out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(fmt.Sprintf("%d/%d", i, j)),
					MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(j))}}})
				if err != nil {
					t.Errorf("send: %v", err)
					return
				}
				mu.Lock()
				acked[aws.ToString(out.MessageId)] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(acked) != n {
		t.Fatalf("%d sends acknowledged, want %d", len(acked), n)
	}
	p.Kill9()
	p.Start()
	got := drain(t, c, url)
	if len(got) != n {
		t.Errorf("after kill -9: %d messages, want exactly %d", len(got), n)
	}
	for id := range acked {
		if got[id] != 1 {
			t.Errorf("acknowledged message %s received %d times", id, got[id])
		}
	}

	// Kill while sends are in flight.
	acked = map[string]bool{}
	var sent atomic.Int64
	stop := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(fmt.Sprintf("late %d/%d", i, j))})
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[aws.ToString(out.MessageId)] = true
				mu.Unlock()
				sent.Add(1)
			}
		}()
	}
	servertest.WaitFor(t, 2*time.Minute, "some sends", func() bool { return sent.Load() >= 200 })
	p.Kill9()
	close(stop)
	wg.Wait()
	p.Start()
	got = drain(t, c, url)
	for id := range acked {
		if got[id] != 1 {
			t.Errorf("acknowledged message %s received %d times after the kill", id, got[id])
		}
	}
	extra := len(got) - len(acked)
	if extra < 0 || extra > clients {
		t.Errorf("%d messages after the kill for %d acknowledged sends (at most %d in flight)", len(got), len(acked), clients)
	}
	t.Logf("%d acknowledged before the kill, all present; %d committed sends whose answer was lost", len(acked), extra)
}

// drain receives every message of the queue (deleting each) and counts
// them by ID.
func drain(t *testing.T, c *sqs.Client, url *string) map[string]int {
	t.Helper()
	ctx := context.Background()
	seen := map[string]int{}
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return seen
		}
		var del []types.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			seen[aws.ToString(m.MessageId)]++
			del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: del}); err != nil {
			t.Fatal(err)
		}
	}
}
