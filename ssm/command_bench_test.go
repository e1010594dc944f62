package ssm_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/ssm"
)

// wakeAgents is a Notifier that wakes simulated agents, one channel each,
// and remembers when each node was first woken (dispatched).
type wakeAgents struct {
	ch    map[string]chan struct{}
	mu    sync.Mutex
	first map[string]time.Time
}

func (w *wakeAgents) Wake(ids ...string) {
	now := time.Now()
	w.mu.Lock()
	for _, id := range ids {
		if _, ok := w.first[id]; !ok {
			w.first[id] = now
		}
	}
	w.mu.Unlock()
	for _, id := range ids {
		select {
		case w.ch[id] <- struct{}{}:
		default: // already has a pending wake
		}
	}
}

// BenchmarkSendCommand1000 sends AWS-RunShellScript to 1,000 nodes with
// MaxConcurrency 100% and plays 1,000 agents (one goroutine each, woken by
// the notifier as the fleet hub would): poll, ack, result. It reports the
// time until the command is Success, the latency from SendCommand to each
// node's ack (which includes the slow-start ramp) and the delivery latency
// proper: from the dispatch that woke a node to its ack (poll, ack).
func BenchmarkSendCommand1000(b *testing.B) {
	const n = 1000
	nodes := cmdLinuxNodes(n)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newCmdFixture(b, nodes)
		wake := &wakeAgents{ch: map[string]chan struct{}{}, first: map[string]time.Time{}}
		for _, nd := range nodes {
			wake.ch[nd.id] = make(chan struct{}, 1)
		}
		cmds := ssm.NewCommands(f.db, f.dir, f.docs, f.params, wake, f.env, ssm.CommandOptions{})
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			latencies []time.Duration
			delivery  []time.Duration
			received  []time.Duration
			start     time.Time
			errs      = make(chan error, n)
		)
		ready := make(chan struct{})
		for _, nd := range nodes {
			wg.Add(1)
			go func(node string) {
				defer wg.Done()
				<-ready
				for range wake.ch[node] {
					msgs, err := cmds.Poll(f.ctx, node, agentproto.PollRequest{})
					if err != nil {
						errs <- err
						return
					}
					got := time.Now()
					for _, m := range msgs {
						wake.mu.Lock()
						woken := wake.first[node]
						wake.mu.Unlock()
						mu.Lock()
						received = append(received, got.Sub(woken))
						mu.Unlock()
						if err := cmds.Ack(f.ctx, node, agentproto.AckRequest{CommandID: m.CommandID}); err != nil {
							errs <- err
							return
						}
						acked := time.Now()
						mu.Lock()
						latencies = append(latencies, acked.Sub(start))
						delivery = append(delivery, acked.Sub(woken))
						mu.Unlock()
						err := cmds.Result(f.ctx, node, agentproto.ResultRequest{CommandID: m.CommandID, Status: agentproto.StatusSuccess,
							Steps: []agentproto.StepResult{{Name: "aws:runShellScript", Status: agentproto.StatusSuccess, Stdout: "ok\n",
								StartTime: start, EndTime: start}}})
						if err != nil {
							errs <- err
						}
						return
					}
				}
			}(nd.id)
		}
		b.StartTimer()
		start = time.Now()
		close(ready)
		c, err := cmds.SendCommand(f.ctx, ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", MaxConcurrency: "100%",
			Targets: []ssm.Target{{Key: "tag:env", Values: []string{"test"}}}, Parameters: map[string][]string{"commands": {"echo ok"}}})
		if err != nil {
			b.Fatal(err)
		}
		sent := time.Since(start)
		wg.Wait()
		total := time.Since(start)
		b.StopTimer()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		got, err := cmds.ListCommands(f.ctx, ssm.ListCommandsInput{CommandID: c.CommandID})
		if err != nil || got.Commands[0].Status != ssm.CmdSuccess || got.Commands[0].Counters.Completed != n {
			b.Fatalf("command = %+v, %v", got.Commands[0], err)
		}
		slices.Sort(latencies)
		slices.Sort(delivery)
		slices.Sort(received)
		p := func(d []time.Duration, q float64) time.Duration { return d[int(q*float64(len(d)-1))] }
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(sent), "send-ms")
		b.ReportMetric(ms(total), "all-done-ms")
		b.ReportMetric(ms(p(received, 0.5)), "p50-delivery-ms")
		b.ReportMetric(ms(p(received, 0.99)), "p99-delivery-ms")
		b.ReportMetric(ms(p(delivery, 0.99)), "p99-dispatch-to-ack-ms")
		b.ReportMetric(ms(p(latencies, 0.99)), "p99-send-to-ack-ms")
		b.Logf("1,000 nodes: SendCommand %v, all done %v; dispatch→poll p50 %v p99 %v; dispatch→ack p50 %v p99 %v; send→ack p50 %v p99 %v",
			sent, total, p(received, 0.5), p(received, 0.99), p(delivery, 0.5), p(delivery, 0.99), p(latencies, 0.5), p(latencies, 0.99))
		f.db.Close()
	}
}

