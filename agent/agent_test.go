package agent

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// wait waits for Run to return on its own.
func (ta *testAgent) wait(t *testing.T) error {
	t.Helper()
	select {
	case ta.err = <-ta.done:
		ta.stopped = true
		return ta.err
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

func TestRegisterAndIdentity(t *testing.T) {
	f := newFakeServer(t)
	dir := filepath.Join(t.TempDir(), "state")
	id := f.registerNode(t, dir)
	if id.NodeID != testNodeID || id.Region != "eu-west-1" || id.ServerURL != f.URL() {
		t.Fatalf("identity %v", id)
	}
	fi, err := os.Stat(filepath.Join(dir, "identity.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity.json: %v %v", fi.Mode(), err)
	}
	if di, _ := os.Stat(dir); di.Mode().Perm() != 0o700 {
		t.Fatalf("state dir mode %v", di.Mode().Perm())
	}
	loaded, err := LoadIdentity(dir)
	if err != nil || !loaded.PrivateKey.Equal(id.PrivateKey) || loaded.NodeID != id.NodeID {
		t.Fatalf("LoadIdentity = %v, %v", loaded, err)
	}
	// The key never prints.
	seed := string(id.PrivateKey.Seed())
	b, _ := json.Marshal(id)
	for _, s := range []string{id.String(), string(b)} {
		if strings.Contains(s, seed) || strings.Contains(s, "privateKey\":\"") {
			t.Fatalf("identity printed its key: %s", s)
		}
	}
	if _, err := LoadIdentity(t.TempDir()); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("LoadIdentity(empty) = %v", err)
	}
}

func TestRegisterRefusals(t *testing.T) {
	f := newFakeServer(t)
	for activation, code := range map[string]string{
		"expired": agentproto.CodeActivationExpired,
		"full":    agentproto.CodeActivationLimit,
		"nope":    agentproto.CodeInvalidActivation,
	} {
		_, err := Register(context.Background(), RegisterConfig{ServerURL: f.URL(), ActivationID: activation, ActivationCode: "code-1"})
		var se *ServerError
		if !errors.As(err, &se) || se.Code != code {
			t.Errorf("activation %s: %v, want code %s", activation, err, code)
		}
	}
}

func TestCommandRunsAndStreams(t *testing.T) {
	f := newFakeServer(t)
	ta := startAgent(t, f, t.TempDir(), nil)
	f.offer(command("c1", shell("hello", "echo hello", "echo warn >&2")))
	res := f.result("c1")
	if res.Status != agentproto.StatusSuccess || res.ResponseCode != 0 || len(res.Steps) != 1 {
		t.Fatalf("result %+v", res)
	}
	st := res.Steps[0]
	if st.Status != agentproto.StatusSuccess || st.Name != "hello" || st.Action != "aws:runShellScript" || st.StartTime.IsZero() || st.EndTime.Before(st.StartTime) {
		t.Fatalf("step %+v", st)
	}
	if got := f.output("c1", "hello", "stdout"); got != "hello\n" {
		t.Fatalf("stdout %q", got)
	}
	if got := f.output("c1", "hello", "stderr"); got != "warn\n" {
		t.Fatalf("stderr %q", got)
	}
	// Full output and the result are kept in the state directory.
	cdir := filepath.Join(ta.dir, "commands", "c1")
	if b, _ := os.ReadFile(filepath.Join(cdir, "hello", "stdout")); string(b) != "hello\n" {
		t.Fatalf("stored stdout %q", b)
	}
	var stored agentproto.ResultRequest
	if err := readJSONFile(filepath.Join(cdir, "result.json"), &stored); err != nil || stored.Status != agentproto.StatusSuccess {
		t.Fatalf("result.json %+v %v", stored, err)
	}
	f.waitFor("state delivered", func() bool {
		st, err := ta.st.loadState(cdir)
		return err == nil && st.Phase == phaseDelivered
	})
	f.mu.Lock()
	beats, acks := f.beats, f.acks["c1"]
	f.mu.Unlock()
	if beats < 1 || acks != 1 {
		t.Fatalf("heartbeats %d, acks %d", beats, acks)
	}
	f.noFailures(t)
}

func TestExitCodesAndStepFlow(t *testing.T) {
	f := newFakeServer(t)
	startAgent(t, f, t.TempDir(), nil)
	linux := `{"StringEquals": ["platformType", "Linux"]}`
	cases := []struct {
		name       string
		steps      []agentproto.Step
		status     string
		code       int
		stepStatus []string
		stepCodes  []int
	}{
		{"success, skipped precondition, failure, 168, finally", []agentproto.Step{
			withPrecondition(shell("one", "echo one"), linux),
			withPrecondition(shell("win", "echo never"), `{"StringEquals": ["WINDOWS", "platformType"]}`),
			shell("fail", "exit 1"),
			shell("stop", "echo gone >&2", "exit 168"),
			shell("after", "echo never"),
			withInputs(shell("finally", "echo finally"), map[string]any{"finallyStep": true}),
		}, agentproto.StatusFailed, 1,
			[]string{"Success", "Skipped", "Failed", "Success", "Skipped", "Success"}, []int{0, 0, 1, 168, 0, 0}},
		{"169 fails and stops", []agentproto.Step{shell("a", "exit 169"), shell("b", "echo never")},
			agentproto.StatusFailed, 169, []string{"Failed", "Skipped"}, []int{169, 0}},
		{"other exit code", []agentproto.Step{shell("a", "exit 3"), shell("b", "echo still runs")},
			agentproto.StatusFailed, 1, []string{"Failed", "Success"}, []int{3, 0}},
		{"onFailure exit", []agentproto.Step{withInputs(shell("a", "exit 2"), map[string]any{"onFailure": "exit"}), shell("b", "echo never")},
			agentproto.StatusFailed, 2, []string{"Failed", "Skipped"}, []int{2, 0}},
		{"onFailure successAndExit", []agentproto.Step{withInputs(shell("a", "exit 2"), map[string]any{"onFailure": "successAndExit"}), shell("b", "echo never")},
			agentproto.StatusSuccess, 2, []string{"Success", "Skipped"}, []int{2, 0}},
		{"onSuccess exit", []agentproto.Step{withInputs(shell("a", "true"), map[string]any{"onSuccess": "exit"}), shell("b", "echo never")},
			agentproto.StatusSuccess, 0, []string{"Success", "Skipped"}, []int{0, 0}},
		{"194 reboot requested, not rebooted", []agentproto.Step{shell("a", "exit 194")},
			agentproto.StatusSuccess, 194, []string{"Success"}, []int{194}},
		{"137 is a timeout", []agentproto.Step{shell("a", "kill -9 $$")},
			agentproto.StatusTimedOut, 137, []string{"TimedOut"}, []int{137}},
		{"unknown precondition operator", []agentproto.Step{withPrecondition(shell("a", "echo x"), `{"StringLike": ["platformType", "Linux"]}`)},
			agentproto.StatusFailed, 1, []string{"Failed"}, []int{1}},
		{"unknown plugin", []agentproto.Step{{Name: "p", Action: "aws:configurePackage", Inputs: json.RawMessage(`{}`)}},
			agentproto.StatusFailed, 1, []string{"Failed"}, []int{1}},
		{"all skipped", []agentproto.Step{withPrecondition(shell("a", "echo x"), `{"StringEquals": ["platformType", "MacOS"]}`)},
			agentproto.StatusSuccess, 0, []string{"Skipped"}, []int{0}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := "flow-" + strconv.Itoa(i)
			f.offer(command(id, tc.steps...))
			res := f.result(id)
			var statuses []string
			var codes []int
			for _, s := range res.Steps {
				statuses, codes = append(statuses, s.Status), append(codes, s.ResponseCode)
			}
			if res.Status != tc.status || res.ResponseCode != tc.code || !slices.Equal(statuses, tc.stepStatus) || !slices.Equal(codes, tc.stepCodes) {
				t.Fatalf("got %s/%d %v %v, want %s/%d %v %v", res.Status, res.ResponseCode, statuses, codes, tc.status, tc.code, tc.stepStatus, tc.stepCodes)
			}
		})
	}
	// Details worth checking on the first and the reboot case.
	res := f.result("flow-0")
	if !strings.Contains(f.output("flow-0", "win", "stdout"), "preconditions") {
		t.Errorf("skipped step output %q does not mention the preconditions", f.output("flow-0", "win", "stdout"))
	}
	if res.Steps[3].Stderr != "" {
		t.Errorf("168: result stderr %q, want cleared", res.Steps[3].Stderr)
	}
	if !strings.Contains(f.output("flow-6", "a", "stdout"), "reboot") {
		t.Errorf("194 output %q does not mention the reboot", f.output("flow-6", "a", "stdout"))
	}
	if r := f.result("flow-7"); r.Steps[0].StatusDetails != "ExecutionTimedOut" {
		t.Errorf("137 details %q", r.Steps[0].StatusDetails)
	}
	if !strings.Contains(f.output("flow-9", "p", "stderr"), "not supported") {
		t.Errorf("unknown plugin stderr %q", f.output("flow-9", "p", "stderr"))
	}
	f.noFailures(t)
}

