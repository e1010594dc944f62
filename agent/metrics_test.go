package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// collectOnce builds the runner of config and runs one round of every
// collector at at.
func collectOnce(t *testing.T, m *metricsRunner, at time.Time) []agentproto.MetricDatum {
	t.Helper()
	for _, c := range m.cols {
		c.next = at
	}
	m.collectDue(at)
	return m.buf.take(1 << 30)
}

func runnerFor(t *testing.T, config string) *metricsRunner {
	t.Helper()
	cfg, err := ParseMetricsConfig([]byte(config), "test-host")
	if err != nil {
		t.Fatal(err)
	}
	return newMetricsRunner(cfg, testNodeID, &metricsSender{buf: newMetricsBuffer(metricsBufferMax)})
}

func find(data []agentproto.MetricDatum, name string) []agentproto.MetricDatum {
	var out []agentproto.MetricDatum
	for _, d := range data {
		if d.MetricName == name {
			out = append(out, d)
		}
	}
	return out
}

func dimMap(d agentproto.MetricDatum) map[string]string {
	m := map[string]string{}
	for _, dim := range d.Dimensions {
		m[dim.Name] = dim.Value
	}
	return m
}

// startSleep runs sleep with a unique argument; the returned stop kills
// and reaps it.
func startSleep(t *testing.T) (arg string, pid int, stop func()) {
	t.Helper()
	arg = fmt.Sprintf("%d.%06d", 3000+os.Getpid()%1000, time.Now().Nanosecond()/1000)
	cmd := exec.Command("sleep", arg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	t.Cleanup(stop)
	return arg, cmd.Process.Pid, stop
}

func TestProcstatFindsRealProcesses(t *testing.T) {
	arg, pid, stop := startSleep(t)
	pidFile := filepath.Join(t.TempDir(), "sleep.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pattern := `sleep ` + regexp.QuoteMeta(arg)
	jsonPattern, _ := json.Marshal(pattern)
	m := runnerFor(t, `{"agent": {"metrics_collection_interval": 1},
	  "metrics": {"append_dimensions": {"InstanceId": "${aws:InstanceId}"}, "metrics_collected": {"procstat": [
	    {"pattern": `+string(jsonPattern)+`, "measurement": ["pid_count", "pid", "memory_rss", "cpu_usage"]},
	    {"exe": "^sleep$", "measurement": ["pid_count"]},
	    {"pid_file": "`+pidFile+`", "measurement": ["procstat_pid_count"]}
	  ]}}}`)
	at := time.Now().Truncate(time.Second)
	data := collectOnce(t, m, at)

	counts := find(data, "procstat_lookup_pid_count")
	if len(counts) != 3 {
		t.Fatalf("pid counts: %+v", counts)
	}
	byPattern := counts[0]
	if byPattern.Value != 1 || byPattern.Unit != "Count" || byPattern.StorageResolution != 1 || !byPattern.Timestamp.Equal(at) {
		t.Fatalf("pattern count: %+v", byPattern)
	}
	want := map[string]string{"pattern": pattern, "pid_finder": "native", "InstanceId": testNodeID}
	if got := dimMap(byPattern); len(got) != 3 || got["pattern"] != want["pattern"] || got["pid_finder"] != "native" || got["InstanceId"] != testNodeID {
		t.Fatalf("dimensions %v, want %v (no host: append_dimensions drops it)", got, want)
	}
	if counts[1].Value < 1 || dimMap(counts[1])["exe"] != "^sleep$" {
		t.Fatalf("exe count: %+v", counts[1])
	}
	if counts[2].Value != 1 || dimMap(counts[2])["pidfile"] != pidFile {
		t.Fatalf("pid_file count: %+v", counts[2])
	}
	if p := find(data, "procstat_pid"); len(p) != 1 || p[0].Value != float64(pid) {
		t.Fatalf("procstat_pid: %+v", p)
	}
	if rss := find(data, "procstat_memory_rss"); len(rss) != 1 || rss[0].Value <= 0 || rss[0].Unit != "Bytes" {
		t.Fatalf("procstat_memory_rss: %+v", rss)
	}
	if cpu := find(data, "procstat_cpu_usage"); len(cpu) != 0 {
		t.Fatalf("cpu_usage needs two rounds: %+v", cpu)
	}
	data = collectOnce(t, m, at.Add(time.Second))
	if cpu := find(data, "procstat_cpu_usage"); len(cpu) != 1 || cpu[0].Value < 0 || cpu[0].Unit != "Percent" {
		t.Fatalf("procstat_cpu_usage: %+v", cpu)
	}

	stop()
	data = collectOnce(t, m, at.Add(2*time.Second))
	counts = find(data, "procstat_lookup_pid_count")
	if len(counts) != 3 || counts[0].Value != 0 || counts[2].Value != 0 {
		t.Fatalf("after kill: %+v", counts)
	}
	if p := find(data, "procstat_pid"); len(p) != 0 {
		t.Fatalf("procstat_pid of a dead process: %+v", p)
	}
}

func TestSystemCollectors(t *testing.T) {
	m := runnerFor(t, `{"agent": {"metrics_collection_interval": 60}, "metrics": {"metrics_collected": {
	  "cpu": {"measurement": ["usage_active", "usage_idle", "usage_user", "usage_system"], "totalcpu": true},
	  "mem": {"measurement": ["used_percent", "available_percent", "total"]},
	  "disk": {"measurement": ["used_percent", "total"], "resources": ["/"]}
	}}}`)
	at := time.Now().Truncate(time.Minute)
	first := collectOnce(t, m, at)
	if len(find(first, "cpu_usage_idle")) != 0 {
		t.Fatal("cpu usage needs two rounds")
	}
	// Burn a little CPU so the second /proc/stat differs.
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	data := collectOnce(t, m, at.Add(time.Minute))
	idle := find(data, "cpu_usage_idle")
	if len(idle) != 1 || idle[0].Unit != "Percent" || idle[0].StorageResolution != 0 {
		t.Fatalf("cpu_usage_idle: %+v", idle)
	}
	if d := dimMap(idle[0]); d["cpu"] != "cpu-total" || d["host"] != "test-host" || len(d) != 2 {
		t.Fatalf("cpu dimensions: %v", d)
	}
	active := find(data, "cpu_usage_active")
	if len(active) != 1 || active[0].Value+idle[0].Value < 99.9 || active[0].Value+idle[0].Value > 100.1 {
		t.Fatalf("active %+v + idle %+v != 100", active, idle)
	}
	used := find(data, "mem_used_percent")
	if len(used) != 1 || used[0].Value <= 0 || used[0].Value > 100 || dimMap(used[0])["host"] != "test-host" {
		t.Fatalf("mem_used_percent: %+v", used)
	}
	if total := find(data, "mem_total"); len(total) != 1 || total[0].Value <= 0 || total[0].Unit != "Bytes" {
		t.Fatalf("mem_total: %+v", total)
	}
	disk := find(data, "disk_used_percent")
	if len(disk) != 1 {
		t.Skipf("no disk data for / (a file system without blocks?): %+v", data)
	}
	if d := dimMap(disk[0]); d["path"] != "/" || d["fstype"] == "" || d["device"] == "" || d["host"] != "test-host" {
		t.Fatalf("disk dimensions: %v", d)
	}
}

func TestMetricsBufferBounded(t *testing.T) {
	b := newMetricsBuffer(2500)
	batch := func(from, n int) []agentproto.MetricDatum {
		out := make([]agentproto.MetricDatum, n)
		for i := range out {
			out[i] = agentproto.MetricDatum{MetricName: "m", Value: float64(from + i)}
		}
		return out
	}
	b.add(batch(0, 1500))
	select {
	case <-b.ready:
	default:
		t.Fatal("a full batch did not signal")
	}
	b.add(batch(1500, 1500)) // 3000 > 2500: the 500 oldest go
	if b.len() != 2500 || b.takeDropped() != 500 || b.takeDropped() != 0 {
		t.Fatalf("len %d", b.len())
	}
	first := b.take(1 << 30)
	if len(first) != agentproto.MaxMetricData || first[0].Value != 500 {
		t.Fatalf("first batch: %d data from %v", len(first), first[0].Value)
	}
	// The size bound splits batches of big data.
	small := b.take(10 * datumSize(&first[0]))
	if len(small) != 10 || small[0].Value != 1500 {
		t.Fatalf("size-bounded batch: %d", len(small))
	}
	if rest := b.take(1 << 30); len(rest) != 1000 || b.len() != 490 {
		t.Fatalf("rest: %d", len(rest))
	}
	if rest := b.take(1 << 30); len(rest) != 490 || b.len() != 0 || b.take(1<<30) != nil {
		t.Fatalf("rest: %d", len(rest))
	}
}

func TestMetricsSender(t *testing.T) {
	var mu sync.Mutex
	var answers []error
	var got []agentproto.MetricsRequest
	var fatalErr error
	s := &metricsSender{
		namespace: "CWAgent", buf: newMetricsBuffer(metricsBufferMax), log: slog.New(slog.DiscardHandler), now: time.Now,
		bo: backoff{min: time.Millisecond, max: 2 * time.Millisecond},
		send: func(_ context.Context, req agentproto.MetricsRequest) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, req)
			if len(answers) == 0 {
				return nil
			}
			err := answers[0]
			answers = answers[1:]
			return err
		},
		fatal: func(err error) { fatalErr = err },
	}
	data := func(n int) []agentproto.MetricDatum {
		return slices.Repeat([]agentproto.MetricDatum{{MetricName: "procstat_lookup_pid_count", Value: 1}}, n)
	}
	ctx := context.Background()

	// Two 503s and a network error are retried; 2,500 data go in three batches.
	answers = []error{&ServerError{StatusCode: http.StatusServiceUnavailable}, fmt.Errorf("connection refused"), &ServerError{StatusCode: 502}}
	s.buf.add(data(2500))
	s.flush(ctx)
	if len(got) != 6 || len(got[3].Data) != 1000 || len(got[4].Data) != 1000 || len(got[5].Data) != 500 || got[5].Namespace != "CWAgent" {
		t.Fatalf("requests: %d", len(got))
	}

	// A 400 drops the batch, and the next one goes.
	got = nil
	answers = []error{&ServerError{StatusCode: 400, Code: agentproto.CodeBadRequest, Message: "InvalidParameterValueException: bad"}}
	s.buf.add(data(1500))
	s.flush(ctx)
	if len(got) != 2 || s.buf.len() != 0 {
		t.Fatalf("after 400: %d requests", len(got))
	}

	// A server without the endpoint: nothing more is sent for a while.
	got = nil
	answers = []error{&ServerError{StatusCode: 404, Code: agentproto.CodeNotFound}}
	s.buf.add(data(1500))
	s.flush(ctx)
	s.buf.add(data(10))
	s.flush(ctx)
	if len(got) != 1 || s.buf.len() != 0 {
		t.Fatalf("after 404: %d requests", len(got))
	}
	s.unsupportedUntil = time.Time{}

	// 401: the node is refused; the agent stops.
	answers = []error{&ServerError{StatusCode: 401, Code: agentproto.CodeUnauthorized}}
	s.buf.add(data(1))
	s.flush(ctx)
	if fatalErr == nil {
		t.Fatal("401 was not fatal")
	}

	// A cancelled context ends the retries.
	cctx, cancel := context.WithCancel(ctx)
	answers = slices.Repeat([]error{&ServerError{StatusCode: 503}}, 1000)
	s.buf.add(data(1))
	done := make(chan struct{})
	go func() { s.flush(cctx); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("flush did not stop with its context")
	}
}
