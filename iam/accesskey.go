// Package iam holds identities and what they may do: the API access keys
// that SigV4 requests are verified against (this file), IAM roles with their
// inline and customer managed policies (roles.go and the files it names),
// and the policy language: parsing (policy.go), IAM's write-time rules
// (policy_check.go) and evaluation (policy_eval.go, authorize.go). A later
// issue adds users and checks every API call.
package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"time"

	"github.com/stewardhq/steward"
)

// AccessKey is an API access key and the identity it speaks for.
type AccessKey struct {
	AccessKeyID string
	Secret      string
	UserName    string
	UserID      string
	ARN         string
	Status      string // Active or Inactive
	CreatedAt   time.Time
}

// SealedKey is an AccessKey as stored: the secret sealed by the keyring.
type SealedKey struct {
	AccessKey
	SecretSealed []byte
}

// KeyStore persists access keys.
//
// GetAccessKey returns ErrNoSuchKey when the key does not exist.
// PutAccessKey inserts or replaces a key.
type KeyStore interface {
	PutAccessKey(ctx context.Context, k *SealedKey) error
	GetAccessKey(ctx context.Context, accessKeyID string) (*SealedKey, error)
	ListAccessKeys(ctx context.Context) ([]*SealedKey, error)
}

// Sealer encrypts secrets at rest (the keyring).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// ErrNoSuchKey reports an access key that does not exist.
var ErrNoSuchKey = errors.New("iam: no such access key")

// Keys manages access keys, caching the opened secrets for SigV4 lookups.
type Keys struct {
	store   KeyStore
	sealer  Sealer
	account string
	clock   steward.Clock

	cache sync.Map // access key ID -> *AccessKey
}

// NewKeys returns a Keys for the account.
func NewKeys(store KeyStore, sealer Sealer, account string, clock steward.Clock) *Keys {
	return &Keys{store: store, sealer: sealer, account: account, clock: clock}
}

// Lookup returns an active key by ID, or ErrNoSuchKey.
func (k *Keys) Lookup(ctx context.Context, id string) (*AccessKey, error) {
	if v, ok := k.cache.Load(id); ok {
		return v.(*AccessKey), nil
	}
	sk, err := k.store.GetAccessKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sk.Status != "Active" {
		return nil, ErrNoSuchKey
	}
	secret, err := k.sealer.Open(sk.SecretSealed, []byte(sk.AccessKeyID))
	if err != nil {
		return nil, err
	}
	ak := sk.AccessKey
	ak.Secret = string(secret)
	k.cache.Store(id, &ak)
	return &ak, nil
}

// Ensure stores the given key for user (creating or replacing it), for keys
// supplied by the operator through the environment.
func (k *Keys) Ensure(ctx context.Context, id, secret, user string) (*AccessKey, error) {
	if existing, err := k.Lookup(ctx, id); err == nil && existing.Secret == secret && existing.UserName == user {
		return existing, nil
	}
	return k.put(ctx, id, secret, user)
}

// Create makes a new random access key for user.
func (k *Keys) Create(ctx context.Context, user string) (*AccessKey, error) {
	return k.put(ctx, "AKIA"+randomString(upperAlnum, 16), randomString(secretChars, 40), user)
}

func (k *Keys) put(ctx context.Context, id, secret, user string) (*AccessKey, error) {
	sealed, err := k.sealer.Seal([]byte(secret), []byte(id))
	if err != nil {
		return nil, err
	}
	sk := &SealedKey{
		AccessKey: AccessKey{
			AccessKeyID: id,
			Secret:      secret,
			UserName:    user,
			UserID:      "AIDA" + randomString(upperAlnum, 17),
			ARN:         "arn:aws:iam::" + k.account + ":user/" + user,
			Status:      "Active",
			CreatedAt:   k.clock.Now().UTC(),
		},
		SecretSealed: sealed,
	}
	if err := k.store.PutAccessKey(ctx, sk); err != nil {
		return nil, err
	}
	ak := sk.AccessKey
	k.cache.Store(id, &ak)
	return &ak, nil
}

// Any returns some active key of user, if one exists.
func (k *Keys) Any(ctx context.Context, user string) (*AccessKey, error) {
	all, err := k.store.ListAccessKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, sk := range all {
		if sk.UserName == user && sk.Status == "Active" {
			return k.Lookup(ctx, sk.AccessKeyID)
		}
	}
	return nil, ErrNoSuchKey
}

const (
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters from alphabet (whose length divides 256).
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
