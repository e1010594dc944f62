package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/server"
)

func benchRunCommandCmd() *cobra.Command {
	var (
		agents   int
		database string
		profile  string
	)
	cmd := &cobra.Command{
		Use:   "run-command",
		Short: "N simulated agents speaking the real agent protocol; SendCommand by tag with MaxConcurrency 100%; prints time to all Success and delivery p50/p99",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withBenchServer(cmd.Context(), database, func(s *server.Server) error {
				return benchRunCommand(cmd.Context(), cmd.OutOrStdout(), s, agents, profile)
			})
		},
	}
	cmd.Flags().IntVarP(&agents, "agents", "n", 1000, "simulated agents")
	cmd.Flags().StringVar(&database, "database", "", "database URL (default: SQLite in a temp dir)")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the send-to-done phase to this file")
	return cmd
}

// simAgent is a simulated node: real registration, a real session opened
// with the node key, real signed requests, real long polls; it answers every
// command with an immediate Success.
type simAgent struct {
	id   string
	key  ed25519.PrivateKey
	sess *agentproto.Session
	url  string
	hc   *http.Client
	sent time.Time
}

// openSession trades one node-key-signed request for a session, as
// steward-agent does before its first poll.
func (a *simAgent) openSession(ctx context.Context) error {
	priv, err := agentproto.NewSessionKey()
	if err != nil {
		return err
	}
	var resp agentproto.SessionResponse
	if err := a.call(ctx, agentproto.PathSession, agentproto.SessionRequest{PublicKey: priv.PublicKey().Bytes()}, &resp); err != nil {
		return err
	}
	a.sess, err = agentproto.OpenSession(priv, a.id, resp, time.Now())
	return err
}