func TestUnsupportedSchemaAndPreconditionOn12(t *testing.T) {
	f := newFakeServer(t)
	startAgent(t, f, t.TempDir(), nil)
	m := command("schema", shell("a", "echo x"))
	m.Command.SchemaVersion = "3.0"
	f.offer(m)
	if res := f.result("schema"); res.Status != agentproto.StatusFailed || !strings.Contains(res.Steps[0].Stderr, "schema version 3.0") {
		t.Fatalf("result %+v", res)
	}
	m = command("pre12", withPrecondition(shell("a", "echo x"), `{"StringEquals": ["platformType", "Linux"]}`))
	m.Command.SchemaVersion = "1.2"
	f.offer(m)
	if res := f.result("pre12"); res.Status != agentproto.StatusFailed {
		t.Fatalf("result %+v", res)
	}
}

func TestAtLeastOnceDeliveryRunsOnce(t *testing.T) {
	f := newFakeServer(t)
	ta := startAgent(t, f, t.TempDir(), nil)
	marker := filepath.Join(t.TempDir(), "runs")
	gate := filepath.Join(t.TempDir(), "gate")
	msg := command("once", shell("s", "echo run >> "+marker, "while [ ! -e "+gate+" ]; do sleep 0.01; done"))

	f.offer(msg)
	f.waitFor("first ack", func() bool { return f.acks["once"] == 1 })
	// Offered again while running (the ack was "lost"): acked again, not run again.
	f.offer(msg)
	f.waitFor("second ack", func() bool { return f.acks["once"] == 2 })
	f.waitFor("a poll listing it as running", func() bool {
		return len(f.running) > 0 && slices.Contains(f.running[len(f.running)-1], "once")
	})
	os.WriteFile(gate, nil, 0o600)
	f.result("once")
	// Offered again after it finished.
	f.offer(msg)
	f.waitFor("third ack", func() bool { return f.acks["once"] == 3 })
	ta.shutdown(t)

	if b, _ := os.ReadFile(marker); string(b) != "run\n" {
		t.Fatalf("ran %q, want once", b)
	}
	f.mu.Lock()
	tries := f.resTries["once"]
	f.mu.Unlock()
	if tries != 1 {
		t.Fatalf("result sent %d times, want 1", tries)
	}
	f.noFailures(t)
}

