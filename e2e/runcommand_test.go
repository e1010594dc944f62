package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

// TestSendCommandWithEveryClient: the acceptance story — send-command with
// AWS-RunShellScript to a real agent, then get-command-invocation shows the
// real output; with aws-sdk-go-v2, the pip CLI v1 and Debian's CLI 2.9.
func TestSendCommandWithEveryClient(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, p.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)
	want, _ := os.Hostname()

	// aws-sdk-go-v2
	cmd := send(t, c, &ssm.SendCommandInput{Targets: []types.Target{{Key: aws.String("InstanceIds"), Values: []string{agent.NodeID}}}}, "uname -a", "hostname")
	if got := waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute); got.Status != types.CommandStatusSuccess {
		t.Fatalf("SDK command ended %s (%s)", got.Status, aws.ToString(got.StatusDetails))
	}
	inv := getInvocation(t, c, aws.ToString(cmd.CommandId), agent.NodeID)
	if !strings.Contains(aws.ToString(inv.StandardOutputContent), "Linux") || !strings.Contains(aws.ToString(inv.StandardOutputContent), want) || inv.ResponseCode != 0 {
		t.Fatalf("SDK invocation output %q code %d", aws.ToString(inv.StandardOutputContent), inv.ResponseCode)
	}

	// Both CLIs, exactly as the acceptance text types them, plus the waiter.
	srv := &servertest.Server{URL: p.URL, Region: p.Region, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey}
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		out, err := srv.CLI(t, bin, "ssm", "send-command", "--document-name", "AWS-RunShellScript",
			"--targets", "Key=InstanceIds,Values="+agent.NodeID, "--parameters", "commands='uname -a'")
		if err != nil {
			t.Fatalf("%s send-command: %v", bin, err)
		}
		var sc struct{ Command struct{ CommandId string } }
		if err := json.Unmarshal([]byte(out), &sc); err != nil || sc.Command.CommandId == "" {
			t.Fatalf("%s send-command output %q", bin, out)
		}
		if _, err := srv.CLI(t, bin, "ssm", "wait", "command-executed", "--command-id", sc.Command.CommandId, "--instance-id", agent.NodeID); err != nil {
			t.Fatalf("%s wait command-executed: %v", bin, err)
		}
		out, err = srv.CLI(t, bin, "ssm", "get-command-invocation", "--command-id", sc.Command.CommandId, "--instance-id", agent.NodeID)
		if err != nil {
			t.Fatalf("%s get-command-invocation: %v", bin, err)
		}
		var gi struct {
			Status, StandardOutputContent string
			ResponseCode                  int
		}
		if err := json.Unmarshal([]byte(out), &gi); err != nil || gi.Status != "Success" || !strings.Contains(gi.StandardOutputContent, "Linux") {
			t.Fatalf("%s get-command-invocation = %s", bin, out)
		}
	}
}

