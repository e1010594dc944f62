package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A metrics config that does not parse keeps the agent from starting (exit
// 78, the unit does not restart), from the flag or from config.json.
func TestRunRefusesBadMetricsConfig(t *testing.T) {
	c := newChannel(t)
	state := t.TempDir()
	if code, _, errOut := runCLI("register", "--server", c.srv.URL, "--id", "act", "--code", "c", "--state", state); code != exitOK {
		t.Fatal(errOut)
	}
	bad := filepath.Join(t.TempDir(), "cwagent.json")
	os.WriteFile(bad, []byte(`{"metrics": {"metrics_collected": {"procstat": [{"pattern": "nginx(", "measurement": ["pid_count"]}]}}}`), 0o600)
	if code, _, errOut := runCLI("run", "--state", state, "--metrics-config", bad); code != exitNotReady || !strings.Contains(errOut, "not a regular expression") {
		t.Fatalf("bad metrics config: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI("run", "--state", state, "--metrics-config", filepath.Join(state, "missing.json")); code != exitNotReady || !strings.Contains(errOut, "missing.json") {
		t.Fatalf("missing metrics config: %d %q", code, errOut)
	}
	os.WriteFile(filepath.Join(state, "config.json"), []byte(`{"metricsConfig": "nope.json"}`), 0o600)
	if code, _, errOut := runCLI("run", "--state", state); code != exitNotReady || !strings.Contains(errOut, filepath.Join(state, "nope.json")) {
		t.Fatalf("metricsConfig relative to the state directory: %d %q", code, errOut)
	}
}

// TestIdleRSSWithMetrics is TestIdleRSS with every plugin collecting each
// second (the fake channel takes the batches):
//
//	go test -run TestIdleRSSWithMetrics -v ./cmd/steward-agent
func TestIdleRSSWithMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the agent binary")
	}
	bin := filepath.Join(t.TempDir(), "steward-agent")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := newChannel(t)
	state := t.TempDir()
	if out, err := exec.Command(bin, "register", "--server", c.srv.URL, "--id", "act", "--code", "c", "--state", state).CombinedOutput(); err != nil {
		t.Fatalf("register: %v\n%s", err, out)
	}
	cfg := filepath.Join(state, "cwagent.json")
	os.WriteFile(cfg, []byte(`{"agent": {"metrics_collection_interval": 1}, "metrics": {"force_flush_interval": 1,
	  "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
	  "metrics_collected": {
	    "procstat": [{"pattern": "sleep", "measurement": ["pid_count", "cpu_usage", "memory_rss"]}, {"exe": "sh", "measurement": ["pid_count"]}],
	    "cpu": {"measurement": ["usage_active", "usage_idle", "usage_user", "usage_system"], "resources": ["*"]},
	    "mem": {"measurement": ["used_percent", "available_percent"]},
	    "disk": {"measurement": ["used_percent"]}}}}`), 0o600)
	cmd := exec.Command(bin, "run", "--state", state, "--metrics-config", cfg)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			exited <- err
			return err
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			return <-exited
		}
	}
	t.Cleanup(func() { stop() })
	c.waitPolls(t, 40) // ~4 s: four collections and flushes
	status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var rssKB int
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rssKB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	t.Logf("steward-agent RSS collecting every second: %.1f MB (%d kB)", float64(rssKB)/1024, rssKB)
	if err := stop(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if rssKB <= 0 || rssKB > 20<<10 {
		t.Fatalf("RSS %d kB, want at most 20 MB\n%s", rssKB, logs.String())
	}
	if strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("agent log:\n%s", logs.String())
	}
}
