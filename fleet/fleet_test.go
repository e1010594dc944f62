package fleet_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/fleet"
	"github.com/stewardhq/steward/sqlite"
	"github.com/stewardhq/steward/ssm"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// registry is the real node registry, with Touch calls reported.
type registry struct {
	*ssm.Nodes
	touches  chan map[string]time.Time
	failNext atomic.Bool
}

func (r *registry) Touch(ctx context.Context, seen map[string]time.Time) error {
	if r.failNext.CompareAndSwap(true, false) {
		return errors.New("database unavailable")
	}
	if err := r.Nodes.Touch(ctx, seen); err != nil {
		return err
	}
	select {
	case r.touches <- seen:
	default:
	}
	return nil
}

// work is an in-memory Work: messages queued per node; every Poll call is
// reported on polls.
type work struct {
	mu      sync.Mutex
	queue   map[string][]agentproto.Message
	polls   chan string
	outputs atomic.Int64
}

func newWork() *work {
	return &work{queue: map[string][]agentproto.Message{}, polls: make(chan string, 10000)}
}

func (w *work) add(nodeID, commandID string) {
	w.mu.Lock()
	w.queue[nodeID] = append(w.queue[nodeID], agentproto.Message{Kind: agentproto.KindCommand, CommandID: commandID})
	w.mu.Unlock()
}

func (w *work) Poll(_ context.Context, nodeID string, _ agentproto.PollRequest) ([]agentproto.Message, error) {
	w.mu.Lock()
	msgs := w.queue[nodeID]
	delete(w.queue, nodeID)
	w.mu.Unlock()
	select {
	case w.polls <- nodeID:
	default:
	}
	return msgs, nil
}

func (w *work) Ack(_ context.Context, _ string, req agentproto.AckRequest) error {
	if req.CommandID == "not-mine" {
		return steward.Errorf(agentproto.CodeNotFound, "no such command for this node")
	}
	if req.CommandID == "boom" {
		return errors.New("database exploded: password=hunter2")
	}
	return nil
}

func (w *work) Output(context.Context, string, agentproto.OutputRequest) error {
	w.outputs.Add(1)
	return nil
}

func (w *work) Result(context.Context, string, agentproto.ResultRequest) error { return nil }

func (w *work) Parameters(_ context.Context, _ string, req agentproto.ParametersRequest) (agentproto.ParametersResponse, error) {
	return agentproto.ParametersResponse{Values: map[string]string{}, Invalid: req.Names}, nil
}

func (w *work) Document(_ context.Context, _ string, req agentproto.DocumentRequest) (agentproto.DocumentResponse, error) {
	return agentproto.DocumentResponse{SchemaVersion: "2.2"}, nil
}

type fixture struct {
	hub   *fleet.Hub
	reg   *registry
	nodes *ssm.Nodes
	work  *work
	clock *steward.FakeClock
	tick  chan time.Time
	srv   *httptest.Server
	act   *ssm.CreateActivationOutput
}

func newFixture(t *testing.T, mut func(*fleet.Options)) *fixture {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := steward.NewFakeClock(t0)
	nodes := ssm.NewNodes(db, ssm.Env{Clock: clock, Account: "123456789012", Region: "eu-west-1"})
	f := &fixture{nodes: nodes, reg: &registry{Nodes: nodes, touches: make(chan map[string]time.Time, 100)}, work: newWork(),
		clock: clock, tick: make(chan time.Time)}
	opts := fleet.Options{Registry: f.reg, Work: f.work, Clock: clock, PollWait: time.Hour, Tick: f.tick}
	if mut != nil {
		mut(&opts)
	}
	f.hub = fleet.New(opts)
	if err := f.hub.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(agentproto.PathPrefix, f.hub)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		if err := f.hub.Close(context.Background()); err != nil {
			t.Errorf("hub.Close: %v", err)
		}
		f.srv.Close()
	})
	f.act, err = nodes.CreateActivation(context.Background(), ssm.CreateActivationInput{IamRole: "R", RegistrationLimit: ptr(1000)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// agent is a node as the agent sees itself.
type agent struct {
	id  string
	key ed25519.PrivateKey
}

// response is an answer of the agent channel.
type response struct {
	status int
	body   []byte
}

func (r response) err() agentproto.ErrorResponse {
	var e agentproto.ErrorResponse
	_ = json.Unmarshal(r.body, &e)
	return e
}

// request sends a POST; sign, when set, makes the Authorization header.
func (f *fixture) request(t testing.TB, ctx context.Context, path string, body []byte, header map[string]string) response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set(agentproto.HeaderProto, fmt.Sprint(agentproto.Version))
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return response{}
		}
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, raw}
}

