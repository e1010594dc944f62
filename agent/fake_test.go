package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

// fakeServer implements the agentproto endpoints minimally, at the edge:
// registration, signature checks with agentproto.Verify, at-least-once
// command delivery until acked, output merged by offset, results (first
// wins), SecureString parameters and nested documents. Every state change
// wakes waiters.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	changed chan struct{}

	nodeID string
	pub    ed25519.PublicKey

	pending  []agentproto.Message // offered on every poll until acked
	acks     map[string]int
	polls    int
	running  [][]string // Running of each poll
	beats    int
	failures []string // protocol violations seen (bad signature, gaps…)

	outputs   map[string]*bytes.Buffer // command/step/stream
	outReqs   int
	failOut   int // answer 503 to every failOut-th output request (0: never)
	results   map[string]agentproto.ResultRequest
	resTries  map[string]int
	failRes   int // answer 503 to this many result requests
	down      bool
	deregistr bool

	params map[string]string
	docs   map[string]agentproto.DocumentResponse
}

const testNodeID = "mi-0123456789abcdef0"

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{
		t: t, changed: make(chan struct{}),
		acks: map[string]int{}, outputs: map[string]*bytes.Buffer{},
		results: map[string]agentproto.ResultRequest{}, resTries: map[string]int{},
		params: map[string]string{}, docs: map[string]agentproto.DocumentResponse{},
	}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() { f.srv.Close() })
	return f
}

func (f *fakeServer) URL() string { return f.srv.URL }

// restart simulates a server crash and restart on the same address: the
// listener goes away (requests fail), then comes back; the state stays.
func (f *fakeServer) stop() string {
	addr := f.srv.Listener.Addr().String()
	f.srv.CloseClientConnections()
	f.srv.Close()
	return addr
}

func (f *fakeServer) start(addr string) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		f.t.Fatalf("relisten on %s: %v", addr, err)
	}
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Listener.Close()
	f.srv.Listener = l
	f.srv.Start()
}

// update changes state under the lock and wakes waiters.
func (f *fakeServer) update(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
	close(f.changed)
	f.changed = make(chan struct{})
}

// waitFor waits until cond (called under the lock) holds.
func (f *fakeServer) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		f.mu.Lock()
		ok := cond()
		ch := f.changed
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			f.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (f *fakeServer) offer(m agentproto.Message) {
	f.update(func() { f.pending = append(f.pending, m) })
}

func (f *fakeServer) result(id string) agentproto.ResultRequest {
	f.t.Helper()
	var r agentproto.ResultRequest
	f.waitFor("result of "+id, func() bool {
		var ok bool
		r, ok = f.results[id]
		return ok
	})
	return r
}

func (f *fakeServer) output(id, step, stream string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.outputLocked(id, step, stream)
}

// outputLocked is output for waitFor conditions (which hold the lock).
func (f *fakeServer) outputLocked(id, step, stream string) string {
	if b := f.outputs[id+"/"+step+"/"+stream]; b != nil {
		return b.String()
	}
	return ""
}

// mergeLocked appends data at off to a stream, ignoring what it has.
func (f *fakeServer) mergeLocked(key string, off int64, data string) {
	b := f.outputs[key]
	if b == nil {
		b = &bytes.Buffer{}
		f.outputs[key] = b
	}
	have := int64(b.Len())
	switch {
	case off > have:
		f.failures = append(f.failures, fmt.Sprintf("%s: gap: offset %d but have %d", key, off, have))
	case off+int64(len(data)) > have:
		if b.String()[off:] != data[:have-off] {
			f.failures = append(f.failures, fmt.Sprintf("%s: resent bytes differ at %d", key, off))
		}
		b.WriteString(data[have-off:])
	}
}

