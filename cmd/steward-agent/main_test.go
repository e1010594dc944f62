package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// channel is a tiny fake of the server's agent channel: it registers one
// node (activation "act"/"code"; "expired" and "full" are refused), counts
// heartbeats and polls (holding each poll briefly), and can deregister the
// node.
type channel struct {
	srv *httptest.Server

	mu           sync.Mutex
	polls, beats int
	deregistered bool
	unauthorized bool
	changed      chan struct{}
}

func newChannel(t *testing.T) *channel {
	c := &channel{changed: make(chan struct{})}
	c.srv = httptest.NewServer(c)
	t.Cleanup(c.srv.Close)
	return c
}

func (c *channel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code string) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(agentproto.ErrorResponse{Code: code, Message: code})
	}
	c.mu.Lock()
	dereg, unauth := c.deregistered, c.unauthorized
	c.mu.Unlock()
	switch r.URL.Path {
	case agentproto.PathRegister:
		var req agentproto.RegisterRequest
		json.NewDecoder(r.Body).Decode(&req)
		switch req.ActivationID {
		case "expired":
			fail(http.StatusBadRequest, agentproto.CodeActivationExpired)
		case "full":
			fail(http.StatusBadRequest, agentproto.CodeActivationLimit)
		case "act":
			json.NewEncoder(w).Encode(agentproto.RegisterResponse{NodeID: "mi-00000000000000001", Region: "us-east-1"})
		default:
			fail(http.StatusBadRequest, agentproto.CodeInvalidActivation)
		}
		return
	}
	switch {
	case dereg:
		fail(http.StatusForbidden, agentproto.CodeDeregistered) // as fleet answers it
		return
	case unauth:
		fail(http.StatusUnauthorized, agentproto.CodeUnauthorized)
		return
	}
	switch r.URL.Path {
	case agentproto.PathSession:
		// A server without sessions, as before they existed: the agent
		// signs every request with its node key.
		fail(http.StatusNotFound, agentproto.CodeNotFound)
	case agentproto.PathHeartbeat:
		c.bump(func() { c.beats++ })
	case agentproto.PathPoll:
		c.bump(func() { c.polls++ })
		select {
		case <-time.After(100 * time.Millisecond):
		case <-r.Context().Done():
		}
		json.NewEncoder(w).Encode(agentproto.PollResponse{})
	}
}

func (c *channel) bump(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn()
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *channel) waitPolls(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		c.mu.Lock()
		ok, ch := c.polls >= n && c.beats >= 1, c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("fewer than %d polls", n)
		}
	}
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRegisterCommand(t *testing.T) {
	c := newChannel(t)
	state := filepath.Join(t.TempDir(), "state")
	code, out, errOut := runCLI("register", "--server", c.srv.URL, "--id", "act", "--code", "secret-code", "--state", state)
	if code != exitOK || !strings.Contains(out, "mi-00000000000000001") {
		t.Fatalf("register: %d %q %q", code, out, errOut)
	}
	if fi, err := os.Stat(filepath.Join(state, "identity.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity.json: %v", err)
	}
	if code, _, errOut := runCLI("register", "--server", c.srv.URL, "--id", "act", "--code", "x", "--state", state); code != exitError || !strings.Contains(errOut, "already registered") {
		t.Fatalf("second register: %d %q", code, errOut)
	}
	for id, want := range map[string]string{"expired": "expired", "full": "exhausted", "nope": "invalid activation"} {
		code, _, errOut := runCLI("register", "--server", c.srv.URL, "--id", id, "--code", "x", "--state", t.TempDir())
		if code != exitError || !strings.Contains(errOut, want) {
			t.Errorf("activation %s: %d %q, want a message about %q", id, code, errOut, want)
		}
	}
	if code, _, _ := runCLI("register", "--server", c.srv.URL); code != exitUsage {
		t.Errorf("missing flags: exit %d", code)
	}
}