func (a *simAgent) call(ctx context.Context, path string, in, out any) error {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(agentproto.HeaderProto, fmt.Sprint(agentproto.Version))
	switch {
	case a.sess != nil:
		req.Header.Set(agentproto.HeaderAuth, a.sess.Sign(http.MethodPost, path, time.Now(), body))
	case a.key != nil:
		req.Header.Set(agentproto.HeaderAuth, agentproto.Sign(a.key, a.id, http.MethodPost, path, time.Now(), body))
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func benchRunCommand(ctx context.Context, out io.Writer, s *server.Server, n int, profile string) error {
	admin := s.Admin()
	client := ssm.NewFromConfig(aws.Config{
		Region:       s.Config().Region,
		Credentials:  credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.Secret, ""),
		BaseEndpoint: aws.String(s.URL()),
	})
	act, err := client.CreateActivation(ctx, &ssm.CreateActivationInput{IamRole: aws.String("bench"), RegistrationLimit: aws.Int32(int32(n))})
	if err != nil {
		return fmt.Errorf("create activation: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n + 16, MaxConnsPerHost: n + 16, IdleConnTimeout: time.Minute}}
	agents := make([]*simAgent, n)
	regStart := time.Now()
	for i := range agents {
		pub, priv, _ := ed25519.GenerateKey(nil)
		a := &simAgent{url: s.URL(), hc: hc}
		var resp agentproto.RegisterResponse
		err := a.call(ctx, agentproto.PathRegister, agentproto.RegisterRequest{
			ActivationID: aws.ToString(act.ActivationId), ActivationCode: aws.ToString(act.ActivationCode), PublicKey: pub,
			Facts: agentproto.Facts{AgentVersion: "bench", ComputerName: fmt.Sprintf("sim-%04d", i), IPAddress: "127.0.0.1", PlatformType: "Linux", PlatformName: "Simulated", PlatformVersion: "1"},
		}, &resp)
		if err != nil {
			return fmt.Errorf("register %d: %w", i, err)
		}
		a.id, a.key = resp.NodeID, priv
		if err := a.openSession(ctx); err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		agents[i] = a
	}
	ids := make([]string, n)
	for i, a := range agents {
		ids[i] = a.id
	}
	for _, id := range ids {
		if _, err := client.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: aws.String(id), Tags: []types.Tag{{Key: aws.String("fleet"), Value: aws.String("bench")}}}); err != nil {
			return fmt.Errorf("tag %s: %w", id, err)
		}
	}
	fmt.Fprintf(out, "run-command: %d agents registered and tagged in %s\n", n, time.Since(regStart).Round(time.Millisecond))

	// Every agent holds a long poll; on a command it acks and reports Success.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wg       sync.WaitGroup
		done     atomic.Int64
		mu       sync.Mutex
		delivery []time.Duration
		failures atomic.Int64
	)
	var sendAt atomic.Pointer[time.Time]
	allDone := make(chan struct{})
	for _, a := range agents {
		wg.Add(1)
		go func(a *simAgent) {
			defer wg.Done()
			for runCtx.Err() == nil {
				var pr agentproto.PollResponse
				if err := a.call(runCtx, agentproto.PathPoll, agentproto.PollRequest{}, &pr); err != nil {
					if runCtx.Err() == nil {
						failures.Add(1)
						time.Sleep(50 * time.Millisecond)
					}
					continue
				}
				for _, m := range pr.Messages {
					if m.Kind != agentproto.KindCommand {
						continue
					}
					if t0 := sendAt.Load(); t0 != nil {
						mu.Lock()
						delivery = append(delivery, time.Since(*t0))
						mu.Unlock()
					}
					if err := a.call(runCtx, agentproto.PathAck, agentproto.AckRequest{CommandID: m.CommandID}, nil); err != nil {
						failures.Add(1)
					}
					now := time.Now()
					res := agentproto.ResultRequest{CommandID: m.CommandID, Status: agentproto.StatusSuccess, Steps: []agentproto.StepResult{{
						Name: m.Command.Steps[0].Name, Action: m.Command.Steps[0].Action, Status: agentproto.StatusSuccess,
						StartTime: now, EndTime: now, Stdout: "ok\n",
					}}}
					if err := a.call(runCtx, agentproto.PathResult, res, nil); err != nil {
						failures.Add(1)
						continue
					}
					if done.Add(1) == int64(n) {
						close(allDone)
					}
				}
			}
		}(a)
	}
	time.Sleep(500 * time.Millisecond) // let every agent settle into its long poll

	stopProfile, err := startProfile(profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	t0 := time.Now()
	sendAt.Store(&t0)
	sc, err := client.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName:   aws.String("AWS-RunShellScript"),
		Targets:        []types.Target{{Key: aws.String("tag:fleet"), Values: []string{"bench"}}},
		Parameters:     map[string][]string{"commands": {"true"}},
		MaxConcurrency: aws.String("100%"),
		MaxErrors:      aws.String("0"),
	})
	if err != nil {
		return fmt.Errorf("send command: %w", err)
	}
	sendTook := time.Since(t0)
	select {
	case <-allDone:
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("only %d of %d results after 2 minutes", done.Load(), n)
	}
	resultsIn := time.Since(t0)
	// The command itself must end Success.
	var status types.CommandStatus
	for i := 0; i < 200; i++ {
		lc, err := client.ListCommands(ctx, &ssm.ListCommandsInput{CommandId: sc.Command.CommandId})
		if err == nil && len(lc.Commands) == 1 {
			status = lc.Commands[0].Status
			if status == types.CommandStatusSuccess {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	allSuccess := time.Since(t0)
	stop()
	wg.Wait()

	sort.Slice(delivery, func(i, j int) bool { return delivery[i] < delivery[j] })
	pct := func(p float64) time.Duration {
		if len(delivery) == 0 {
			return 0
		}
		return delivery[int(float64(len(delivery)-1)*p)].Round(time.Microsecond)
	}
	fmt.Fprintf(out, "  send       SendCommand answered in %s\n", sendTook.Round(time.Millisecond))
	fmt.Fprintf(out, "  results    all %d results accepted %s after SendCommand\n", n, resultsIn.Round(time.Millisecond))
	fmt.Fprintf(out, "  command    status %s, observed %s after SendCommand\n", status, allSuccess.Round(time.Millisecond))
	fmt.Fprintf(out, "  delivery   p50 %s  p99 %s  max %s (SendCommand call to poll answer)\n", pct(0.5), pct(0.99), pct(1))
	fmt.Fprintf(out, "  failures   %d\n", failures.Load())
	if status != types.CommandStatusSuccess {
		return fmt.Errorf("command ended %s", status)
	}
	return nil
}