func (f *fakeServer) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(agentproto.ErrorResponse{Code: code, Message: msg})
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.Header.Get(agentproto.HeaderProto) != strconv.Itoa(agentproto.Version) {
		f.update(func() { f.failures = append(f.failures, "bad method or protocol header on "+r.URL.Path) })
		f.fail(w, http.StatusBadRequest, agentproto.CodeBadRequest, "bad request")
		return
	}
	if r.URL.Path == agentproto.PathRegister {
		f.register(w, body)
		return
	}
	f.mu.Lock()
	down, dereg, pub := f.down, f.deregistr, f.pub
	f.mu.Unlock()
	if down {
		f.fail(w, http.StatusServiceUnavailable, "Unavailable", "down for maintenance")
		return
	}
	node, unix, sig, err := agentproto.ParseAuth(r.Header.Get(agentproto.HeaderAuth))
	if err == nil && node != testNodeID {
		err = errors.New("unknown node " + node)
	}
	if err == nil {
		err = agentproto.Verify(pub, r.Method, r.URL.Path, unix, sig, body, time.Now())
	}
	if err != nil {
		f.update(func() { f.failures = append(f.failures, "signature: "+err.Error()) })
		f.fail(w, http.StatusUnauthorized, agentproto.CodeUnauthorized, err.Error())
		return
	}
	if dereg {
		f.fail(w, http.StatusUnauthorized, agentproto.CodeDeregistered, "node deregistered")
		return
	}
	switch r.URL.Path {
	case agentproto.PathHeartbeat:
		f.update(func() { f.beats++ })
		w.WriteHeader(http.StatusNoContent)
	case agentproto.PathPoll:
		f.poll(w, r, body)
	case agentproto.PathAck:
		var req agentproto.AckRequest
		json.Unmarshal(body, &req)
		f.update(func() {
			f.acks[req.CommandID]++
			kept := f.pending[:0]
			for _, m := range f.pending {
				if m.CommandID != req.CommandID {
					kept = append(kept, m)
				}
			}
			f.pending = kept
		})
	case agentproto.PathOutput:
		var req agentproto.OutputRequest
		json.Unmarshal(body, &req)
		failed := false
		f.update(func() {
			f.outReqs++
			if f.failOut > 0 && f.outReqs%f.failOut == 0 {
				failed = true
				return
			}
			f.mergeLocked(req.CommandID+"/"+req.Step+"/"+req.Stream, req.Offset, req.Data)
		})
		if failed {
			f.fail(w, http.StatusServiceUnavailable, "Unavailable", "try again")
		}
	case agentproto.PathResult:
		var req agentproto.ResultRequest
		json.Unmarshal(body, &req)
		failed := false
		f.update(func() {
			f.resTries[req.CommandID]++
			if f.failRes > 0 {
				f.failRes--
				failed = true
				return
			}
			if _, ok := f.results[req.CommandID]; ok {
				return // first wins
			}
			f.results[req.CommandID] = req
			for _, s := range req.Steps {
				f.mergeLocked(req.CommandID+"/"+s.Name+"/stdout", s.StdoutOffset, s.Stdout)
				f.mergeLocked(req.CommandID+"/"+s.Name+"/stderr", s.StderrOffset, s.Stderr)
			}
		})
		if failed {
			f.fail(w, http.StatusServiceUnavailable, "Unavailable", "try again")
		}
	case agentproto.PathParameters:
		var req agentproto.ParametersRequest
		json.Unmarshal(body, &req)
		resp := agentproto.ParametersResponse{Values: map[string]string{}}
		f.mu.Lock()
		for _, n := range req.Names {
			if v, ok := f.params[n]; ok {
				resp.Values[n] = v
			} else {
				resp.Invalid = append(resp.Invalid, n)
			}
		}
		f.mu.Unlock()
		json.NewEncoder(w).Encode(resp)
	case agentproto.PathDocument:
		var req agentproto.DocumentRequest
		json.Unmarshal(body, &req)
		f.mu.Lock()
		doc, ok := f.docs[req.Name]
		f.mu.Unlock()
		if !ok {
			f.fail(w, http.StatusBadRequest, agentproto.CodeBadRequest, "no document "+req.Name)
			return
		}
		json.NewEncoder(w).Encode(doc)
	default:
		f.fail(w, http.StatusNotFound, agentproto.CodeNotFound, "no such path")
	}
}

func (f *fakeServer) register(w http.ResponseWriter, body []byte) {
	var req agentproto.RegisterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		f.fail(w, http.StatusBadRequest, agentproto.CodeBadRequest, err.Error())
		return
	}
	switch {
	case req.ActivationID == "expired":
		f.fail(w, http.StatusBadRequest, agentproto.CodeActivationExpired, "activation expired")
	case req.ActivationID == "full":
		f.fail(w, http.StatusBadRequest, agentproto.CodeActivationLimit, "limit reached")
	case req.ActivationID != "act-1" || req.ActivationCode != "code-1":
		f.fail(w, http.StatusBadRequest, agentproto.CodeInvalidActivation, "invalid activation")
	case len(req.PublicKey) != ed25519.PublicKeySize || req.Facts.PlatformType != "Linux" || req.Facts.AgentVersion == "":
		f.fail(w, http.StatusBadRequest, agentproto.CodeBadRequest, "bad key or facts")
	default:
		f.update(func() { f.pub, f.nodeID = req.PublicKey, testNodeID })
		json.NewEncoder(w).Encode(agentproto.RegisterResponse{NodeID: testNodeID, Region: "eu-west-1"})
	}
}