// TestConcurrentAgents plays 200 agents at once (the benchmark's harness,
// smaller), so the race detector sees group commit and the wake path under
// contention.
func TestConcurrentAgents(t *testing.T) {
	const n = 200
	nodes := cmdLinuxNodes(n)
	f := newCmdFixture(t, nodes)
	wake := &wakeAgents{ch: map[string]chan struct{}{}, first: map[string]time.Time{}}
	for _, nd := range nodes {
		wake.ch[nd.id] = make(chan struct{}, 1)
	}
	cmds := ssm.NewCommands(f.db, f.dir, f.docs, f.params, wake, f.env, ssm.CommandOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i, nd := range nodes {
		wg.Add(1)
		go func(node string, fail bool) {
			defer wg.Done()
			for range wake.ch[node] {
				msgs, err := cmds.Poll(f.ctx, node, agentproto.PollRequest{})
				if err != nil {
					errs <- err
					return
				}
				for _, m := range msgs {
					// Acks and results are retried by agents: send each twice.
					for range 2 {
						if err := cmds.Ack(f.ctx, node, agentproto.AckRequest{CommandID: m.CommandID}); err != nil {
							errs <- err
						}
					}
					status := agentproto.StatusSuccess
					if fail {
						status = agentproto.StatusFailed
					}
					for range 2 {
						if err := cmds.Result(f.ctx, node, agentproto.ResultRequest{CommandID: m.CommandID, Status: status,
							Steps: []agentproto.StepResult{{Name: "aws:runShellScript", Status: status, Stdout: node}}}); err != nil {
							errs <- err
						}
					}
					return
				}
			}
		}(nd.id, i%10 == 3)
	}
	c, err := cmds.SendCommand(f.ctx, ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", MaxConcurrency: "100%", MaxErrors: "100%",
		Targets: []ssm.Target{{Key: "tag:env", Values: []string{"test"}}}, Parameters: map[string][]string{"commands": {"echo ok"}}})
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := cmds.ListCommands(f.ctx, ssm.ListCommandsInput{CommandID: c.CommandID})
	if err != nil {
		t.Fatal(err)
	}
	k := got.Commands[0].Counters
	if k.Completed != n || k.Success != n-n/10 || k.Failed != n/10 || k.Acked != n || k.InFlight != 0 ||
		got.Commands[0].Status != ssm.CmdFailed || got.Commands[0].StatusDetails != ssm.DetailIncomplete {
		t.Fatalf("command %s/%s counters %+v", got.Commands[0].Status, got.Commands[0].StatusDetails, k)
	}
	entries, err := f.db.ReadOutbox(f.ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 + 2*n; len(entries) != want { // Pending, InProgress, Failed + InProgress and a result per node
		t.Errorf("%d events, want %d", len(entries), want)
	}
}
