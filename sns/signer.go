package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Message signatures (reference D3; AWS "Verifying the signatures of Amazon
// SNS messages"): an RSA-2048 key generated on first start, stored sealed by
// the keyring, with a self-signed certificate served at SigningCertURL.
// SignatureVersion 1 signs the string to sign with SHA1withRSA, 2 with
// SHA256withRSA (PKCS #1 v1.5), base64 in Signature. Every replica sharing a
// database uses the same key.

// signerHolder holds the loaded signing key.
type signerHolder struct {
	mu      sync.RWMutex
	id      string
	key     *rsa.PrivateKey
	certPEM []byte
}

func keyAAD(id string) []byte { return []byte("sns-signing-key:" + id) }

// load reads the signing key, creating it when the store has none.
func (h *signerHolder) load(ctx context.Context, store Store, sealer Sealer, region string, now time.Time) error {
	if sealer == nil {
		return errors.New("sns: a sealer is required for the signing key")
	}
	rec, err := store.SigningKey(ctx)
	if errors.Is(err, ErrNotFound) {
		fresh, gerr := newSigningKey(sealer, region, now)
		if gerr != nil {
			return gerr
		}
		rec, err = store.EnsureSigningKey(ctx, fresh)
	}
	if err != nil {
		return fmt.Errorf("sns: signing key: %w", err)
	}
	der, err := sealer.Open(rec.KeySealed, keyAAD(rec.ID))
	if err != nil {
		return fmt.Errorf("sns: open signing key: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return fmt.Errorf("sns: parse signing key: %w", err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return errors.New("sns: signing key is not RSA")
	}
	key.Precompute()
	h.mu.Lock()
	h.id, h.key, h.certPEM = rec.ID, key, rec.CertPEM
	h.mu.Unlock()
	return nil
}

// newSigningKey makes a key and its self-signed certificate.
func newSigningKey(sealer Sealer, region string, now time.Time) (*SigningKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "sns." + region + ".steward", Organization: []string{"Steward"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	id := randomHex(16)
	sealed, err := sealer.Seal(der, keyAAD(id))
	if err != nil {
		return nil, err
	}
	return &SigningKey{
		ID: id, KeySealed: sealed, CreatedAt: now,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}),
	}, nil
}

func (h *signerHolder) keyID() string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.id
}

// sign signs data with SignatureVersion version ("1" or "2").
func (h *signerHolder) sign(version string, data []byte) (string, error) {
	h.mu.RLock()
	key := h.key
	h.mu.RUnlock()
	if key == nil {
		return "", errors.New("sns: no signing key loaded")
	}
	var sig []byte
	var err error
	if version == "2" {
		sum := sha256.Sum256(data)
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum(data)
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// SigningCert returns the PEM certificate of the signing key with that ID.
func (t *Topics) SigningCert(keyID string) ([]byte, bool) {
	t.signer.mu.RLock()
	defer t.signer.mu.RUnlock()
	if keyID == "" || keyID != t.signer.id {
		return nil, false
	}
	return t.signer.certPEM, true
}

// sigCache shares signatures among the deliveries of one message: a
// notification's string to sign does not depend on the subscriber (only
// its body may, with MessageStructure=json). Deliveries of one message run
// at once, so the first signs and the others wait for it.
type sigCache struct {
	mu sync.Mutex
	m  map[string]*sigEntry
}

type sigEntry struct {
	once sync.Once
	sig  string
	err  error
}

func (c *sigCache) get(key string, sign func() (string, error)) (string, error) {
	if c == nil {
		return sign()
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*sigEntry{}
	}
	e, ok := c.m[key]
	if !ok {
		e = &sigEntry{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.sig, e.err = sign() })
	return e.sig, e.err
}