// call sends a request signed by a, at the fixture's clock.
func (f *fixture) call(t testing.TB, a agent, path string, in any) response {
	t.Helper()
	body, _ := json.Marshal(in)
	return f.request(t, context.Background(), path, body, map[string]string{
		agentproto.HeaderAuth: agentproto.Sign(a.key, a.id, http.MethodPost, path, f.clock.Now(), body),
	})
}

func (f *fixture) register(t testing.TB) agent {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(nil)
	body, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: f.act.ActivationID, ActivationCode: f.act.ActivationCode, PublicKey: pub,
		Facts: agentproto.Facts{AgentVersion: "1.0.0", ComputerName: "host", PlatformType: "Linux"}})
	r := f.request(t, context.Background(), agentproto.PathRegister, body, nil)
	var resp agentproto.RegisterResponse
	if r.status != http.StatusOK || json.Unmarshal(r.body, &resp) != nil || resp.Region != "eu-west-1" {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	return agent{id: resp.NodeID, key: priv}
}

func wantStatus(t *testing.T, what string, r response, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.err().Code != code) {
		t.Errorf("%s: %d %s, want %d %s", what, r.status, r.body, status, code)
	}
}

// recv waits for an event the code under test reports (never a sleep).
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func TestRegisterAndHeartbeat(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)

	facts := agentproto.Facts{AgentVersion: "1.1.0", ComputerName: "web-1", IPAddress: "192.0.2.7", PlatformType: "Linux", PlatformName: "Debian GNU/Linux", PlatformVersion: "12"}
	wantStatus(t, "heartbeat", f.call(t, a, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{Facts: facts}), http.StatusOK, "")
	out, err := f.nodes.DescribeInstanceInformation(context.Background(), ssm.DescribeInstanceInformationInput{})
	if err != nil || len(out.Instances) != 1 || out.Instances[0].ComputerName != "web-1" || out.Instances[0].AgentVersion != "1.1.0" {
		t.Errorf("after heartbeat: %+v, %v", out, err)
	}
	bad := facts
	bad.PlatformType = "BeOS"
	wantStatus(t, "heartbeat with bad facts", f.call(t, a, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{Facts: bad}), http.StatusBadRequest, agentproto.CodeBadRequest)

	pub, _, _ := ed25519.GenerateKey(nil)
	reg := func(id, code string) response {
		body, _ := json.Marshal(agentproto.RegisterRequest{ActivationID: id, ActivationCode: code, PublicKey: pub})
		return f.request(t, context.Background(), agentproto.PathRegister, body, nil)
	}
	wantStatus(t, "wrong code", reg(f.act.ActivationID, strings.Repeat("x", 20)), http.StatusUnauthorized, agentproto.CodeInvalidActivation)
	wantStatus(t, "unknown activation", reg("11111111-2222-4333-8444-555555555555", f.act.ActivationCode), http.StatusUnauthorized, agentproto.CodeInvalidActivation)
	wantStatus(t, "register garbage", f.request(t, context.Background(), agentproto.PathRegister, []byte("{"), nil), http.StatusBadRequest, agentproto.CodeBadRequest)
	one, err := f.nodes.CreateActivation(context.Background(), ssm.CreateActivationInput{IamRole: "R"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "register", reg(one.ActivationID, one.ActivationCode), http.StatusOK, "")
	wantStatus(t, "over the limit", reg(one.ActivationID, one.ActivationCode), http.StatusForbidden, agentproto.CodeActivationLimit)
	f.clock.Advance(25 * time.Hour)
	wantStatus(t, "expired", reg(f.act.ActivationID, f.act.ActivationCode), http.StatusForbidden, agentproto.CodeActivationExpired)
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.register(t), f.register(t)
	body := []byte(`{"facts":{"agentVersion":"1.0.0"}}`)
	sign := func(key ed25519.PrivateKey, id, path string, at time.Time, signed []byte) map[string]string {
		return map[string]string{agentproto.HeaderAuth: agentproto.Sign(key, id, http.MethodPost, path, at, signed)}
	}
	now := f.clock.Now()
	send := func(path string, header map[string]string) response {
		return f.request(t, context.Background(), path, body, header)
	}
	wantStatus(t, "valid", send(agentproto.PathHeartbeat, sign(a.key, a.id, agentproto.PathHeartbeat, now, body)), http.StatusOK, "")
	wantStatus(t, "skew 4m59s", send(agentproto.PathHeartbeat, sign(a.key, a.id, agentproto.PathHeartbeat, now.Add(-agentproto.MaxSkew+time.Second), body)), http.StatusOK, "")
	for _, tc := range []struct {
		name   string
		path   string
		header map[string]string
	}{
		{"no signature", agentproto.PathHeartbeat, nil},
		{"other scheme", agentproto.PathHeartbeat, map[string]string{agentproto.HeaderAuth: "Bearer abc"}},
		{"malformed", agentproto.PathHeartbeat, map[string]string{agentproto.HeaderAuth: agentproto.AuthScheme + " " + a.id + ":x:y"}},
		{"other body", agentproto.PathHeartbeat, sign(a.key, a.id, agentproto.PathHeartbeat, now, []byte(`{}`))},
		{"other path", agentproto.PathAck, sign(a.key, a.id, agentproto.PathHeartbeat, now, body)},
		{"stale", agentproto.PathHeartbeat, sign(a.key, a.id, agentproto.PathHeartbeat, now.Add(-agentproto.MaxSkew-time.Second), body)},
		{"future", agentproto.PathHeartbeat, sign(a.key, a.id, agentproto.PathHeartbeat, now.Add(agentproto.MaxSkew+time.Second), body)},
		{"foreign node", agentproto.PathHeartbeat, sign(a.key, b.id, agentproto.PathHeartbeat, now, body)},
		{"unknown node", agentproto.PathHeartbeat, sign(a.key, "mi-00000000000000000", agentproto.PathHeartbeat, now, body)},
		{"not a node ID", agentproto.PathHeartbeat, sign(a.key, "i-0123456789abcdef0", agentproto.PathHeartbeat, now, body)},
	} {
		r := send(tc.path, tc.header)
		wantStatus(t, tc.name, r, http.StatusUnauthorized, agentproto.CodeUnauthorized)
		if msg := r.err().Message; strings.Contains(msg, a.id) || strings.Contains(msg, b.id) {
			t.Errorf("%s: message %q names a node", tc.name, msg)
		}
	}

	valid := sign(a.key, a.id, agentproto.PathHeartbeat, now, body)
	noProto := map[string]string{agentproto.HeaderProto: "", agentproto.HeaderAuth: valid[agentproto.HeaderAuth]}
	wantStatus(t, "no proto header", send(agentproto.PathHeartbeat, noProto), http.StatusBadRequest, agentproto.CodeBadRequest)
	for _, v := range []string{"2", "0", "-1"} {
		h := map[string]string{agentproto.HeaderProto: v, agentproto.HeaderAuth: valid[agentproto.HeaderAuth]}
		wantStatus(t, "proto "+v, send(agentproto.PathHeartbeat, h), http.StatusUpgradeRequired, agentproto.CodeUpgradeRequired)
	}
	wantStatus(t, "proto x", send(agentproto.PathHeartbeat, map[string]string{agentproto.HeaderProto: "x"}), http.StatusBadRequest, agentproto.CodeBadRequest)
	wantStatus(t, "unknown path", send(agentproto.PathPrefix+"nope", valid), http.StatusNotFound, agentproto.CodeNotFound)

	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+agentproto.PathPoll, nil)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}

	// Body limits: 1 MiB, 4 MiB for output and results.
	big := append([]byte(`{"commandId":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	big = append(big, `"}`...)
	wantStatus(t, "1 MiB ack", f.request(t, context.Background(), agentproto.PathAck, big, sign(a.key, a.id, agentproto.PathAck, now, big)),
		http.StatusRequestEntityTooLarge, agentproto.CodeBadRequest)
	out := agentproto.OutputRequest{CommandID: "c", Step: "s", Stream: agentproto.Stdout, Data: strings.Repeat("o", 3<<20)}
	wantStatus(t, "3 MiB output", f.call(t, a, agentproto.PathOutput, out), http.StatusOK, "")
	if f.work.outputs.Load() != 1 {
		t.Error("output not delivered to Work")
	}
	out.Data = strings.Repeat("o", 4<<20)
	wantStatus(t, "4 MiB output", f.call(t, a, agentproto.PathOutput, out), http.StatusRequestEntityTooLarge, agentproto.CodeBadRequest)
	bad := []byte(`{"commandId": 7}`)
	wantStatus(t, "bad JSON", f.request(t, context.Background(), agentproto.PathAck, bad, sign(a.key, a.id, agentproto.PathAck, now, bad)),
		http.StatusBadRequest, agentproto.CodeBadRequest)

	// Work's errors: NotFound is 404; anything else a generic 500 that
	// reveals nothing.
	wantStatus(t, "ack", f.call(t, a, agentproto.PathAck, agentproto.AckRequest{CommandID: "c1"}), http.StatusOK, "")
	wantStatus(t, "ack not mine", f.call(t, a, agentproto.PathAck, agentproto.AckRequest{CommandID: "not-mine"}), http.StatusNotFound, agentproto.CodeNotFound)
	r := f.call(t, a, agentproto.PathAck, agentproto.AckRequest{CommandID: "boom"})
	wantStatus(t, "ack failure", r, http.StatusInternalServerError, steward.CodeInternalFailure)
	if strings.Contains(string(r.body), "hunter2") || strings.Contains(string(r.body), "database") {
		t.Errorf("internal error leaks its cause: %s", r.body)
	}
	var params agentproto.ParametersResponse
	r = f.call(t, a, agentproto.PathParameters, agentproto.ParametersRequest{CommandID: "c1", Names: []string{"x"}})
	if r.status != http.StatusOK || json.Unmarshal(r.body, &params) != nil || len(params.Invalid) != 1 {
		t.Errorf("parameters: %d %s", r.status, r.body)
	}
	wantStatus(t, "document", f.call(t, a, agentproto.PathDocument, agentproto.DocumentRequest{CommandID: "c1", Name: "d"}), http.StatusOK, "")
	wantStatus(t, "result", f.call(t, a, agentproto.PathResult, agentproto.ResultRequest{CommandID: "c1", Status: "Success"}), http.StatusOK, "")
}

func TestDeregisteredNodeRefused(t *testing.T) {
	f := newFixture(t, nil)
	a, other := f.register(t), f.register(t)
	wantStatus(t, "before", f.call(t, a, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")
	if err := f.nodes.DeregisterManagedInstance(context.Background(), a.id); err != nil {
		t.Fatal(err)
	}
	// The key is cached for KeyTTL: deregistration takes effect when it
	// expires.
	f.clock.Advance(fleet.DefaultKeyTTL)
	wantStatus(t, "after", f.call(t, a, agentproto.PathPoll, agentproto.PollRequest{}), http.StatusForbidden, agentproto.CodeDeregistered)
	// Only a valid signature learns that the node was deregistered.
	forged := agent{id: a.id, key: other.key}
	wantStatus(t, "forged", f.call(t, forged, agentproto.PathPoll, agentproto.PollRequest{}), http.StatusUnauthorized, agentproto.CodeUnauthorized)
	wantStatus(t, "other node", f.call(t, other, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")
}

func TestKeyCacheTTL(t *testing.T) {
	f := newFixture(t, func(o *fleet.Options) { o.KeyTTL = time.Minute })
	a := f.register(t)
	wantStatus(t, "first", f.call(t, a, agentproto.PathAck, agentproto.AckRequest{CommandID: "c"}), http.StatusOK, "")
	if err := f.nodes.DeregisterManagedInstance(context.Background(), a.id); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(59 * time.Second)
	wantStatus(t, "within the TTL", f.call(t, a, agentproto.PathAck, agentproto.AckRequest{CommandID: "c"}), http.StatusOK, "")
	f.clock.Advance(time.Second)
	wantStatus(t, "TTL passed", f.call(t, a, agentproto.PathAck, agentproto.AckRequest{CommandID: "c"}), http.StatusForbidden, agentproto.CodeDeregistered)
}

// pollAsync starts a poll and returns the channel its answer arrives on.
func (f *fixture) pollAsync(t *testing.T, ctx context.Context, a agent) <-chan response {
	body, _ := json.Marshal(agentproto.PollRequest{})
	header := map[string]string{agentproto.HeaderAuth: agentproto.Sign(a.key, a.id, http.MethodPost, agentproto.PathPoll, f.clock.Now(), body)}
	ch := make(chan response, 1)
	go func() { ch <- f.request(t, ctx, agentproto.PathPoll, body, header) }()
	return ch
}

func messages(t *testing.T, r response) []string {
	t.Helper()
	var pr agentproto.PollResponse
	if r.status != http.StatusOK || json.Unmarshal(r.body, &pr) != nil || pr.Messages == nil {
		t.Fatalf("poll: %d %s", r.status, r.body)
	}
	ids := []string{}
	for _, m := range pr.Messages {
		ids = append(ids, m.CommandID)
	}
	return ids
}

func TestPoll(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)

	// Work waiting: answered at once.
	f.work.add(a.id, "c1")
	if got := messages(t, f.call(t, a, agentproto.PathPoll, agentproto.PollRequest{})); len(got) != 1 || got[0] != "c1" {
		t.Errorf("immediate poll = %v", got)
	}
	recv(t, f.work.polls, "first Work.Poll")

	// No work: held (PollWait is an hour here) until a wake.
	answer := f.pollAsync(t, context.Background(), a)
	recv(t, f.work.polls, "Work.Poll of the held poll")
	f.hub.Wake("mi-00000000000000000") // another node: no effect
	f.work.add(a.id, "c2")
	f.hub.Wake(a.id)
	if got := messages(t, recv(t, answer, "the woken poll")); len(got) != 1 || got[0] != "c2" {
		t.Errorf("woken poll = %v", got)
	}
	recv(t, f.work.polls, "Work.Poll after the wake")

	// A wake that lands between Work.Poll and the wait is not lost: the
	// poll registers before asking Work. (A wake for a node with no poll
	// held is dropped; its next poll finds the work.)
	f.hub.Wake(a.id)
	f.work.add(a.id, "c3")
	if got := messages(t, f.call(t, a, agentproto.PathPoll, agentproto.PollRequest{})); len(got) != 1 || got[0] != "c3" {
		t.Errorf("poll after an early wake = %v", got)
	}
	recv(t, f.work.polls, "Work.Poll")

	// The agent goes away: the poll ends, nothing breaks.
	ctx, cancel := context.WithCancel(context.Background())
	answer = f.pollAsync(t, ctx, a)
	recv(t, f.work.polls, "Work.Poll of the abandoned poll")
	cancel()
	recv(t, answer, "the abandoned poll")
	f.hub.Wake(a.id)
}

func TestPollWait(t *testing.T) {
	f := newFixture(t, func(o *fleet.Options) { o.PollWait = 20 * time.Millisecond })
	a := f.register(t)
	if got := messages(t, f.call(t, a, agentproto.PathPoll, agentproto.PollRequest{})); len(got) != 0 {
		t.Errorf("poll past PollWait = %v", got)
	}
	if n := len(f.work.polls); n != 2 {
		t.Errorf("Work.Poll called %d times, want 2 (before and after the wait)", n)
	}
}

func TestCloseReleasesPolls(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)
	answer := f.pollAsync(t, context.Background(), a)
	recv(t, f.work.polls, "Work.Poll")
	if err := f.hub.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := messages(t, recv(t, answer, "the poll released by Close")); len(got) != 0 {
		t.Errorf("poll = %v", got)
	}
	// After Close, polls are answered without being held.
	if got := messages(t, f.call(t, a, agentproto.PathPoll, agentproto.PollRequest{})); len(got) != 0 {
		t.Errorf("poll after Close = %v", got)
	}
}

// memRegistry is an in-memory Registry for the scale test (whose subject is
// the hub, not registration).
type memRegistry struct {
	mu   sync.Mutex
	keys map[string]ed25519.PublicKey
}

func (m *memRegistry) Register(context.Context, agentproto.RegisterRequest) (agentproto.RegisterResponse, error) {
	return agentproto.RegisterResponse{}, errors.New("not used")
}

func (m *memRegistry) NodeKey(_ context.Context, id string) (ed25519.PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[id]; ok {
		return k, nil
	}
	return nil, steward.Errorf(agentproto.CodeUnauthorized, "unknown node")
}

func (m *memRegistry) Heartbeat(context.Context, string, agentproto.Facts) error { return nil }
func (m *memRegistry) Touch(context.Context, map[string]time.Time) error         { return nil }

func TestThousandHeldPolls(t *testing.T) {
	const n = 1000
	if testing.Short() {
		t.Skip("1,000 connections: not in -short")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 2*n+200 {
		t.Skipf("open-file limit %d is too low for %d connections", lim.Cur, n)
	}
	reg := &memRegistry{keys: map[string]ed25519.PublicKey{}}
	f := newFixture(t, func(o *fleet.Options) { o.Registry = reg })
	agents := make([]agent, n)
	for i := range agents {
		pub, priv, _ := ed25519.GenerateKey(nil)
		agents[i] = agent{id: fmt.Sprintf("mi-%017x", i), key: priv}
		reg.keys[agents[i].id] = pub
	}
	answers := make([]<-chan response, n)
	for i, a := range agents {
		answers[i] = f.pollAsync(t, context.Background(), a)
	}
	for range n {
		recv(t, f.work.polls, "Work.Poll of a held poll")
	}
	// Every poll is held now; a wake releases each with its own work.
	ids := make([]string, n)
	for i, a := range agents {
		f.work.add(a.id, "cmd-"+a.id)
		ids[i] = a.id
	}
	f.hub.Wake(ids...)
	for i, a := range agents {
		got := messages(t, recv(t, answers[i], "a woken poll"))
		if len(got) != 1 || got[0] != "cmd-"+a.id {
			t.Fatalf("node %s got %v", a.id, got)
		}
	}
}

func TestLastSeenBatching(t *testing.T) {
	f := newFixture(t, nil)
	a, b, c := f.register(t), f.register(t), f.register(t)
	f.clock.Advance(time.Minute)
	for _, x := range []agent{a, b, c, a} {
		wantStatus(t, "heartbeat", f.call(t, x, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")
	}
	f.tick <- t0
	batch := recv(t, f.reg.touches, "Touch")
	if len(batch) != 3 || !batch[a.id].Equal(t0.Add(time.Minute)) {
		t.Errorf("first batch = %v", batch)
	}
	// Nothing new: no Touch. (The next Touch seen below is the third tick's.)
	f.tick <- t0
	f.clock.Advance(time.Second)
	wantStatus(t, "heartbeat", f.call(t, b, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")
	f.tick <- t0
	batch = recv(t, f.reg.touches, "Touch")
	if len(batch) != 1 || !batch[b.id].Equal(t0.Add(time.Minute+time.Second)) {
		t.Errorf("second batch = %v", batch)
	}

	// A failed Touch keeps the times for the next one.
	f.clock.Advance(time.Second)
	wantStatus(t, "heartbeat", f.call(t, c, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")
	f.reg.failNext.Store(true)
	if err := f.hub.Flush(context.Background()); err == nil {
		t.Fatal("Flush did not report the failure")
	}
	f.tick <- t0
	batch = recv(t, f.reg.touches, "Touch after a failure")
	if len(batch) != 1 || !batch[c.id].Equal(t0.Add(time.Minute+2*time.Second)) {
		t.Errorf("retried batch = %v", batch)
	}

	// A held poll counts as seen when it starts and when it ends.
	f.clock.Advance(time.Second)
	start := f.clock.Now()
	answer := f.pollAsync(t, context.Background(), a)
	recv(t, f.work.polls, "Work.Poll")
	f.tick <- t0
	if batch := recv(t, f.reg.touches, "Touch at the start of the poll"); !batch[a.id].Equal(start) {
		t.Errorf("poll start: %v", batch)
	}
	f.clock.Advance(agentproto.PollWait)
	f.hub.Wake(a.id)
	recv(t, answer, "the poll")
	f.tick <- t0
	if batch := recv(t, f.reg.touches, "Touch at the end of the poll"); !batch[a.id].Equal(start.Add(agentproto.PollWait)) {
		t.Errorf("poll end: %v", batch)
	}
	// Persisted: the registry reports the node Online with that ping.
	out, err := f.nodes.DescribeInstanceInformation(context.Background(), ssm.DescribeInstanceInformationInput{
		Filters: []ssm.InstanceInformationFilter{{Key: "InstanceIds", Values: []string{a.id}}},
	})
	if err != nil || len(out.Instances) != 1 || !out.Instances[0].LastPingDateTime.Equal(start.Add(agentproto.PollWait)) || out.Instances[0].PingStatus != ssm.PingOnline {
		t.Errorf("node after the poll = %+v, %v", out.Instances, err)
	}
}

func TestPollWakeWith(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)
	cmd := func(id string, deadline time.Time) []agentproto.Message {
		return []agentproto.Message{{Kind: agentproto.KindCommand, CommandID: id,
			Command: &agentproto.Command{CommandID: id, Deadline: deadline}}}
	}
	later := f.clock.Now().Add(time.Hour)

	// The messages handed over answer the released poll: Work is not asked.
	answer := f.pollAsync(t, context.Background(), a)
	recv(t, f.work.polls, "Work.Poll of the held poll")
	f.hub.WakeWith(cmd("c1", later), "mi-00000000000000000") // another node: no effect
	f.hub.WakeWith(cmd("c1", later), a.id)
	if got := messages(t, recv(t, answer, "the woken poll")); len(got) != 1 || got[0] != "c1" {
		t.Errorf("woken poll = %v", got)
	}
	if n := len(f.work.polls); n != 0 {
		t.Errorf("Work.Poll called %d times after WakeWith, want 0", n)
	}

	// Messages past their deadline, or a command the agent reports
	// running: Work is asked, as after a Wake.
	for _, tc := range []struct {
		msgs []agentproto.Message
		req  agentproto.PollRequest
	}{
		{cmd("c2", f.clock.Now()), agentproto.PollRequest{}},
		{cmd("c2", later), agentproto.PollRequest{Running: []string{"c2"}}},
	} {
		body, _ := json.Marshal(tc.req)
		header := map[string]string{agentproto.HeaderAuth: agentproto.Sign(a.key, a.id, http.MethodPost, agentproto.PathPoll, f.clock.Now(), body)}
		answer := make(chan response, 1)
		go func() { answer <- f.request(t, context.Background(), agentproto.PathPoll, body, header) }()
		recv(t, f.work.polls, "Work.Poll of the held poll")
		f.work.add(a.id, "c3")
		f.hub.WakeWith(tc.msgs, a.id)
		if got := messages(t, recv(t, answer, "the woken poll")); len(got) != 1 || got[0] != "c3" {
			t.Errorf("poll woken with unusable messages = %v", got)
		}
		recv(t, f.work.polls, "Work.Poll after the wake")
	}
}
