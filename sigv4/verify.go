package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultMaxSkew is how far the request time may be from the server time
// when Verifier.MaxSkew is zero: AWS's documented 15 minutes.
const DefaultMaxSkew = 15 * time.Minute

const unsignedPayload = "UNSIGNED-PAYLOAD"

// Verifier checks SigV4 signatures. Set Lookup; the other fields have
// defaults. A Verifier is safe for concurrent use and must not be copied
// after first use (it holds a signing-key cache).
type Verifier struct {
	// Lookup returns the secret access key of an access key ID, or an error
	// that errors.Is ErrUnknownKey when there is no such key. Other errors
	// are returned by Verify as they are.
	Lookup func(ctx context.Context, accessKeyID string) (secret string, err error)
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the allowed distance between request time and server time;
	// 0 means DefaultMaxSkew.
	MaxSkew time.Duration

	keys keyCache
	pool sync.Pool // of *scratch
}

// Verify checks the SigV4 signature of r, whose body has already been read
// into body (the raw bytes, before any Content-Encoding is undone). service
// is the signing name of the service the request was routed to ("ssm",
// "monitoring", …); the credential scope must name it ("" skips the check).
//
// Checks, in order: Parse (Missing, Incomplete); the scope's service
// (WrongService); the X-Amz-Content-Sha256 header when present
// (Incomplete for aws-chunked streaming or a malformed value); the time —
// within MaxSkew of now (Expired, NotYetCurrent), or for a presigned request
// with X-Amz-Expires not yet past X-Amz-Date + X-Amz-Expires
// (PresignExpired); the key (UnknownKey, or Lookup's own error); the
// declared payload hash and then the signature (Mismatch).
//
// A path with empty, "." or ".." segments verifies against its normalised
// form as well as its literal one (botocore signs the first, aws-sdk-go-v2
// the second), so whatever routes on the path must not give such segments a
// meaning the normalised path lacks.
//
// On success it returns the parsed Signature; the caller still has to check
// SecurityToken for session credentials.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte, service string) (*Signature, error) {
	s, err := Parse(r)
	if err != nil {
		return nil, err
	}
	if service != "" && s.Service != service {
		return nil, wrongService(service)
	}

	// The payload hash: X-Amz-Content-Sha256 when sent (never for presigned
	// requests, which hash the body), else hex(sha256(body)).
	var declared string
	if !s.Presigned {
		if h := headerValues(r.Header, "x-amz-content-sha256"); h != nil {
			declared = h[0]
			switch {
			case len(h) != 1:
				return nil, incomplete("Only one X-Amz-Content-Sha256 header is allowed.")
			case strings.HasPrefix(declared, "STREAMING-"):
				return nil, incomplete("X-Amz-Content-Sha256 " + quote(declared) + " (aws-chunked upload) is not supported.")
			case declared != unsignedPayload && (len(declared) != 2*sha256.Size || !isHexString(declared)):
				return nil, incomplete("X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in hex, not " + quote(declared) + ".")
			}
		}
	}

	if err := v.checkTime(s); err != nil {
		return nil, err
	}

	if v.Lookup == nil {
		return nil, errors.New("sigv4: Verifier.Lookup is not set")
	}
	secret, err := v.Lookup(ctx, s.AccessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return nil, &Error{Kind: UnknownKey, Message: msgUnknownKey}
		}
		return nil, err
	}

	var pbuf [2 * sha256.Size]byte
	payload := append(pbuf[:0], declared...) // UNSIGNED-PAYLOAD, or the client's hash in the client's case
	if declared != unsignedPayload {
		sum := sha256.Sum256(body)
		if declared == "" {
			payload = hex.AppendEncode(pbuf[:0], sum[:])
		} else if !hexEqual(declared, &sum) {
			return nil, &Error{Kind: Mismatch, Message: msgPayloadMismatch}
		}
	}

	key := v.keys.signingKey(secret, s)
	st, _ := v.pool.Get().(*scratch)
	if st == nil {
		st = new(scratch)
	}
	ok := st.matches(r, s, &key, payload, true)
	if !ok && !cleanPath(requestPath(r)) {
		// aws-sdk-go-v2 signs the path as it is; botocore and the test
		// suite sign it normalised. Accept either.
		ok = st.matches(r, s, &key, payload, false)
	}
	if st.small() {
		v.pool.Put(st)
	}
	if !ok {
		return nil, &Error{Kind: Mismatch, Message: msgMismatch}
	}
	return s, nil
}

// matches reports whether the signature the client sent is the one r
// calls for.
func (st *scratch) matches(r *http.Request, s *Signature, key *[32]byte, payload []byte, normalize bool) bool {
	st.uri = appendCanonicalURI(st.uri[:0], requestPath(r), normalize)
	mac := st.signature(r, s, key, st.uri, payload)
	return hmac.Equal(mac[:], s.Signature)
}

func (v *Verifier) checkTime(s *Signature) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now().UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if s.Time.After(t.Add(skew)) {
		return skewError(NotYetCurrent, s.Time, t, skew)
	}
	if s.Presigned && s.Expires > 0 {
		if t.After(s.Time.Add(s.Expires)) {
			return &Error{Kind: PresignExpired, Message: msgPresignExpired}
		}
		return nil
	}
	if s.Time.Before(t.Add(-skew)) {
		return skewError(Expired, s.Time, t, skew)
	}
	return nil
}

// hexEqual reports whether the hex digits h (either case) spell sum.
func hexEqual(h string, sum *[sha256.Size]byte) bool {
	if len(h) != 2*len(sum) {
		return false
	}
	for i, b := range sum {
		if unhex(h[2*i])<<4|unhex(h[2*i+1]) != b {
			return false
		}
	}
	return true
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
