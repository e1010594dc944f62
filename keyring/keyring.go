// Package keyring seals secrets at rest with AES-256-GCM. A keyring holds one
// or more 32-byte keys by ID; the newest seals, any opens. Every sealed value
// records the ID of its key, so keys can be rotated by adding a new one.
//
// The keyring lives in a file in the data directory (mode 0600, created on
// first start) or comes from the environment (STEWARD_KEYRING, the same JSON),
// so that the database alone never reveals a secret.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
)

// format of a sealed value: version(1) | len(keyID)(1) | keyID | nonce(12) | ciphertext+tag
const sealVersion = 1

// Keyring seals and opens values. It is safe for concurrent use.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
}

// File is the on-disk (and STEWARD_KEYRING) form.
type File struct {
	Active string            `json:"active"`
	Keys   map[string]string `json:"keys"` // id -> base64 of 32 bytes
}

// New builds a keyring from its file form.
func New(f File) (*Keyring, error) {
	if len(f.Keys) == 0 {
		return nil, errors.New("keyring: no keys")
	}
	if f.Active == "" {
		ids := make([]string, 0, len(f.Keys))
		for id := range f.Keys {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		f.Active = ids[len(ids)-1]
	}
	k := &Keyring{active: f.Active, aeads: map[string]cipher.AEAD{}}
	for id, enc := range f.Keys {
		if id == "" || len(id) > 255 {
			return nil, fmt.Errorf("keyring: bad key id %q", id)
		}
		raw, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("keyring: key %q is not 32 base64-encoded bytes", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
	}
	if _, ok := k.aeads[k.active]; !ok {
		return nil, fmt.Errorf("keyring: active key %q not present", k.active)
	}
	return k, nil
}

// Generate returns a File with one fresh random key.
func Generate() File {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return File{Active: "k1", Keys: map[string]string{"k1": base64.StdEncoding.EncodeToString(raw)}}
}

// LoadOrCreate reads the keyring from env (when non-empty) or from path,
// creating path with a fresh key (mode 0600) when it does not exist.
func LoadOrCreate(path, env string) (*Keyring, error) {
	var f File
	switch {
	case env != "":
		if err := json.Unmarshal([]byte(env), &f); err != nil {
			return nil, fmt.Errorf("keyring from environment: %w", err)
		}
	default:
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			f = Generate()
			b, _ = json.MarshalIndent(f, "", "  ")
			if err := writeFileExcl(path, b); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, fmt.Errorf("keyring: %w", err)
		} else if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("keyring %s: %w", path, err)
		}
	}
	return New(f)
}

func writeFileExcl(path string, b []byte) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return fmt.Errorf("keyring: %w", err)
	}
	return fh.Close()
}

// ActiveKeyID returns the ID of the key that seals new values.
func (k *Keyring) ActiveKeyID() string { return k.active }

// Seal encrypts plaintext bound to aad (e.g. the parameter name), so a sealed
// value moved to another record fails to open.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	aead := k.aeads[k.active]
	out := make([]byte, 0, 2+len(k.active)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, sealVersion, byte(len(k.active)))
	out = append(out, k.active...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad), nil
}

// ErrOpen is returned for a sealed value that is corrupt, sealed under an
// unknown key, or bound to other additional data.
var ErrOpen = errors.New("keyring: cannot open sealed value")

// Open decrypts a value made by Seal with the same aad.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != sealVersion {
		return nil, ErrOpen
	}
	n := int(sealed[1])
	if len(sealed) < 2+n {
		return nil, ErrOpen
	}
	aead, ok := k.aeads[string(sealed[2:2+n])]
	if !ok {
		return nil, ErrOpen
	}
	rest := sealed[2+n:]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