// poll holds the request until there is a message or a short while passed.
func (f *fakeServer) poll(w http.ResponseWriter, r *http.Request, body []byte) {
	var req agentproto.PollRequest
	json.Unmarshal(body, &req)
	f.update(func() { f.polls++; f.running = append(f.running, req.Running) })
	hold := time.NewTimer(200 * time.Millisecond)
	defer hold.Stop()
	for {
		f.mu.Lock()
		msgs := append([]agentproto.Message(nil), f.pending...)
		ch := f.changed
		f.mu.Unlock()
		if len(msgs) > 0 {
			json.NewEncoder(w).Encode(agentproto.PollResponse{Messages: msgs})
			return
		}
		select {
		case <-ch:
		case <-hold.C:
			json.NewEncoder(w).Encode(agentproto.PollResponse{Messages: []agentproto.Message{}})
			return
		case <-r.Context().Done():
			return
		}
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testAgent is an agent running against a fake server.
type testAgent struct {
	*Agent
	dir  string
	logs *syncBuffer
	done chan error
	stop context.CancelFunc

	stopped bool
	err     error
}

// fastConfig is a Config with small intervals for tests.
func fastConfig(dir string, logs io.Writer) Config {
	return Config{
		StateDir:          dir,
		Logger:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HeartbeatInterval: time.Hour, // only the start and reconnects send one
		MinPollInterval:   -1,
		BackoffMin:        time.Millisecond,
		BackoffMax:        20 * time.Millisecond,
		OutputInterval:    10 * time.Millisecond,
		RequestTimeout:    10 * time.Second,
		Facts:             &agentproto.Facts{AgentVersion: "test", ComputerName: "node1", IPAddress: "192.0.2.10", PlatformType: "Linux", PlatformName: "Debian GNU/Linux", PlatformVersion: "12"},
	}
}

// register registers a node with the fake server and saves its identity.
func (f *fakeServer) registerNode(t *testing.T, dir string) *Identity {
	t.Helper()
	id, err := Register(context.Background(), RegisterConfig{ServerURL: f.URL(), ActivationID: "act-1", ActivationCode: "code-1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := id.Save(dir); err != nil {
		t.Fatal(err)
	}
	return id
}

// startAgent runs an agent on dir (registering first when dir has no
// identity); cleanup stops it and waits for Run to return.
func startAgent(t *testing.T, f *fakeServer, dir string, mutate func(*Config)) *testAgent {
	t.Helper()
	if _, err := LoadIdentity(dir); errors.Is(err, ErrNotRegistered) {
		f.registerNode(t, dir)
	}
	logs := &syncBuffer{}
	cfg := fastConfig(dir, logs)
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testAgent{Agent: a, dir: dir, logs: logs, done: make(chan error, 1), stop: cancel}
	go func() { ta.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		ta.shutdown(t)
		if t.Failed() {
			t.Logf("agent log:\n%s", logs.String())
		}
	})
	return ta
}

// shutdown stops the agent and waits for Run; it returns Run's error.
// Calling it again returns the same error.
func (ta *testAgent) shutdown(t *testing.T) error {
	t.Helper()
	ta.stop()
	if ta.stopped {
		return ta.err
	}
	select {
	case ta.err = <-ta.done:
		ta.stopped = true
		return ta.err
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after its context ended")
		return nil
	}
}

// command builds a command message with shell steps.
func command(id string, steps ...agentproto.Step) agentproto.Message {
	return agentproto.Message{Kind: agentproto.KindCommand, CommandID: id, Command: &agentproto.Command{
		CommandID: id, DocumentName: "AWS-RunShellScript", SchemaVersion: "2.2", Steps: steps, Region: "eu-west-1",
	}}
}

func shell(name string, lines ...string) agentproto.Step {
	in, _ := json.Marshal(map[string]any{"runCommand": lines})
	return agentproto.Step{Name: name, Action: "aws:runShellScript", Inputs: in}
}

func withInputs(st agentproto.Step, extra map[string]any) agentproto.Step {
	var m map[string]any
	json.Unmarshal(st.Inputs, &m)
	for k, v := range extra {
		m[k] = v
	}
	st.Inputs, _ = json.Marshal(m)
	return st
}

func withPrecondition(st agentproto.Step, pre string) agentproto.Step {
	st.Precondition = json.RawMessage(pre)
	return st
}

func (f *fakeServer) noFailures(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.failures) > 0 {
		t.Fatalf("protocol failures:\n%s", strings.Join(f.failures, "\n"))
	}
}
