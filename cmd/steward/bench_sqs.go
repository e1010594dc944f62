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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/server"
)

func benchSQSCmd() *cobra.Command {
	var (
		clients  int
		duration time.Duration
		database string
		profile  string
		mode     string
		size     int
	)
	cmd := &cobra.Command{
		Use:   "sqs",
		Short: "SQS send+receive+delete over loopback (SigV4, JSON 1.0) from N concurrent clients; prints messages/s and per-call p50/p99",
		Long: `Each client loops: send, receive, delete — with single-message calls
(SendMessage, ReceiveMessage 1, DeleteMessage) and with the batch calls
(SendMessageBatch 10, ReceiveMessage 10, DeleteMessageBatch). A message
counts once it is deleted. All clients share one standard queue.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var modes []string
			switch mode {
			case "both":
				modes = []string{"single", "batch"}
			case "single", "batch":
				modes = []string{mode}
			default:
				return fmt.Errorf("--mode must be single, batch or both")
			}
			return withBenchServer(cmd.Context(), database, func(s *server.Server) error {
				stop, err := startProfile(profile)
				if err != nil {
					return err
				}
				defer stop()
				for _, m := range modes {
					if err := benchSQS(cmd.Context(), cmd.OutOrStdout(), s, m, clients, duration, size); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVarP(&clients, "clients", "c", 10, "concurrent clients")
	cmd.Flags().DurationVarP(&duration, "duration", "d", 10*time.Second, "how long to run each mode")
	cmd.Flags().StringVar(&database, "database", "", "database URL (default: SQLite in a temp dir)")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole process (server and clients) to this file")
	cmd.Flags().StringVar(&mode, "mode", "both", "single, batch or both")
	cmd.Flags().IntVar(&size, "size", 256, "message body size in bytes")
	return cmd
}

// sqsBenchClient is one load-generating client: raw signed HTTP requests,
// so that the figures measure the server rather than an SDK's middleware.
type sqsBenchClient struct {
	hc     *http.Client
	url    string
	region string
	creds  aws.Credentials
	signer *v4.Signer
}

func (c *sqsBenchClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), "sqs", c.region, time.Now()); err != nil {
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
		return fmt.Errorf("%s: %d %s", op, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

type benchMessage struct {
	MessageID     string `json:"MessageId"`
	ReceiptHandle string `json:"ReceiptHandle"`
	MD5OfBody     string `json:"MD5OfBody"`
}

// sqsOpStats collects one operation's latencies.
type sqsOpStats struct {
	mu  sync.Mutex
	lat []time.Duration
}

func (s *sqsOpStats) add(local []time.Duration) {
	s.mu.Lock()
	s.lat = append(s.lat, local...)
	s.mu.Unlock()
}

func (s *sqsOpStats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[int(float64(len(s.lat)-1)*p)]
}

func benchSQS(ctx context.Context, out io.Writer, s *server.Server, mode string, clients int, duration time.Duration, size int) error {
	admin := s.Admin()
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	base := sqsBenchClient{
		hc: &http.Client{Transport: transport}, url: s.URL() + "/", region: s.Config().Region,
		creds: aws.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.Secret}, signer: v4.NewSigner(),
	}
	queue := "bench-" + mode
	var created struct{ QueueUrl string }
	if err := base.call(ctx, "CreateQueue", map[string]any{"QueueName": queue}, &created); err != nil {
		return err
	}
	body := strings.Repeat("x", size)
	batch := 1
	if mode == "batch" {
		batch = 10
	}

	var (
		wg                 sync.WaitGroup
		done, requests     atomic.Int64
		failures           atomic.Int64
		firstErr           atomic.Pointer[error]
		sendS, recvS, delS sqsOpStats
	)
	fail := func(err error) {
		if failures.Add(1) == 1 {
			firstErr.Store(&err)
		}
	}
	deadline := time.Now().Add(duration)
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := base
			var sendL, recvL, delL []time.Duration
			defer func() { sendS.add(sendL); recvS.add(recvL); delS.add(delL) }()
			for n := 0; time.Now().Before(deadline); n++ {
				t0 := time.Now()
				var err error
				if batch == 1 {
					err = c.call(ctx, "SendMessage", map[string]any{"QueueUrl": created.QueueUrl, "MessageBody": body}, nil)
				} else {
					entries := make([]map[string]any, batch)
					for k := range entries {
						entries[k] = map[string]any{"Id": fmt.Sprint("m", k), "MessageBody": body}
					}
					var res struct{ Failed []json.RawMessage }
					err = c.call(ctx, "SendMessageBatch", map[string]any{"QueueUrl": created.QueueUrl, "Entries": entries}, &res)
					if err == nil && len(res.Failed) > 0 {
						err = fmt.Errorf("SendMessageBatch: %d failed", len(res.Failed))
					}
				}
				requests.Add(1)
				if err != nil {
					fail(err)
					continue
				}
				sendL = append(sendL, time.Since(t0))

				t0 = time.Now()
				var recv struct{ Messages []benchMessage }
				err = c.call(ctx, "ReceiveMessage", map[string]any{"QueueUrl": created.QueueUrl, "MaxNumberOfMessages": batch, "WaitTimeSeconds": 1}, &recv)
				requests.Add(1)
				if err != nil {
					fail(err)
					continue
				}
				recvL = append(recvL, time.Since(t0))
				if len(recv.Messages) == 0 {
					continue
				}

				t0 = time.Now()
				if batch == 1 {
					err = c.call(ctx, "DeleteMessage", map[string]any{"QueueUrl": created.QueueUrl, "ReceiptHandle": recv.Messages[0].ReceiptHandle}, nil)
				} else {
					entries := make([]map[string]any, len(recv.Messages))
					for k, m := range recv.Messages {
						entries[k] = map[string]any{"Id": fmt.Sprint("d", k), "ReceiptHandle": m.ReceiptHandle}
					}
					var res struct{ Failed []json.RawMessage }
					err = c.call(ctx, "DeleteMessageBatch", map[string]any{"QueueUrl": created.QueueUrl, "Entries": entries}, &res)
					if err == nil && len(res.Failed) > 0 {
						err = fmt.Errorf("DeleteMessageBatch: %d failed", len(res.Failed))
					}
				}
				requests.Add(1)
				if err != nil {
					fail(err)
					continue
				}
				delL = append(delL, time.Since(t0))
				done.Add(int64(len(recv.Messages)))
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, st := range []*sqsOpStats{&sendS, &recvS, &delS} {
		slices.Sort(st.lat)
	}
	sendOp, recvOp, delOp := "SendMessage", "ReceiveMessage(1)", "DeleteMessage"
	if batch > 1 {
		sendOp, recvOp, delOp = "SendMessageBatch(10)", "ReceiveMessage(10)", "DeleteMessageBatch"
	}
	fmt.Fprintf(out, "sqs %s: clients=%d duration=%s body=%dB messages=%d requests=%d failures=%d\n",
		mode, clients, elapsed.Round(time.Millisecond), size, done.Load(), requests.Load(), failures.Load())
	fmt.Fprintf(out, "  throughput  %.0f msg/s (send+receive+delete), %.0f req/s\n",
		float64(done.Load())/elapsed.Seconds(), float64(requests.Load())/elapsed.Seconds())
	for _, r := range []struct {
		op string
		st *sqsOpStats
	}{{sendOp, &sendS}, {recvOp, &recvS}, {delOp, &delS}} {
		fmt.Fprintf(out, "  %-21s p50 %-10s p99 %-10s max %s\n", r.op, r.st.pct(0.5).Round(time.Microsecond), r.st.pct(0.99).Round(time.Microsecond), r.st.pct(1).Round(time.Microsecond))
	}
	if p := firstErr.Load(); p != nil {
		return fmt.Errorf("%d calls failed, the first: %w", failures.Load(), *p)
	}
	if done.Load() == 0 {
		return errors.New("no message went through")
	}
	return nil
}