// TestTagTargeting sends by tag to a fleet of three agents.
func TestTagTargeting(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 3)
	web1 := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"role": "web", "env": "prod"})
	web2 := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"role": "web", "env": "dev"})
	db := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"role": "db", "env": "prod"})
	c := ssm.NewFromConfig(cfg)

	cases := []struct {
		targets []types.Target
		want    []string
	}{
		{[]types.Target{{Key: aws.String("tag:role"), Values: []string{"web"}}}, []string{web1.NodeID, web2.NodeID}},
		{[]types.Target{{Key: aws.String("tag:role"), Values: []string{"web", "db"}}, {Key: aws.String("tag:env"), Values: []string{"prod"}}}, []string{web1.NodeID, db.NodeID}},
		{[]types.Target{{Key: aws.String("tag-key"), Values: []string{"role"}}}, []string{web1.NodeID, web2.NodeID, db.NodeID}},
	}
	for i, tc := range cases {
		cmd := send(t, c, &ssm.SendCommandInput{Targets: tc.targets}, "echo targeted")
		got := waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute)
		var nodes []string
		for n, inv := range invocations(t, c, aws.ToString(cmd.CommandId)) {
			nodes = append(nodes, n)
			if inv.Status != types.CommandInvocationStatusSuccess {
				t.Errorf("case %d: %s %s", i, n, inv.Status)
			}
		}
		sort.Strings(nodes)
		want := append([]string(nil), tc.want...)
		sort.Strings(want)
		if strings.Join(nodes, ",") != strings.Join(want, ",") || got.TargetCount != int32(len(want)) || got.Status != types.CommandStatusSuccess {
			t.Errorf("case %d: nodes %v (target count %d, %s), want %v", i, nodes, got.TargetCount, got.Status, want)
		}
	}

	// A tag nobody has: no invocations, and the command says so.
	cmd := send(t, c, &ssm.SendCommandInput{Targets: []types.Target{{Key: aws.String("tag:role"), Values: []string{"nobody"}}}}, "echo x")
	got := waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute)
	if got.TargetCount != 0 || len(invocations(t, c, aws.ToString(cmd.CommandId))) != 0 {
		t.Errorf("no-match command: %+v", got)
	}
}

// TestRateControl checks MaxConcurrency and MaxErrors against four agents.
func TestRateControl(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 4)
	for i := 0; i < 4; i++ {
		servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"group": "rc"})
	}
	c := ssm.NewFromConfig(cfg)
	fleet := []types.Target{{Key: aws.String("tag:group"), Values: []string{"rc"}}}

	// MaxConcurrency 1: runs never overlap. Each run appends "start"/"end"
	// lines to one file; with one at a time they strictly alternate.
	log := filepath.Join(t.TempDir(), "runs.log")
	cmd := send(t, c, &ssm.SendCommandInput{Targets: fleet, MaxConcurrency: aws.String("1")},
		"echo start >> "+log, "sleep 0.3", "echo end >> "+log)
	if got := waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute); got.Status != types.CommandStatusSuccess || got.CompletedCount != 4 {
		t.Fatalf("MaxConcurrency 1: %s completed %d", got.Status, got.CompletedCount)
	}
	raw, _ := os.ReadFile(log)
	if strings.TrimSpace(string(raw)) != strings.TrimSpace(strings.Repeat("start\nend\n", 4)) {
		t.Fatalf("MaxConcurrency 1 runs overlapped:\n%s", raw)
	}

	// MaxErrors with a failing script, one node at a time: the run stops after
	// MaxErrors+1 failures and the rest are left Terminated.
	for _, tc := range []struct {
		maxErrors  string
		failed     int
		terminated int
	}{{"0", 1, 3}, {"1", 2, 2}, {"25%", 2, 2}, {"100%", 4, 0}} {
		cmd := send(t, c, &ssm.SendCommandInput{Targets: fleet, MaxConcurrency: aws.String("1"), MaxErrors: aws.String(tc.maxErrors)}, "exit 3")
		got := waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute)
		failed, terminated := 0, 0
		for _, inv := range invocations(t, c, aws.ToString(cmd.CommandId)) {
			switch {
			case inv.Status == types.CommandInvocationStatusFailed:
				failed++
			case aws.ToString(inv.StatusDetails) == "Terminated":
				terminated++
			}
		}
		if failed != tc.failed || terminated != tc.terminated || got.Status != types.CommandStatusFailed || got.ErrorCount != int32(tc.failed) {
			t.Errorf("MaxErrors %s: failed %d terminated %d, command %s errors %d; want failed %d terminated %d, Failed",
				tc.maxErrors, failed, terminated, got.Status, got.ErrorCount, tc.failed, tc.terminated)
		}
	}
}