func TestResultRetriedAcrossOutage(t *testing.T) {
	f := newFakeServer(t)
	f.failRes = 4
	startAgent(t, f, t.TempDir(), nil)
	f.offer(command("retry", shell("s", "echo ok")))
	res := f.result("retry")
	f.mu.Lock()
	tries := f.resTries["retry"]
	f.mu.Unlock()
	if res.Status != agentproto.StatusSuccess || tries != 5 {
		t.Fatalf("result %s after %d tries, want Success after 5", res.Status, tries)
	}
	f.mu.Lock()
	accepted := len(f.results)
	f.mu.Unlock()
	if accepted != 1 {
		t.Fatalf("%d results accepted", accepted)
	}
}

func TestServerRestartWhileCommandRuns(t *testing.T) {
	f := newFakeServer(t)
	ta := startAgent(t, f, t.TempDir(), nil)
	gate := filepath.Join(t.TempDir(), "gate")
	f.offer(command("survive", shell("s", "echo before", "while [ ! -e "+gate+" ]; do sleep 0.01; done", "echo after")))
	f.waitFor("output before the crash", func() bool { return f.outputs["survive/s/stdout"] != nil })

	addr := f.stop() // the server dies mid-command
	beatsBefore := 0
	f.mu.Lock()
	beatsBefore = f.beats
	f.mu.Unlock()
	os.WriteFile(gate, nil, 0o600)
	// The command finishes while the server is away: its result waits on disk.
	cdir := filepath.Join(ta.dir, "commands", "survive")
	waitFile(t, filepath.Join(cdir, "result.json"))
	f.start(addr)

	res := f.result("survive")
	if res.Status != agentproto.StatusSuccess {
		t.Fatalf("result %+v", res)
	}
	if got := f.output("survive", "s", "stdout"); got != "before\nafter\n" {
		t.Fatalf("stdout %q", got)
	}
	f.waitFor("a heartbeat after reconnecting", func() bool { return f.beats > beatsBefore })
	ta.shutdown(t)
	f.mu.Lock()
	accepted := len(f.results)
	f.mu.Unlock()
	if accepted != 1 {
		t.Fatalf("%d results", accepted)
	}
	f.noFailures(t)
}

