package keyring

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := New(Generate())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal([]byte("s3cret"), []byte("/app/db"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatal("plaintext visible in sealed value")
	}
	pt, err := k.Open(sealed, []byte("/app/db"))
	if err != nil || string(pt) != "s3cret" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := k.Open(sealed, []byte("/other")); err != ErrOpen {
		t.Fatalf("Open with other aad: %v, want ErrOpen", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k.Open(sealed, []byte("/app/db")); err != ErrOpen {
		t.Fatalf("Open tampered: %v, want ErrOpen", err)
	}
	for _, bad := range [][]byte{nil, {1}, {1, 200}, {2, 0}} {
		if _, err := k.Open(bad, nil); err != ErrOpen {
			t.Fatalf("Open(%v): %v", bad, err)
		}
	}
}

func TestRotation(t *testing.T) {
	f := Generate()
	old, _ := New(f)
	sealed, _ := old.Seal([]byte("v"), nil)
	g := Generate()
	f.Keys["k2"] = g.Keys["k1"]
	f.Active = "k2"
	k, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := k.Open(sealed, nil); err != nil || string(pt) != "v" {
		t.Fatalf("old value after rotation: %q %v", pt, err)
	}
	if k.ActiveKeyID() != "k2" {
		t.Fatal("active key not rotated")
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring")
	a, err := LoadOrCreate(path, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keyring file mode: %v %v", st.Mode(), err)
	}
	b, err := LoadOrCreate(path, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := a.Seal([]byte("x"), nil)
	if _, err := b.Open(sealed, nil); err != nil {
		t.Fatal("reloaded keyring cannot open")
	}
	if _, err := LoadOrCreate(path, `{"keys":{"a":"short"}}`); err == nil {
		t.Fatal("bad env keyring accepted")
	}
}
