package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/server"
)

func benchSNSCmd() *cobra.Command {
	var (
		subscribers int
		messages    int
		rate        float64
		raw         bool
		database    string
		profile     string
	)
	cmd := &cobra.Command{
		Use:   "sns",
		Short: "Publish → N SQS subscriptions: p50/p99 latency from the start of the Publish call until the message is receivable in every queue",
		Long: `Publish to a topic with N SQS subscriptions (enveloped and signed unless --raw)
at a steady rate, long-poll every queue from its own client, and report, per
message, the time from the start of the Publish call until it was received
from the last queue. Clients are aws-sdk-go-v2 over loopback with SigV4.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withBenchServer(cmd.Context(), database, func(s *server.Server) error {
				stop, err := startProfile(profile)
				if err != nil {
					return err
				}
				defer stop()
				return benchSNS(cmd.Context(), cmd.OutOrStdout(), s, subscribers, messages, rate, raw)
			})
		},
	}
	cmd.Flags().IntVarP(&subscribers, "subscribers", "n", 10, "SQS subscriptions (one queue each)")
	cmd.Flags().IntVarP(&messages, "messages", "m", 1000, "messages to publish")
	cmd.Flags().Float64Var(&rate, "rate", 50, "publishes per second")
	cmd.Flags().BoolVar(&raw, "raw", false, "raw message delivery (no envelope, no signature)")
	cmd.Flags().StringVar(&database, "database", "", "database URL (default: SQLite in a temp dir)")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole process to this file")
	return cmd
}

func benchSNS(ctx context.Context, out io.Writer, s *server.Server, subscribers, messages int, rate float64, raw bool) error {
	admin := s.Admin()
	cfg := aws.Config{
		Region:       s.Config().Region,
		Credentials:  credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.Secret, ""),
		BaseEndpoint: aws.String(s.URL()),
	}
	pub, q := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	topic, err := pub.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bench")})
	if err != nil {
		return fmt.Errorf("create topic: %w", err)
	}
	urls := make([]string, subscribers)
	for i := range urls {
		qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprint("bench-", i))})
		if err != nil {
			return fmt.Errorf("create queue: %w", err)
		}
		urls[i] = aws.ToString(qo.QueueUrl)
		arn := "arn:aws:sqs:" + cfg.Region + ":" + s.Config().AccountID + ":bench-" + strconv.Itoa(i)
		if _, err := pub.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn),
			Attributes: map[string]string{"RawMessageDelivery": strconv.FormatBool(raw)}}); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}

	var (
		mu       sync.Mutex
		started  = make([]time.Time, messages)
		lastSeen = make([]time.Time, messages)
		seen     = make([]int, messages)
		done     = make(chan struct{})
		left     = messages * subscribers
	)
	index := func(body string) int {
		if !raw {
			var env struct{ Message string }
			if json.Unmarshal([]byte(body), &env) != nil {
				return -1
			}
			body = env.Message
		}
		i, err := strconv.Atoi(strings.TrimPrefix(body, "bench "))
		if err != nil || i < 0 || i >= messages {
			return -1
		}
		return i
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var receivers sync.WaitGroup
	for _, url := range urls {
		receivers.Add(1)
		go func() {
			defer receivers.Done()
			// One client per queue: long polls are not shared.
			rq := sqs.NewFromConfig(cfg)
			for rctx.Err() == nil {
				ro, err := rq.ReceiveMessage(rctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 20})
				now := time.Now()
				if err != nil {
					continue
				}
				var del []sqstypes.DeleteMessageBatchRequestEntry
				mu.Lock()
				for k, m := range ro.Messages {
					if i := index(aws.ToString(m.Body)); i >= 0 {
						seen[i]++
						if now.After(lastSeen[i]) {
							lastSeen[i] = now
						}
						left--
						if left == 0 {
							close(done)
						}
					}
					del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(k)), ReceiptHandle: m.ReceiptHandle})
				}
				mu.Unlock()
				if len(del) > 0 {
					_, _ = rq.DeleteMessageBatch(rctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del})
				}
			}
		}()
	}

	interval := time.Duration(float64(time.Second) / rate)
	begin := time.Now()
	var failures int
	for i := range messages {
		if wait := time.Until(begin.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		mu.Lock()
		started[i] = time.Now()
		mu.Unlock()
		if _, err := pub.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(fmt.Sprint("bench ", i))}); err != nil {
			failures++
		}
	}
	publishTime := time.Since(begin)
	select {
	case <-done:
	case <-time.After(time.Minute):
	}
	cancel()
	receivers.Wait()

	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	missing := 0
	for i := range messages {
		if seen[i] < subscribers {
			missing++
			continue
		}
		lat = append(lat, lastSeen[i].Sub(started[i]))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)].Round(10 * time.Microsecond)
	}
	mode := "enveloped, signed"
	if raw {
		mode = "raw"
	}
	fmt.Fprintf(out, "sns: publish → %d SQS subscriptions (%s), %d messages at %.0f/s (%.0f/s achieved), %d deliveries\n",
		subscribers, mode, messages, rate, float64(messages)/publishTime.Seconds(), messages*subscribers)
	fmt.Fprintf(out, "  publish start → receivable in every queue: p50 %s  p90 %s  p99 %s  max %s\n", pct(0.5), pct(0.9), pct(0.99), pct(1))
	if failures > 0 || missing > 0 {
		return fmt.Errorf("%d publishes failed, %d messages did not reach every queue", failures, missing)
	}
	return nil
}