// waitFile waits until p exists.
func waitFile(t *testing.T, p string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(p); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", p)
		}
		time.Sleep(5 * time.Millisecond) // polling the file system: no event to wait on
	}
}

func TestAgentRestartResendsStoredResult(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	ta := startAgent(t, f, dir, nil)
	f.offer(command("stored", shell("s", "echo done")))
	f.waitFor("ack", func() bool { return f.acks["stored"] == 1 })
	f.update(func() { f.down = true })
	waitFile(t, filepath.Join(dir, "commands", "stored", "result.json"))
	if err := ta.shutdown(t); err != nil {
		t.Fatal(err)
	}
	f.update(func() { f.down = false })

	startAgent(t, f, dir, nil)
	res := f.result("stored")
	if res.Status != agentproto.StatusSuccess || !strings.Contains(f.output("stored", "s", "stdout"), "done") {
		t.Fatalf("result %+v stdout %q", res, f.output("stored", "s", "stdout"))
	}
}

func TestAgentStopInterruptsCommand(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	ta := startAgent(t, f, dir, nil)
	f.offer(command("cut", shell("first", "echo first"), shell("long", pgidLine, "echo started", "sleep 1000"), shell("never", "echo never")))
	f.waitFor("the long step running", func() bool {
		return strings.Contains(f.outputLocked("cut", "long", "stdout"), "started")
	})
	pgid := pgidFrom(t, f.output("cut", "long", "stdout"))
	if err := ta.shutdown(t); err != nil {
		t.Fatal(err)
	}
	waitGroupGone(t, pgid)
	f.mu.Lock()
	_, early := f.results["cut"]
	f.mu.Unlock()
	if early {
		t.Fatal("a result was sent for an interrupted command before restart")
	}

	startAgent(t, f, dir, nil)
	res := f.result("cut")
	if res.Status != agentproto.StatusFailed || len(res.Steps) != 3 {
		t.Fatalf("result %+v", res)
	}
	got := []string{res.Steps[0].Status, res.Steps[1].Status, res.Steps[2].Status}
	if !slices.Equal(got, []string{"Success", "Failed", "Skipped"}) || !strings.Contains(f.output("cut", "long", "stderr"), "agent stopped") {
		t.Fatalf("steps %v, stderr %q", got, f.output("cut", "long", "stderr"))
	}
	f.noFailures(t)
}