// TestOfflineNode: a command to a stopped agent waits and runs when the agent
// returns; one whose delivery deadline passes first ends DeliveryTimedOut.
func TestOfflineNode(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, p.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)
	agent.Stop()

	late := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}, TimeoutSeconds: aws.Int32(600)}, "echo delivered late")
	expiring := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}, TimeoutSeconds: aws.Int32(30),
		Parameters: map[string][]string{"executionTimeout": {"1"}}}, "echo never")
	servertest.WaitFor(t, 90*time.Second, "the delivery deadline", func() bool {
		inv := invocations(t, c, aws.ToString(expiring.CommandId))[agent.NodeID]
		return terminal(inv.Status)
	})
	inv := invocations(t, c, aws.ToString(expiring.CommandId))[agent.NodeID]
	if inv.Status != types.CommandInvocationStatusTimedOut || aws.ToString(inv.StatusDetails) != "DeliveryTimedOut" {
		t.Fatalf("expired invocation: %s / %s", inv.Status, aws.ToString(inv.StatusDetails))
	}
	if st := invocations(t, c, aws.ToString(late.CommandId))[agent.NodeID].Status; terminal(st) {
		t.Fatalf("late command already %s while the node is offline", st)
	}

	agent.Start()
	if got := waitCommand(t, c, aws.ToString(late.CommandId), time.Minute); got.Status != types.CommandStatusSuccess {
		t.Fatalf("late command ended %s", got.Status)
	}
	if out := aws.ToString(getInvocation(t, c, aws.ToString(late.CommandId), agent.NodeID).StandardOutputContent); !strings.Contains(out, "delivered late") {
		t.Fatalf("late command output %q", out)
	}
	if got := waitCommand(t, c, aws.ToString(expiring.CommandId), time.Minute); got.Status != types.CommandStatusTimedOut {
		t.Fatalf("expired command status %s", got.Status)
	}
}

// TestTimeoutAndCancelKillTheProcessTree: an execution timeout kills `sleep`;
// CancelCommand kills a running process tree, grandchildren included.
func TestTimeoutAndCancelKillTheProcessTree(t *testing.T) {
	t.Parallel()
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, 1)
	agent := servertest.StartAgent(t, p.URL, cfg, id, code, nil)
	c := ssm.NewFromConfig(cfg)

	marker := uniqueSleep(1)
	cmd := send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}, Parameters: map[string][]string{"executionTimeout": {"5"}}}, "sleep "+marker) // the agent floors timeouts at 5 s
	got := waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute)
	inv := invocations(t, c, aws.ToString(cmd.CommandId))[agent.NodeID]
	if got.Status != types.CommandStatusTimedOut || inv.Status != types.CommandInvocationStatusTimedOut || aws.ToString(inv.StatusDetails) != "ExecutionTimedOut" {
		t.Fatalf("timeout: command %s, invocation %s/%s", got.Status, inv.Status, aws.ToString(inv.StatusDetails))
	}
	servertest.WaitFor(t, 10*time.Second, "the timed-out sleep to be gone", func() bool { return processGone("sleep " + marker) })

	child, grandchild := uniqueSleep(2), uniqueSleep(3)
	cmd = send(t, c, &ssm.SendCommandInput{InstanceIds: []string{agent.NodeID}}, "(sleep "+grandchild+" &)", "sleep "+child)
	servertest.WaitFor(t, 30*time.Second, "the process tree to start", func() bool { return !processGone("sleep "+child) && !processGone("sleep "+grandchild) })
	if _, err := c.CancelCommand(context.Background(), &ssm.CancelCommandInput{CommandId: cmd.CommandId}); err != nil {
		t.Fatal(err)
	}
	got = waitCommand(t, c, aws.ToString(cmd.CommandId), time.Minute)
	if got.Status != types.CommandStatusCancelled {
		t.Fatalf("cancelled command status %s", got.Status)
	}
	servertest.WaitFor(t, 10*time.Second, "the cancelled tree to be gone", func() bool {
		return processGone("sleep "+child) && processGone("sleep "+grandchild)
	})
}
