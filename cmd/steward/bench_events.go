package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/server"
)

func benchEventsCmd() *cobra.Command {
	var (
		rules    string
		clients  int
		duration time.Duration
		rate     int
		database string
		profile  string
	)
	cmd := &cobra.Command{
		Use:   "events",
		Short: "EventBridge PutEvents → rule → SQS over loopback; prints events/s and put→SQS-receivable latency p50/p99 per rule count",
		Long: `For each rule count, a fresh server gets that many rules on the default bus
(mixed operators: exact values, numeric, prefix, anything-but), each with the
same SQS queue as its target; every event matches exactly one rule. Two
phases per count:

  saturated  N clients send PutEvents of 10 entries as fast as they can;
             events/s accepted and delivered, latency under that load
  paced      --rate events/s, the latency a steady producer sees

Latency runs from just before PutEvents is sent to the moment a receiver
(4 long-polling ReceiveMessage loops, deleting in batches) holds the message.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var counts []int
			for _, f := range strings.Split(rules, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n < 1 {
					return fmt.Errorf("--rules: %q is not a positive number", f)
				}
				counts = append(counts, n)
			}
			out := cmd.OutOrStdout()
			var rows []eventsBenchRow
			for _, n := range counts {
				err := withBenchServer(cmd.Context(), database, func(s *server.Server) error {
					stop, err := startProfile(profile)
					if err != nil {
						return err
					}
					defer stop()
					row, err := benchEvents(cmd.Context(), out, s, n, clients, duration, rate)
					rows = append(rows, row)
					return err
				})
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "\n%-6s  %-13s  %-13s  %-22s  %s\n", "rules", "put events/s", "to SQS /s", "saturated p50 / p99", fmt.Sprintf("at %d/s p50 / p99", rate))
			for _, r := range rows {
				fmt.Fprintf(out, "%-6d  %-13.0f  %-13.0f  %-22s  %s\n", r.rules, r.putRate, r.deliverRate,
					r.satP50.Round(time.Microsecond).String()+" / "+r.satP99.Round(time.Microsecond).String(),
					r.paceP50.Round(time.Microsecond).String()+" / "+r.paceP99.Round(time.Microsecond).String())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rules, "rules", "1,100,1000", "rule counts to measure, comma-separated")
	cmd.Flags().IntVarP(&clients, "clients", "c", 16, "concurrent PutEvents clients in the saturated phase")
	cmd.Flags().DurationVarP(&duration, "duration", "d", 5*time.Second, "how long each phase sends")
	cmd.Flags().IntVar(&rate, "rate", 1000, "events per second of the paced phase")
	cmd.Flags().StringVar(&database, "database", "", "database URL (default: SQLite in a temp dir)")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole process (server and clients) to this file")
	return cmd
}

type eventsBenchRow struct {
	rules                int
	putRate, deliverRate float64
	satP50, satP99       time.Duration
	paceP50, paceP99     time.Duration
}

// benchClient sends signed JSON requests, so that the figures measure the
// server rather than an SDK's middleware.
type benchClient struct {
	hc     *http.Client
	url    string
	region string
	creds  aws.Credentials
	signer *v4.Signer
}

func (c *benchClient) call(ctx context.Context, service, version, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-"+version)
	req.Header.Set("X-Amz-Target", target)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), service, c.region, time.Now()); err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", target, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// benchPattern is rule i's pattern: detail-type picks the rule, the rest
// varies the operators the index cannot answer alone.
func benchPattern(i int) string {
	dt := fmt.Sprintf("type-%d", i)
	switch i % 4 {
	case 1:
		return `{"source":["bench"],"detail-type":["` + dt + `"],"detail":{"n":[{"numeric":[">=",0]}]}}`
	case 2:
		return `{"source":[{"prefix":"ben"}],"detail-type":["` + dt + `"]}`
	case 3:
		return `{"detail-type":["` + dt + `"],"detail":{"kind":[{"anything-but":"x"}]}}`
	}
	return `{"source":["bench"],"detail-type":["` + dt + `"]}`
}

// latencies collects put→receivable times.
type latencies struct {
	mu  sync.Mutex
	lat []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.lat = append(l.lat, d...)
	l.mu.Unlock()
}

func (l *latencies) take() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lat
	l.lat = nil
	slices.Sort(out)
	return out
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[int(float64(len(lat)-1)*p)]
}

func benchEvents(ctx context.Context, out io.Writer, s *server.Server, nRules, clients int, duration time.Duration, rate int) (eventsBenchRow, error) {
	row := eventsBenchRow{rules: nRules}
	admin := s.Admin()
	transport := &http.Transport{MaxIdleConnsPerHost: clients + 8, MaxConnsPerHost: clients + 8}
	c := &benchClient{hc: &http.Client{Transport: transport}, url: s.URL() + "/", region: s.Config().Region,
		creds: aws.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.Secret}, signer: v4.NewSigner()}
	var created struct{ QueueUrl string }
	if err := c.call(ctx, "sqs", "1.0", "AmazonSQS.CreateQueue", map[string]any{"QueueName": "bench-events"}, &created); err != nil {
		return row, err
	}
	queueARN := "arn:aws:sqs:" + s.Config().Region + ":" + s.Config().AccountID + ":bench-events"
	b := s.Events()
	t0 := time.Now()
	for i := range nRules {
		p := benchPattern(i)
		name := fmt.Sprintf("bench-%d", i)
		if _, err := b.PutRule(ctx, events.PutRuleInput{Name: name, EventPattern: &p}); err != nil {
			return row, err
		}
		if _, err := b.PutTargets(ctx, events.PutTargetsInput{Rule: name, Targets: []events.Target{{ID: "q", ARN: queueARN}}}); err != nil {
			return row, err
		}
	}
	fmt.Fprintf(out, "events: %d rules set up in %s\n", nRules, time.Since(t0).Round(time.Millisecond))

	// Receivers run through both phases.
	var (
		lat      latencies
		received atomic.Int64
		lastRecv atomic.Int64
		recvErr  atomic.Pointer[error]
	)
	rctx, stopRecv := context.WithCancel(ctx)
	var rwg sync.WaitGroup
	for range 4 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for rctx.Err() == nil {
				var got struct {
					Messages []struct{ Body, ReceiptHandle string }
				}
				err := c.call(rctx, "sqs", "1.0", "AmazonSQS.ReceiveMessage", map[string]any{"QueueUrl": created.QueueUrl,
					"MaxNumberOfMessages": 10, "WaitTimeSeconds": 1, "VisibilityTimeout": 120}, &got)
				now := time.Now()
				if err != nil {
					if rctx.Err() == nil {
						recvErr.Store(&err)
					}
					return
				}
				if len(got.Messages) == 0 {
					continue
				}
				local := make([]time.Duration, 0, len(got.Messages))
				del := make([]map[string]any, len(got.Messages))
				for k, m := range got.Messages {
					var ev struct {
						Detail struct{ T int64 } `json:"detail"`
					}
					if json.Unmarshal([]byte(m.Body), &ev) == nil && ev.Detail.T > 0 {
						local = append(local, now.Sub(time.Unix(0, ev.Detail.T)))
					}
					del[k] = map[string]any{"Id": strconv.Itoa(k), "ReceiptHandle": m.ReceiptHandle}
				}
				lat.add(local)
				received.Add(int64(len(got.Messages)))
				lastRecv.Store(now.UnixNano())
				if err := c.call(rctx, "sqs", "1.0", "AmazonSQS.DeleteMessageBatch", map[string]any{"QueueUrl": created.QueueUrl, "Entries": del}, nil); err != nil && rctx.Err() == nil {
					recvErr.Store(&err)
					return
				}
			}
		}()
	}
	defer func() { stopRecv(); rwg.Wait() }()

	var seq atomic.Int64
	put := func() (int, error) {
		entries := make([]map[string]any, 10)
		for k := range entries {
			n := seq.Add(1)
			rule := int(n % int64(nRules))
			entries[k] = map[string]any{"Source": "bench", "DetailType": fmt.Sprintf("type-%d", rule),
				"Detail": fmt.Sprintf(`{"t":%d,"n":%d,"kind":"k%d"}`, time.Now().UnixNano(), n, n%7)}
		}
		var res struct{ FailedEntryCount int }
		err := c.call(ctx, "events", "1.1", "AWSEvents.PutEvents", map[string]any{"Entries": entries}, &res)
		if err == nil && res.FailedEntryCount > 0 {
			err = fmt.Errorf("PutEvents: %d entries failed", res.FailedEntryCount)
		}
		return 10 - res.FailedEntryCount, err
	}
	// waitDelivered waits until the receivers have n messages.
	waitDelivered := func(n int64) error {
		deadline := time.Now().Add(2 * time.Minute)
		for received.Load() < n {
			if p := recvErr.Load(); p != nil {
				return *p
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of %d events reached the queue", received.Load(), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return nil
	}

	// Saturated.
	delivered0 := b.Stats().Delivered.Load()
	var accepted atomic.Int64
	var firstErr atomic.Pointer[error]
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				n, err := put()
				accepted.Add(int64(n))
				if err != nil {
					firstErr.Store(&err)
					return
				}
			}
		}()
	}
	wg.Wait()
	putElapsed := time.Since(start)
	if p := firstErr.Load(); p != nil {
		return row, *p
	}
	for b.Stats().Delivered.Load()-delivered0 < accepted.Load() && time.Since(start) < 3*time.Minute {
		time.Sleep(5 * time.Millisecond)
	}
	engineElapsed := time.Since(start)
	if err := waitDelivered(accepted.Load()); err != nil {
		return row, err
	}
	sat := lat.take()
	row.putRate = float64(accepted.Load()) / putElapsed.Seconds()
	row.deliverRate = float64(accepted.Load()) / engineElapsed.Seconds()
	recvRate := float64(accepted.Load()) / time.Unix(0, lastRecv.Load()).Sub(start).Seconds()
	row.satP50, row.satP99 = pct(sat, 0.5), pct(sat, 0.99)
	fmt.Fprintf(out, "  saturated  clients=%d  %d events in %s: put %.0f events/s, delivered to SQS %.0f events/s, received %.0f events/s; put→receivable p50 %s p99 %s max %s\n",
		clients, accepted.Load(), putElapsed.Round(time.Millisecond), row.putRate, row.deliverRate, recvRate,
		row.satP50.Round(time.Microsecond), row.satP99.Round(time.Microsecond), pct(sat, 1).Round(time.Microsecond))

	// Paced.
	base := received.Load()
	interval := time.Second * 10 / time.Duration(max(rate, 1))
	tick := time.NewTicker(interval)
	deadline = time.Now().Add(duration)
	var sent int64
	var pwg sync.WaitGroup
	for time.Now().Before(deadline) {
		<-tick.C
		pwg.Add(1)
		sent += 10
		go func() {
			defer pwg.Done()
			if _, err := put(); err != nil {
				firstErr.Store(&err)
			}
		}()
	}
	tick.Stop()
	pwg.Wait()
	if p := firstErr.Load(); p != nil {
		return row, *p
	}
	if err := waitDelivered(base + sent); err != nil {
		return row, err
	}
	paced := lat.take()
	row.paceP50, row.paceP99 = pct(paced, 0.5), pct(paced, 0.99)
	fmt.Fprintf(out, "  paced      %d events/s  %d events: put→receivable p50 %s p99 %s max %s\n",
		rate, sent, row.paceP50.Round(time.Microsecond), row.paceP99.Round(time.Microsecond), pct(paced, 1).Round(time.Microsecond))
	if st := b.Stats(); st.Dropped.Load() > 0 || st.DeadLettered.Load() > 0 {
		return row, errors.New("some deliveries failed")
	}
	return row, nil
}
