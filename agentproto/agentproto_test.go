package agentproto

import (
	"crypto/ed25519"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"commandId":"c"}`)
	h := Sign(priv, "mi-0123456789abcdef0", "POST", PathResult, now, body)
	node, unix, sig, err := ParseAuth(h)
	if err != nil || node != "mi-0123456789abcdef0" {
		t.Fatalf("ParseAuth = %q, %v", node, err)
	}
	if err := Verify(pub, "POST", PathResult, unix, sig, body, now); err != nil {
		t.Fatal(err)
	}
	if Verify(pub, "POST", PathResult, unix, sig, []byte(`{"commandId":"d"}`), now) == nil {
		t.Fatal("tampered body verified")
	}
	if Verify(pub, "POST", PathAck, unix, sig, body, now) == nil {
		t.Fatal("other path verified")
	}
	if Verify(pub, "POST", PathResult, unix, sig, body, now.Add(10*time.Minute)) == nil {
		t.Fatal("stale signature verified")
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if Verify(other, "POST", PathResult, unix, sig, body, now) == nil {
		t.Fatal("other key verified")
	}
}

func FuzzParseAuth(f *testing.F) {
	f.Add("Steward-Node mi-0123456789abcdef0:1800000000:" + string(make([]byte, 0)))
	f.Add("Steward-Node a:b:c")
	f.Fuzz(func(t *testing.T, h string) {
		_, _, sig, err := ParseAuth(h)
		if err == nil && len(sig) != ed25519.SignatureSize {
			t.Fatalf("accepted signature of %d bytes", len(sig))
		}
	})
}