func TestRunExitCodes(t *testing.T) {
	if code, _, errOut := runCLI("run", "--state", t.TempDir()); code != exitNotReady || !strings.Contains(errOut, "not registered") {
		t.Fatalf("unregistered run: %d %q", code, errOut)
	}
	c := newChannel(t)
	c.deregistered = true
	state := t.TempDir()
	if code, _, errOut := runCLI("register", "--server", c.srv.URL, "--id", "act", "--code", "c", "--state", state); code != exitOK {
		t.Fatal(errOut)
	}
	if code, _, errOut := runCLI("run", "--state", state); code != exitNotReady || !strings.Contains(errOut, "deregistered") {
		t.Fatalf("deregistered run: %d %q", code, errOut)
	}
	// A plain 401 (bad signature, e.g. clock skew) stops Run too, but exits
	// 1 so systemd retries.
	c.mu.Lock()
	c.deregistered, c.unauthorized = false, true
	c.mu.Unlock()
	if code, _, errOut := runCLI("run", "--state", state); code != exitError || !strings.Contains(errOut, "Unauthorized") {
		t.Fatalf("unauthorized run: %d %q", code, errOut)
	}
	os.WriteFile(filepath.Join(state, "config.json"), []byte(`{"unknownKey": 1}`), 0o600)
	if code, _, errOut := runCLI("run", "--state", state); code != exitNotReady || !strings.Contains(errOut, "unknownKey") {
		t.Fatalf("bad config: %d %q", code, errOut)
	}
}

func TestInstall(t *testing.T) {
	state := filepath.Join(t.TempDir(), "agent state")
	code, out, _ := runCLI("install", "--print-unit", "--state", state)
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	for _, want := range []string{"Restart=always", "RestartSec=5", "After=network-online.target", "WantedBy=multi-user.target",
		"ExecStart=" + exe + ` run --state "` + state + `"`} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("unit lacks %q:\n%s", want, out)
		}
	}

	// Install without systemctl: registers, writes the unit, says what to run.
	c := newChannel(t)
	t.Setenv("PATH", t.TempDir())
	unitPath := filepath.Join(t.TempDir(), "steward-agent.service")
	code, out, errOut := runCLI("install", "--state", state, "--unit-path", unitPath, "--server", c.srv.URL, "--id", "act", "--code", "c")
	if code != exitOK || !strings.Contains(out, "systemctl daemon-reload && systemctl enable --now steward-agent") {
		t.Fatalf("install: %d %q %q", code, out, errOut)
	}
	if b, err := os.ReadFile(unitPath); err != nil || !strings.Contains(string(b), "ExecStart=") {
		t.Fatalf("unit file: %v %q", err, b)
	}
	// Already registered: no flags needed.
	if code, out, errOut := runCLI("install", "--state", state, "--unit-path", unitPath); code != exitOK || !strings.Contains(out, "already registered") {
		t.Fatalf("re-install: %d %q %q", code, out, errOut)
	}
}

// TestIdleRSS builds the real binary, runs it against the fake channel and
// logs its resident memory once it is idling in long polls. Run it alone to
// see the number:
//
//	go test -run TestIdleRSS -v ./cmd/steward-agent
func TestIdleRSS(t *testing.T) {
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
	cmd := exec.Command(bin, "run", "--state", state)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	c.waitPolls(t, 20) // ~2 s of idling in long polls
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
	t.Logf("steward-agent idle RSS: %.1f MB (%d kB)", float64(rssKB)/1024, rssKB)
	if rssKB <= 0 || rssKB > 200<<10 {
		t.Fatalf("implausible RSS %d kB", rssKB)
	}
	// SIGTERM stops it cleanly.
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not stop on SIGTERM")
	}
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := runCLI("version"); code != exitOK || !strings.HasPrefix(out, "steward-agent ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, _ := runCLI("bogus"); code != exitUsage {
		t.Fatalf("bogus: %d", code)
	}
	if code, _, _ := runCLI(); code != exitUsage {
		t.Fatalf("no args: %d", code)
	}
}