func TestCancelKillsProcessGroup(t *testing.T) {
	f := newFakeServer(t)
	startAgent(t, f, t.TempDir(), nil)
	f.offer(command("kill", shell("s", pgidLine, "sleep 1000 &", "(sleep 1000 >/dev/null 2>&1 &)", "echo started", "sleep 1000"), shell("next", "echo never")))
	f.waitFor("the step running", func() bool { return strings.Contains(f.outputLocked("kill", "s", "stdout"), "started") })
	pgid := pgidFrom(t, f.output("kill", "s", "stdout"))
	f.offer(agentproto.Message{Kind: agentproto.KindCancel, CommandID: "kill"})
	res := f.result("kill")
	if res.Status != agentproto.StatusCancelled || res.Steps[0].Status != agentproto.StatusCancelled || res.Steps[1].Status != agentproto.StatusCancelled || res.Steps[1].ResponseCode != -1 {
		t.Fatalf("result %+v", res)
	}
	waitGroupGone(t, pgid)

	// A cancel for a command not seen yet: the command is then not run.
	f.offer(agentproto.Message{Kind: agentproto.KindCancel, CommandID: "early"})
	f.waitFor("cancel acked", func() bool { return f.acks["early"] == 1 })
	marker := filepath.Join(t.TempDir(), "ran")
	f.offer(command("early", shell("s", "touch "+marker)))
	if res := f.result("early"); res.Status != agentproto.StatusCancelled {
		t.Fatalf("early cancel: %+v", res)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a command cancelled before it arrived ran")
	}
	f.noFailures(t)
}

func TestDeliveryDeadlinePassed(t *testing.T) {
	f := newFakeServer(t)
	startAgent(t, f, t.TempDir(), nil)
	marker := filepath.Join(t.TempDir(), "ran")
	m := command("late", shell("s", "touch "+marker))
	m.Command.Deadline = time.Now().Add(-time.Minute)
	f.offer(m)
	res := f.result("late")
	if res.Status != agentproto.StatusTimedOut || res.Steps[0].StatusDetails != "DeliveryTimedOut" || res.Steps[0].ResponseCode != -1 {
		t.Fatalf("result %+v", res)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a command past its deadline ran")
	}
}

func TestSecureStringsMasked(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	f := newFakeServer(t)
	f.params["/app/token"] = secret
	ta := startAgent(t, f, t.TempDir(), nil)
	f.offer(command("sec",
		withInputs(shell("use",
			`echo "token=$TOKEN"`,
			`printf '%s' "${TOKEN%VALUE}"`, // the secret split across two writes
			`sleep 0.05`,
			`printf 'VALUE\n'`,
			`echo "$TOKEN" >&2`,
		), map[string]any{"environment": map[string]string{"TOKEN": "{{ ssm-secure:/app/token }}"}}),
		shell("inline", "echo {{ssm-secure:/app/token}}"),
		withInputs(shell("missing", "true"), map[string]any{"environment": map[string]string{"X": "{{ssm-secure:/nope}}"}}),
	))
	res := f.result("sec")
	if got := f.output("sec", "use", "stdout"); got != "token=****\n****\n" {
		t.Fatalf("stdout %q", got)
	}
	if got := f.output("sec", "use", "stderr"); got != "****\n" {
		t.Fatalf("stderr %q", got)
	}
	if res.Steps[0].Status != agentproto.StatusSuccess || res.Steps[1].Status != agentproto.StatusFailed || res.Steps[2].Status != agentproto.StatusFailed {
		t.Fatalf("steps %+v", res.Steps)
	}
	if !strings.Contains(f.output("sec", "inline", "stderr"), "environment input") || !strings.Contains(f.output("sec", "missing", "stderr"), "/nope") {
		t.Fatalf("stderr inline %q missing %q", f.output("sec", "inline", "stderr"), f.output("sec", "missing", "stderr"))
	}
	ta.shutdown(t)
	// Never on disk, never in the log.
	filepath.Walk(ta.dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
				t.Errorf("%s holds the secret", p)
			}
		}
		return nil
	})
	if strings.Contains(ta.logs.String(), secret) {
		t.Error("the log holds the secret")
	}
	f.noFailures(t)
}

