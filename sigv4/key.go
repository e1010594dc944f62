package sigv4

import (
	"crypto/sha256"
	"maps"
	"sync"
	"sync/atomic"
)

// maxCachedKeys bounds the signing-key cache. A key serves one access key,
// date, region and service; the cache starts over when it is full, which
// costs four HMACs per key and happens at most once per 1,024 new keys.
const maxCachedKeys = 1024

// keyCache maps "AKID/date/region/service" to the derived signing key and
// the secret it was derived from, so a changed secret is never served a
// stale key. Readers load the current map without locking; a writer copies
// it, adds its key and publishes the copy (misses are rare: one per key,
// scope and day).
type keyCache struct {
	mu sync.Mutex // serialises writers
	m  atomic.Pointer[map[string]cachedKey]
}

type cachedKey struct {
	secret string
	key    [32]byte
}

// signingKey returns HMAC("AWS4"+secret, date, region, service, "aws4_request"),
// from the cache when it can.
func (c *keyCache) signingKey(secret string, s *Signature) [32]byte {
	var kb [maxKeyIDLen + 8 + 2*maxScopeNameLen + 3]byte
	k := append(kb[:0], s.AccessKeyID...)
	k = append(k, '/')
	k = append(k, s.Date...)
	k = append(k, '/')
	k = append(k, s.Region...)
	k = append(k, '/')
	k = append(k, s.Service...)

	if m := c.m.Load(); m != nil {
		if e, ok := (*m)[string(k)]; ok && e.secret == secret {
			return e.key
		}
	}
	key := deriveKey(secret, s.Date, s.Region, s.Service)
	c.mu.Lock()
	defer c.mu.Unlock()
	var next map[string]cachedKey
	if old := c.m.Load(); old != nil && len(*old) < maxCachedKeys {
		next = maps.Clone(*old)
	} else {
		next = make(map[string]cachedKey)
	}
	next[string(k)] = cachedKey{secret: secret, key: key}
	c.m.Store(&next)
	return key
}

func (c *keyCache) len() int {
	if m := c.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}

func deriveKey(secret, date, region, service string) [32]byte {
	buf := make([]byte, 0, 256)
	k := append([]byte("AWS4"), secret...)
	kDate, buf := hmacSHA256(buf, k, []byte(date))
	kRegion, buf := hmacSHA256(buf, kDate[:], []byte(region))
	kService, buf := hmacSHA256(buf, kRegion[:], []byte(service))
	kSigning, _ := hmacSHA256(buf, kService[:], []byte(terminator))
	return kSigning
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) without the allocations of
// crypto/hmac: buf is scratch space for the inner hash input and is
// returned for reuse.
func hmacSHA256(buf, key, msg []byte) ([32]byte, []byte) {
	const block = sha256.BlockSize
	var k [block]byte
	if len(key) > block {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	buf = buf[:0]
	for _, b := range k {
		buf = append(buf, b^0x36)
	}
	buf = append(buf, msg...)
	inner := sha256.Sum256(buf)

	var outer [block + sha256.Size]byte
	for i, b := range k {
		outer[i] = b ^ 0x5c
	}
	copy(outer[block:], inner[:])
	return sha256.Sum256(outer[:]), buf
}
