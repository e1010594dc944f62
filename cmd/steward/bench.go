package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/server"
)

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Steward (load generators that print figures)",
	}
	cmd.AddCommand(benchGetParameterCmd(), benchRunCommandCmd(), benchSQSCmd(), benchSNSCmd(), benchEventsCmd())
	return cmd
}

func benchGetParameterCmd() *cobra.Command {
	var (
		clients  int
		duration time.Duration
		database string
		profile  string
	)
	cmd := &cobra.Command{
		Use:   "get-parameter",
		Short: "GetParameter over loopback with SigV4 from N concurrent clients; prints req/s and p50/p99",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withBenchServer(cmd.Context(), database, func(s *server.Server) error {
				stop, err := startProfile(profile)
				if err != nil {
					return err
				}
				defer stop()
				return benchGetParameter(cmd.Context(), cmd.OutOrStdout(), s, clients, duration)
			})
		},
	}
	cmd.Flags().IntVarP(&clients, "clients", "c", 16, "concurrent clients")
	cmd.Flags().DurationVarP(&duration, "duration", "d", 10*time.Second, "how long to run")
	cmd.Flags().StringVar(&database, "database", "", "database URL (default: SQLite in a temp dir)")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole process (server and clients) to this file")
	return cmd
}

func benchGetParameter(ctx context.Context, out io.Writer, s *server.Server, clients int, duration time.Duration) error {
	admin := s.Admin()
	cfg := aws.Config{
		Region:       s.Config().Region,
		Credentials:  credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.Secret, ""),
		BaseEndpoint: aws.String(s.URL()),
	}
	client := ssm.NewFromConfig(cfg)
	if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/bench/param"), Value: aws.String("value-for-benchmark"), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
		return fmt.Errorf("seed parameter: %w", err)
	}

	body := []byte(`{"Name":"/bench/param"}`)
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: admin.AccessKeyID, SecretAccessKey: admin.Secret}
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: transport}
	url := s.URL() + "/"

	var (
		wg       sync.WaitGroup
		total    atomic.Int64
		failures atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
	)
	deadline := time.Now().Add(duration)
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
				req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
				if err := signer.SignHTTP(ctx, creds, req, payloadHash, "ssm", s.Config().Region, t0); err != nil {
					failures.Add(1)
					continue
				}
				resp, err := hc.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures.Add(1)
				}
				local = append(local, time.Since(t0))
				total.Add(1)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	fmt.Fprintf(out, "get-parameter: clients=%d duration=%s requests=%d failures=%d\n", clients, elapsed.Round(time.Millisecond), total.Load(), failures.Load())
	fmt.Fprintf(out, "  throughput  %.0f req/s\n", float64(total.Load())/elapsed.Seconds())
	fmt.Fprintf(out, "  latency     p50 %s  p99 %s  max %s\n", pct(0.50), pct(0.99), pct(1))
	if failures.Load() > 0 {
		return fmt.Errorf("%d requests failed", failures.Load())
	}
	return nil
}

// withBenchServer runs fn against a fresh server on a free loopback port, with
// its data in a temporary directory (database: "" for SQLite there).
func withBenchServer(ctx context.Context, database string, fn func(*server.Server) error) error {
	dir, err := os.MkdirTemp("", "steward-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: dir, Database: database})
	if err != nil {
		return err
	}
	if err := s.Open(ctx); err != nil {
		return err
	}
	defer s.Close(context.Background())
	return fn(s)
}

// startProfile starts a CPU profile into path (nothing when path is empty);
// stop ends it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