func TestOutputStreamedByOffsetWithFailures(t *testing.T) {
	f := newFakeServer(t)
	f.failOut = 3 // every third output request fails
	startAgent(t, f, t.TempDir(), func(c *Config) { c.OutputChunkSize = 1000 })
	f.offer(command("big", shell("s",
		`i=0; while [ $i -lt 400 ]; do echo "line $i: déjà vu ✓ 0123456789"; i=$((i+1)); if [ $((i % 100)) = 0 ]; then sleep 0.05; fi; done`)))
	res := f.result("big")
	var want strings.Builder
	for i := range 400 {
		want.WriteString("line " + strconv.Itoa(i) + ": déjà vu ✓ 0123456789\n")
	}
	if got := f.output("big", "s", "stdout"); got != want.String() {
		t.Fatalf("assembled %d bytes, want %d; result carried %d from offset %d", len(got), want.Len(), len(res.Steps[0].Stdout), res.Steps[0].StdoutOffset)
	}
	f.mu.Lock()
	reqs := f.outReqs
	f.mu.Unlock()
	if reqs < 10 {
		t.Fatalf("only %d output requests for %d bytes in 1000-byte chunks", reqs, want.Len())
	}
	f.noFailures(t)
}

func TestReconnectSendsHeartbeat(t *testing.T) {
	f := newFakeServer(t)
	f.down = true // registration in startAgent is still answered
	ta := startAgent(t, f, t.TempDir(), nil)
	// Let the agent fail a few polls against the "down" server.
	waitLog(t, ta, "poll failed", 5)
	f.mu.Lock()
	beats := f.beats
	f.mu.Unlock()
	if beats != 0 {
		t.Fatal("heartbeat accepted while down")
	}
	f.update(func() { f.down = false })
	f.waitFor("a heartbeat after the outage", func() bool { return f.beats >= 1 })
	f.offer(command("after", shell("s", "echo ok")))
	if res := f.result("after"); res.Status != agentproto.StatusSuccess {
		t.Fatalf("result %+v", res)
	}
}

// waitLog waits until the agent logged msg n times.
func waitLog(t *testing.T, ta *testAgent, msg string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(ta.logs.String(), msg) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q logged fewer than %d times", msg, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDeregisteredStopsAgent(t *testing.T) {
	f := newFakeServer(t)
	ta := startAgent(t, f, t.TempDir(), nil)
	f.waitFor("a poll", func() bool { return f.polls > 0 })
	f.update(func() { f.deregistr = true })
	if err := ta.wait(t); !errors.Is(err, ErrDeregistered) {
		t.Fatalf("Run = %v, want ErrDeregistered", err)
	}
}

