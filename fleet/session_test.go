package fleet_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/fleet"
)

// openSession opens a session for a, as steward-agent does.
func (f *fixture) openSession(t *testing.T, a agent) *agentproto.Session {
	t.Helper()
	priv, err := agentproto.NewSessionKey()
	if err != nil {
		t.Fatal(err)
	}
	r := f.call(t, a, agentproto.PathSession, agentproto.SessionRequest{PublicKey: priv.PublicKey().Bytes()})
	var resp agentproto.SessionResponse
	if r.status != http.StatusOK || json.Unmarshal(r.body, &resp) != nil {
		t.Fatalf("session: %d %s", r.status, r.body)
	}
	if resp.ExpiresIn != int(agentproto.SessionLifetime/time.Second) {
		t.Errorf("ExpiresIn = %d", resp.ExpiresIn)
	}
	s, err := agentproto.OpenSession(priv, a.id, resp, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// callIn sends a request signed in session s.
func (f *fixture) callIn(t *testing.T, s *agentproto.Session, path string, in any) response {
	t.Helper()
	body, _ := json.Marshal(in)
	return f.request(t, t.Context(), path, body, map[string]string{agentproto.HeaderAuth: s.Sign(http.MethodPost, path, f.clock.Now(), body)})
}

func TestSessionSignsRequests(t *testing.T) {
	f := newFixture(t, nil)
	a, b := f.register(t), f.register(t)
	s := f.openSession(t, a)
	wantStatus(t, "heartbeat in a session", f.callIn(t, s, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")

	// The node is the session's: a's session acts as a whatever it claims.
	f.work.add(b.id, "for-b")
	f.work.add(a.id, "for-a")
	r := f.callIn(t, s, agentproto.PathPoll, agentproto.PollRequest{})
	if got := messages(t, r); len(got) != 1 || got[0] != "for-a" {
		t.Errorf("poll in a's session got %v, want [for-a]", got)
	}

	// A MAC made with another key, or over another body, does not verify.
	other := f.openSession(t, b)
	forged := *s
	forged.Key = other.Key
	wantStatus(t, "wrong key", f.callIn(t, &forged, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusUnauthorized, agentproto.CodeUnauthorized)
	body, _ := json.Marshal(agentproto.AckRequest{CommandID: "x"})
	header := s.Sign(http.MethodPost, agentproto.PathAck, f.clock.Now(), body)
	wantStatus(t, "other body", f.request(t, t.Context(), agentproto.PathAck, []byte(`{"commandId":"y"}`), map[string]string{agentproto.HeaderAuth: header}),
		http.StatusUnauthorized, agentproto.CodeUnauthorized)
	wantStatus(t, "other path", f.request(t, t.Context(), agentproto.PathResult, body, map[string]string{agentproto.HeaderAuth: header}),
		http.StatusUnauthorized, agentproto.CodeUnauthorized)

	// A session cannot open another: that takes the node key.
	priv, _ := agentproto.NewSessionKey()
	wantStatus(t, "session from a session", f.callIn(t, s, agentproto.PathSession, agentproto.SessionRequest{PublicKey: priv.PublicKey().Bytes()}),
		http.StatusUnauthorized, agentproto.CodeUnauthorized)
	wantStatus(t, "bad public key", f.call(t, a, agentproto.PathSession, agentproto.SessionRequest{PublicKey: []byte("short")}), http.StatusBadRequest, agentproto.CodeBadRequest)
}

func TestSessionExpiresAndIsUnknownAfterRestart(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)
	s := f.openSession(t, a)

	// A session the hub does not know (a restarted server) is expired.
	unknown := *s
	unknown.ID = "0123456789abcdef0123456789abcdef"
	wantStatus(t, "unknown session", f.callIn(t, &unknown, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusUnauthorized, agentproto.CodeSessionExpired)

	f.clock.Advance(agentproto.SessionLifetime + time.Second)
	wantStatus(t, "expired", f.callIn(t, s, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusUnauthorized, agentproto.CodeSessionExpired)
	// The node key still works, and opens a new session.
	s2 := f.openSession(t, a)
	wantStatus(t, "new session", f.callIn(t, s2, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusOK, "")
}

func TestSessionOfDeregisteredNodeRefused(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)
	s := f.openSession(t, a)
	if err := f.nodes.DeregisterManagedInstance(t.Context(), a.id); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(fleet.DefaultKeyTTL)
	wantStatus(t, "deregistered", f.callIn(t, s, agentproto.PathPoll, agentproto.PollRequest{}), http.StatusForbidden, agentproto.CodeDeregistered)
}

func TestOldestSessionsDropped(t *testing.T) {
	f := newFixture(t, nil)
	a := f.register(t)
	first := f.openSession(t, a)
	for range 4 {
		f.openSession(t, a)
	}
	wantStatus(t, "fifth session pushed out the first", f.callIn(t, first, agentproto.PathHeartbeat, agentproto.HeartbeatRequest{}), http.StatusUnauthorized, agentproto.CodeSessionExpired)
}
