package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// latest returns the newest datapoint of a metric over the last minutes at
// the given period, and whether there is one.
func latest(t *testing.T, cw *cloudwatch.Client, ns, name string, dims []cwtypes.Dimension, period int32) (cwtypes.Datapoint, bool) {
	t.Helper()
	now := time.Now()
	out, err := cw.GetMetricStatistics(context.Background(), &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String(ns), MetricName: aws.String(name), Dimensions: dims,
		StartTime: aws.Time(now.Add(-3 * time.Minute)), EndTime: aws.Time(now.Add(time.Minute)),
		Period: aws.Int32(period), Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum, cwtypes.StatisticMinimum},
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics %s %s: %v", ns, name, err)
	}
	if len(out.Datapoints) == 0 {
		return cwtypes.Datapoint{}, false
	}
	return slices.MaxFunc(out.Datapoints, func(a, b cwtypes.Datapoint) int { return aws.ToTime(a.Timestamp).Compare(aws.ToTime(b.Timestamp)) }), true
}

// TestAgentMetricsProcstatAndHealth: a real steward-agent with a CloudWatch
// agent config (procstat pattern of a process the test runs, 1 s interval)
// publishes CWAgent procstat_lookup_pid_count with dimensions InstanceId,
// pattern and pid_finder: 1 while the process runs, 0 after it is killed.
// A round of the node health metric gives AWS/EC2 StatusCheckFailed_System
// 0 for the running node and 1 for a registered node that never connected.
func TestAgentMetricsProcstatAndHealth(t *testing.T) {
	t.Parallel()
	// The server's clock is the wall clock until the health round, which
	// runs 30 s later (beyond agentproto.ConnectionLostAfter) without
	// waiting for it.
	clock := steward.NewFakeClock(time.Now())
	stopClock, clockDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(clockDone)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopClock:
				return
			case now := <-tick.C:
				if clock.Now().Before(now) {
					clock.Set(now)
				}
			}
		}
	}()
	var stopOnce sync.Once
	freeze := func() { stopOnce.Do(func() { close(stopClock); <-clockDone }) }
	t.Cleanup(freeze)
	srv := servertest.Start(t, func(c *server.Config) { c.Clock = clock })
	cfg := srv.AWSConfig()
	ctx := context.Background()
	cw := cloudwatch.NewFromConfig(cfg)

	arg := uniqueSleep(7)
	proc := exec.Command("sleep", arg)
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			proc.Process.Kill()
			proc.Wait()
		}
	}
	t.Cleanup(kill)
	pattern := "sleep " + regexp.QuoteMeta(arg)

	id, code := servertest.Activation(t, cfg, 2)
	agent := servertest.RegisterAgent(t, srv.URL, cfg, id, code)
	silent := servertest.RegisterAgent(t, srv.URL, cfg, id, code) // registered, never run
	metricsConfig := map[string]any{
		"agent": map[string]any{"metrics_collection_interval": 1},
		"metrics": map[string]any{
			"force_flush_interval": 1,
			"append_dimensions":    map[string]string{"InstanceId": "${aws:InstanceId}"},
			"metrics_collected": map[string]any{
				"procstat": []any{map[string]any{"pattern": pattern, "measurement": []string{"pid_count"}}},
			},
		},
	}
	raw, _ := json.Marshal(metricsConfig)
	if err := os.WriteFile(filepath.Join(agent.StateDir, "cwagent.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(agent.StateDir, "config.json"), []byte(`{"metricsConfig": "cwagent.json"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	agent.Start()

	dims := []cwtypes.Dimension{
		{Name: aws.String("InstanceId"), Value: aws.String(agent.NodeID)},
		{Name: aws.String("pattern"), Value: aws.String(pattern)},
		{Name: aws.String("pid_finder"), Value: aws.String("native")},
	}
	servertest.WaitFor(t, 60*time.Second, "procstat_lookup_pid_count 1", func() bool {
		p, ok := latest(t, cw, "CWAgent", "procstat_lookup_pid_count", dims, 1)
		return ok && aws.ToFloat64(p.Maximum) == 1
	})
	list, err := cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("CWAgent")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Metrics) != 1 || aws.ToString(list.Metrics[0].MetricName) != "procstat_lookup_pid_count" || len(list.Metrics[0].Dimensions) != 3 {
		raw, _ := json.Marshal(list.Metrics)
		t.Fatalf("ListMetrics CWAgent: %s (want one metric with InstanceId, pattern, pid_finder and no host)", raw)
	}

	kill()
	servertest.WaitFor(t, 60*time.Second, "procstat_lookup_pid_count 0", func() bool {
		p, ok := latest(t, cw, "CWAgent", "procstat_lookup_pid_count", dims, 1)
		return ok && aws.ToFloat64(p.Maximum) == 0
	})

	// The health metric: one round, driven by the test, 30 s on: the
	// running agent is Online again, the silent node (Online at its
	// registration) ConnectionLost.
	freeze()
	clock.Advance(30 * time.Second)
	c := ssm.NewFromConfig(cfg)
	servertest.WaitFor(t, 30*time.Second, "the agent Online and the silent node ConnectionLost", func() bool {
		st, _ := pingStatus(t, c, agent.NodeID)
		lost, _ := pingStatus(t, c, silent.NodeID)
		return st == types.PingStatusOnline && lost == types.PingStatusConnectionLost
	})
	if err := srv.PublishNodeHealth(ctx); err != nil {
		t.Fatal(err)
	}
	for node, want := range map[string]float64{agent.NodeID: 0, silent.NodeID: 1} {
		for _, name := range []string{"StatusCheckFailed_System", "StatusCheckFailed_Instance", "StatusCheckFailed"} {
			p, ok := latest(t, cw, "AWS/EC2", name, []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(node)}}, 60)
			if !ok || aws.ToFloat64(p.Maximum) != want || p.Unit != cwtypes.StandardUnitCount {
				t.Errorf("AWS/EC2 %s %s: %+v (found %v), want %v", name, node, p, ok, want)
			}
		}
	}
}
