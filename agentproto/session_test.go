package agentproto_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
)

func TestSessionBothSidesDeriveOneKey(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	priv, err := agentproto.NewSessionKey()
	if err != nil {
		t.Fatal(err)
	}
	server, resp, err := agentproto.AcceptSession("mi-0123456789abcdef0", agentproto.SessionRequest{PublicKey: priv.PublicKey().Bytes()}, now)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := agentproto.OpenSession(priv, "mi-0123456789abcdef0", resp, now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(agent.Key, server.Key) || agent.ID != server.ID || len(agent.Key) != 32 {
		t.Fatalf("keys differ: agent %x server %x", agent.Key, server.Key)
	}
	if bytes.Contains(mustJSON(t, resp), server.Key) {
		t.Fatal("the session key is in the answer")
	}
	body := []byte(`{"commandId":"c"}`)
	header := agent.Sign(http.MethodPost, agentproto.PathAck, now, body)
	id, unix, mac, err := agentproto.ParseSessionAuth(header)
	if err != nil || id != server.ID {
		t.Fatalf("ParseSessionAuth(%q) = %q, %v", header, id, err)
	}
	if err := server.Verify(http.MethodPost, agentproto.PathAck, unix, mac, body, now); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := server.Verify(http.MethodPost, agentproto.PathAck, unix, mac, []byte(`{}`), now); err == nil {
		t.Error("a MAC over another body verified")
	}
	if err := server.Verify(http.MethodPost, agentproto.PathAck, unix, mac, body, now.Add(agentproto.MaxSkew+time.Second)); err == nil {
		t.Error("a MAC outside the time window verified")
	}
	if err := server.Verify(http.MethodPost, agentproto.PathAck, unix, mac, body, now.Add(agentproto.SessionLifetime+time.Second)); err == nil {
		t.Error("an expired session verified")
	}

	// The key is bound to the node: another node ID derives another key.
	other, err := agentproto.OpenSession(priv, "mi-0123456789abcdef1", resp, now)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other.Key, server.Key) {
		t.Error("the session key does not depend on the node ID")
	}
}

func TestSessionRejectsBadKeys(t *testing.T) {
	now := time.Now()
	if _, _, err := agentproto.AcceptSession("mi-0123456789abcdef0", agentproto.SessionRequest{PublicKey: make([]byte, 31)}, now); err == nil {
		t.Error("a 31-byte public key was accepted")
	}
	priv, _ := agentproto.NewSessionKey()
	if _, err := agentproto.OpenSession(priv, "mi-0123456789abcdef0", agentproto.SessionResponse{SessionID: "s", PublicKey: []byte{1}}, now); err == nil {
		t.Error("a bad server key was accepted")
	}
	// The all-zero point gives an all-zero shared secret: refused.
	if _, _, err := agentproto.AcceptSession("mi-0123456789abcdef0", agentproto.SessionRequest{PublicKey: make([]byte, 32)}, now); err == nil {
		t.Error("the zero point was accepted")
	}
}

func FuzzParseSessionAuth(f *testing.F) {
	f.Add("Steward-Session 0123:1700000000:" + string(bytes.Repeat([]byte("A"), 44)))
	f.Add("Steward-Session ::")
	f.Add("Steward-Node mi-0:1:x")
	f.Fuzz(func(t *testing.T, header string) {
		id, _, mac, err := agentproto.ParseSessionAuth(header)
		if err == nil && (id == "" || len(mac) != 32) {
			t.Fatalf("accepted %q: id %q mac %d bytes", header, id, len(mac))
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
