package sigv4

import (
	"crypto/sha256"
	"sync"
)

// maxCachedKeys bounds the signing-key cache. A key serves one access key,
// date, region and service; the cache starts over when it is full, which
// costs four HMACs per key and happens at most once per 1,024 new keys.
const maxCachedKeys = 1024

// keyCache maps "AKID/date/region/service" to the derived signing key and
// the secret it was derived from, so a changed secret is never served a
// stale key.
type keyCache struct {
	mu sync.RWMutex
	m  map[string]cachedKey
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

	c.mu.RLock()
	e, ok := c.m[string(k)]
	c.mu.RUnlock()
	if ok && e.secret == secret {
		return e.key
	}
	key := deriveKey(secret, s.Date, s.Region, s.Service)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedKeys {
		c.m = make(map[string]cachedKey)
	}
	c.m[string(k)] = cachedKey{secret: secret, key: key}
	c.mu.Unlock()
	return key
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
