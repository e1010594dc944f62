package sigv4

import (
	"errors"
	"strconv"
	"time"
)

// ErrUnknownKey is what Verifier.Lookup returns (possibly wrapped) for an
// access key ID it does not know. Verify turns it into an *Error of kind
// UnknownKey.
var ErrUnknownKey = errors.New("sigv4: unknown access key")

// Kind classifies a verification failure. The gateway maps each kind to the
// error code of the request's protocol.
type Kind uint8

// The kinds of failure.
const (
	// Missing: neither an Authorization header nor presign parameters.
	Missing Kind = iota + 1
	// Incomplete: malformed Authorization header, credential or scope; no
	// X-Amz-Date/Date; scope date differs from the request date; host not
	// signed; unsupported algorithm or payload (aws-chunked streaming).
	Incomplete
	// WrongService: the credential scope names another service than the one
	// the request was routed to.
	WrongService
	// Expired: the request time is more than MaxSkew before the server time.
	Expired
	// NotYetCurrent: the request time is more than MaxSkew after the server time.
	NotYetCurrent
	// PresignExpired: a presigned request is past X-Amz-Date + X-Amz-Expires.
	PresignExpired
	// UnknownKey: Lookup does not know the access key ID.
	UnknownKey
	// Mismatch: the signature (or the declared payload hash) does not match.
	Mismatch
)

var kindNames = [...]string{
	Missing:        "Missing",
	Incomplete:     "Incomplete",
	WrongService:   "WrongService",
	Expired:        "Expired",
	NotYetCurrent:  "NotYetCurrent",
	PresignExpired: "PresignExpired",
	UnknownKey:     "UnknownKey",
	Mismatch:       "Mismatch",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is a verification failure. Message is safe to show to the caller
// (it echoes only what the caller sent and the server time).
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return "sigv4: " + e.Kind.String() + ": " + e.Message }

// Is reports an UnknownKey error as ErrUnknownKey, so errors.Is works on
// either form.
func (e *Error) Is(target error) bool { return target == ErrUnknownKey && e.Kind == UnknownKey }

// Messages AWS uses, verbatim.
const (
	msgMissing    = "Request is missing Authentication Token"
	msgUnknownKey = "The security token included in the request is invalid."
	msgMismatch   = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgPayloadMismatch = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgPresignExpired  = "Request has expired"
	msgNeedsDate       = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	msgHostNotSigned   = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgPresignParams   = "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
		"'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
)

func incomplete(msg string) *Error { return &Error{Kind: Incomplete, Message: msg} }

// quote returns s in single quotes, cut short when it is long: messages echo
// what the caller sent, and the caller may send anything.
func quote(s string) string {
	const max = 128
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "'" + s + "'"
}

func wrongService(want string) *Error {
	return &Error{Kind: WrongService, Message: "Credential should be scoped to correct service: '" + want + "'."}
}

// skewError words Expired and NotYetCurrent as AWS does:
//
//	Signature expired: 20260121T101500Z is now earlier than 20260121T103000Z (20260121T104500Z - 15 min.)
//	Signature not yet current: 20260121T110000Z is still later than 20260121T110000Z (20260121T104500Z + 15 min.)
func skewError(k Kind, reqTime, now time.Time, skew time.Duration) *Error {
	var msg string
	if k == Expired {
		msg = "Signature expired: " + amzDate(reqTime) + " is now earlier than " + amzDate(now.Add(-skew)) +
			" (" + amzDate(now) + " - " + durationWords(skew) + ")"
	} else {
		msg = "Signature not yet current: " + amzDate(reqTime) + " is still later than " + amzDate(now.Add(skew)) +
			" (" + amzDate(now) + " + " + durationWords(skew) + ")"
	}
	return &Error{Kind: k, Message: msg}
}

func durationWords(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min."
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec."
}

func amzDate(t time.Time) string { return string(appendAmzDate(nil, t)) }