func TestWrongKeyIsRejected(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	id := f.registerNode(t, dir)
	other := *id
	_, other.PrivateKey = mustKey(t)
	ta := startAgent(t, f, dir, func(c *Config) { c.Identity = &other })
	if err := ta.wait(t); !errors.Is(err, ErrDeregistered) {
		t.Fatalf("Run = %v, want ErrDeregistered", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failures) == 0 || !strings.Contains(f.failures[0], "signature") {
		t.Fatalf("the fake did not see a bad signature: %v", f.failures)
	}
}

func TestCommandsRunConcurrently(t *testing.T) {
	f := newFakeServer(t)
	startAgent(t, f, t.TempDir(), nil)
	gate := filepath.Join(t.TempDir(), "gate")
	// a waits for b: it finishes only if both run at once.
	f.offer(command("a", shell("s", "while [ ! -e "+gate+" ]; do sleep 0.01; done", "echo a")))
	f.waitFor("a acked", func() bool { return f.acks["a"] == 1 })
	f.offer(command("b", shell("s", "touch "+gate)))
	if r := f.result("a"); r.Status != agentproto.StatusSuccess {
		t.Fatalf("a: %+v", r)
	}
	if r := f.result("b"); r.Status != agentproto.StatusSuccess {
		t.Fatalf("b: %+v", r)
	}
}

func TestRunDocumentNested(t *testing.T) {
	f := newFakeServer(t)
	f.docs["Team-Hello"] = agentproto.DocumentResponse{SchemaVersion: "2.2", Steps: []agentproto.Step{shell("inner1", "echo inner one"), shell("inner2", "echo inner two")}}
	loop, _ := json.Marshal(map[string]any{"documentType": "SSMDocument", "documentPath": "Team-Loop"})
	f.docs["Team-Loop"] = agentproto.DocumentResponse{SchemaVersion: "2.2", Steps: []agentproto.Step{{Name: "again", Action: "aws:runDocument", Inputs: loop}}}
	ta := startAgent(t, f, t.TempDir(), nil)

	in, _ := json.Marshal(map[string]any{"documentType": "SSMDocument", "documentPath": "Team-Hello"})
	f.offer(command("nest", agentproto.Step{Name: "sub", Action: "aws:runDocument", Inputs: in}, shell("after", "echo after")))
	res := f.result("nest")
	if res.Status != agentproto.StatusSuccess || len(res.Steps) != 2 {
		t.Fatalf("result %+v", res)
	}
	if got := f.output("nest", "sub", "stdout"); got != "inner one\ninner two\n" {
		t.Fatalf("nested output %q", got)
	}
	if _, err := os.Stat(filepath.Join(ta.dir, "commands", "nest", "sub", "inner1", "_script.sh")); err != nil {
		t.Fatalf("nested step directory: %v", err)
	}

	// A document that runs itself stops at the nesting limit.
	f.offer(command("loop", agentproto.Step{Name: "loop", Action: "aws:runDocument", Inputs: loop}))
	res = f.result("loop")
	if res.Status != agentproto.StatusFailed || !strings.Contains(f.output("loop", "loop", "stderr"), "nested at most 3") {
		t.Fatalf("loop result %+v stderr %q", res, f.output("loop", "loop", "stderr"))
	}
}

func TestPruneOldCommands(t *testing.T) {
	dir := t.TempDir()
	s := &store{dir: dir}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(id, phase string, finished time.Time) {
		os.MkdirAll(s.cmdDir(id), 0o700)
		if err := s.saveState(&commandState{CommandID: id, Phase: phase, Received: finished, Finished: finished}); err != nil {
			t.Fatal(err)
		}
	}
	mk("old-delivered", phaseDelivered, now.Add(-15*24*time.Hour))
	mk("old-unsent", phaseFinished, now.Add(-15*24*time.Hour))
	mk("new-delivered", phaseDelivered, now.Add(-13*24*time.Hour))
	n, errs := s.prune(now.Add(-14 * 24 * time.Hour))
	if n != 1 || len(errs) != 0 {
		t.Fatalf("pruned %d, %v", n, errs)
	}
	for id, want := range map[string]bool{"old-delivered": false, "old-unsent": true, "new-delivered": true} {
		if s.known(id) != want {
			t.Errorf("%s kept = %v, want %v", id, !want, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: 10 * time.Second}
	ceilings := []time.Duration{100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000}
	for i, c := range ceilings {
		c *= time.Millisecond
		if got := b.ceiling(); got != c {
			t.Fatalf("attempt %d: ceiling %v, want %v", i, got, c)
		}
		if d := b.next(); d < 0 || d > c {
			t.Fatalf("attempt %d: wait %v outside [0, %v]", i, d, c)
		}
	}
	for range 100 {
		b.next()
	}
	if b.ceiling() != 10*time.Second {
		t.Fatalf("ceiling grew past the cap: %v", b.ceiling())
	}
	b.reset()
	if b.ceiling() != 100*time.Millisecond {
		t.Fatalf("reset ceiling %v", b.ceiling())
	}
}

func TestStepDirNames(t *testing.T) {
	got := stepDirNames([]agentproto.Step{{Name: "aws:runShellScript"}, {Name: "../etc"}, {Name: ""}, {Name: "downloads"}, {Name: "a b"}, {Name: "a_b"}})
	want := []string{"aws:runShellScript", "step.._etc", "step", "downloads-2", "a_b", "a_b-2"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
