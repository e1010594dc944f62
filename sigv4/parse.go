package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"

	// MaxPresignExpires is the largest X-Amz-Expires accepted: one week.
	MaxPresignExpires = 7 * 24 * time.Hour

	maxKeyIDLen      = 128
	maxScopeNameLen  = 64
	maxHeaderNameLen = 128
	maxSignedHeaders = 64
)

// Signature is the signature information of a request, as Parse found it.
// Every field is well-formed: AccessKeyID is 1–128 of [A-Za-z0-9_]; Date is
// the yyyymmdd of Time; Region and Service are 1–64 of [A-Za-z0-9._-];
// SignedHeaders holds 1–64 lowercase header names, "host" among them;
// Signature is 32 bytes.
type Signature struct {
	AccessKeyID string
	Date        string // credential scope date, yyyymmdd
	Region      string
	Service     string
	// SignedHeaders lists the signed header names in the order the client
	// gave them (the SDKs sort them).
	SignedHeaders []string
	// Signature is the signature the client sent, decoded from hex.
	Signature []byte
	// Time is the signing time: X-Amz-Date, or the Date header when the
	// request has no X-Amz-Date.
	Time time.Time
	// Presigned is true when the signature came in the query string.
	Presigned bool
	// Expires is X-Amz-Expires of a presigned request; 0 when absent, in
	// which case the request is held to the same clock-skew window as a
	// signed header.
	Expires time.Duration
	// SecurityToken is X-Amz-Security-Token (header or query), for session
	// credentials; Verify does not check it.
	SecurityToken string

	amzDate string // the request time as it appears in the string to sign
	names   [12]string
	sum     [32]byte
}

// Parse reads the signature fields of r — the Authorization header, or the
// presigned X-Amz-* query parameters when there is no such header — and
// checks their shape: algorithm, credential and scope, signed headers (host
// must be one), signature, request time (X-Amz-Date, else Date) and that the
// scope date is the date of the request time. It checks neither the
// signature nor the clock nor the key.
//
// Errors are *Error of kind Missing or Incomplete.
func Parse(r *http.Request) (*Signature, error) {
	if auth := headerValues(r.Header, "authorization"); auth != nil {
		if len(auth) != 1 {
			return nil, incomplete("Only one Authorization header is allowed.")
		}
		return parseHeader(r, auth[0])
	}
	var q url.Values
	if r.URL != nil && r.URL.RawQuery != "" {
		q, _ = url.ParseQuery(r.URL.RawQuery) // bad pairs are left out; the rest still count
	}
	if q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature") {
		return parsePresigned(q)
	}
	return nil, &Error{Kind: Missing, Message: msgMissing}
}

// parseHeader parses
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa0…
func parseHeader(r *http.Request, auth string) (*Signature, error) {
	alg, rest, _ := strings.Cut(auth, " ")
	if alg != algorithm {
		return nil, incomplete("Unsupported AWS 'algorithm': " + quote(alg) + ".")
	}
	const (
		haveCredential = 1 << iota
		haveSignedHeaders
		haveSignature
	)
	var cred, signed, sig string
	var have int
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, incomplete(quote(part) + " not a valid key=value pair (missing equal-sign) in Authorization header: " + quote(auth) + ".")
		}
		var bit int
		switch name {
		case "Credential":
			bit, cred = haveCredential, val
		case "SignedHeaders":
			bit, signed = haveSignedHeaders, val
		case "Signature":
			bit, sig = haveSignature, val
		default:
			return nil, incomplete("Unknown parameter " + quote(name) + " in Authorization header: " + quote(auth) + ".")
		}
		if have&bit != 0 {
			return nil, incomplete("Duplicate parameter " + quote(name) + " in Authorization header: " + quote(auth) + ".")
		}
		have |= bit
	}
	if have != haveCredential|haveSignedHeaders|haveSignature {
		var msg string
		if have&haveCredential == 0 {
			msg += "Authorization header requires 'Credential' parameter. "
		}
		if have&haveSignature == 0 {
			msg += "Authorization header requires 'Signature' parameter. "
		}
		if have&haveSignedHeaders == 0 {
			msg += "Authorization header requires 'SignedHeaders' parameter. "
		}
		return nil, incomplete(msg + "Authorization=" + quote(auth))
	}

	s := new(Signature)
	if err := s.setCredential(cred); err != nil {
		return nil, err
	}
	if err := s.setSignedHeaders(signed); err != nil {
		return nil, err
	}
	if err := s.setSignature(sig); err != nil {
		return nil, err
	}
	if v := headerValues(r.Header, "x-amz-date"); v != nil {
		if len(v) != 1 {
			return nil, incomplete("Only one X-Amz-Date header is allowed.")
		}
		if err := s.setAmzDate(v[0]); err != nil {
			return nil, err
		}
	} else if v := headerValues(r.Header, "date"); v != nil {
		t, err := http.ParseTime(v[0])
		if err != nil || len(v) != 1 {
			return nil, incomplete("Date header " + quote(v[0]) + " is not an HTTP date.")
		}
		s.Time = t.UTC()
		s.amzDate = amzDate(s.Time)
	} else {
		return nil, incomplete(msgNeedsDate)
	}
	if v := headerValues(r.Header, "x-amz-security-token"); v != nil {
		s.SecurityToken = v[0]
	}
	if err := s.checkScopeDate(); err != nil {
		return nil, err
	}
	return s, nil
}

// parsePresigned parses the X-Amz-* parameters of a presigned URL.
func parsePresigned(q url.Values) (*Signature, error) {
	for _, k := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
		"X-Amz-SignedHeaders", "X-Amz-Expires", "X-Amz-Security-Token"} {
		if len(q[k]) > 1 {
			return nil, incomplete("Only one " + k + " query parameter is allowed.")
		}
	}
	for _, k := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		if !q.Has(k) {
			return nil, incomplete(msgPresignParams)
		}
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != algorithm {
		return nil, incomplete("X-Amz-Algorithm only supports " + quote(algorithm) + ", not " + quote(alg) + ".")
	}
	s := &Signature{Presigned: true}
	if err := s.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := s.setSignedHeaders(q.Get("X-Amz-SignedHeaders")); err != nil {
		return nil, err
	}
	if err := s.setSignature(q.Get("X-Amz-Signature")); err != nil {
		return nil, err
	}
	if err := s.setAmzDate(q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	if q.Has("X-Amz-Expires") {
		e := q.Get("X-Amz-Expires")
		n, err := strconv.ParseUint(e, 10, 32)
		if err != nil || n == 0 || time.Duration(n)*time.Second > MaxPresignExpires {
			return nil, incomplete("X-Amz-Expires must be a number of seconds from 1 to 604800, not " + quote(e) + ".")
		}
		s.Expires = time.Duration(n) * time.Second
	}
	s.SecurityToken = q.Get("X-Amz-Security-Token")
	if err := s.checkScopeDate(); err != nil {
		return nil, err
	}
	return s, nil
}

// setCredential parses AKID/yyyymmdd/region/service/aws4_request.
func (s *Signature) setCredential(cred string) error {
	if strings.Count(cred, "/") != 4 {
		return incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got " + quote(cred) + ".")
	}
	akid, rest, _ := strings.Cut(cred, "/")
	date, rest, _ := strings.Cut(rest, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, term, _ := strings.Cut(rest, "/")
	switch {
	case !validKeyID(akid):
		return incomplete("Credential has an invalid access key ID: " + quote(akid) + ".")
	case len(date) != 8 || !digits(date):
		return incomplete("Credential scope date must be yyyyMMdd, not " + quote(date) + ".")
	case !validScopeName(region):
		return incomplete("Credential should be scoped to a valid region, not " + quote(region) + ".")
	case !validScopeName(service):
		return incomplete("Credential should be scoped to a valid service, not " + quote(service) + ".")
	case term != terminator:
		return incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not " + quote(term) + ".")
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = akid, date, region, service
	return nil
}

// setSignedHeaders parses a;b;c. The names keep their order: the client
// signed the list as it sent it.
func (s *Signature) setSignedHeaders(list string) error {
	n := strings.Count(list, ";") + 1
	if n > maxSignedHeaders {
		return incomplete("SignedHeaders lists more than 64 headers.")
	}
	s.SignedHeaders = s.names[:0]
	host := false
	for i := 0; i < n; i++ {
		name, rest, _ := strings.Cut(list, ";")
		list = rest
		if !validHeaderName(name) {
			return incomplete("SignedHeaders must be lowercase header names separated by ';', got " + quote(name) + ".")
		}
		host = host || name == "host"
		s.SignedHeaders = append(s.SignedHeaders, name)
	}
	if !host {
		return incomplete(msgHostNotSigned)
	}
	return nil
}

func (s *Signature) setSignature(sig string) error {
	if len(sig) != 2*len(s.sum) || !lowerHex(sig) {
		return incomplete("Signature must be 64 lowercase hexadecimal digits, not " + quote(sig) + ".")
	}
	for i := range s.sum {
		s.sum[i] = unhex(sig[2*i])<<4 | unhex(sig[2*i+1])
	}
	s.Signature = s.sum[:]
	return nil
}

func (s *Signature) setAmzDate(v string) error {
	t, ok := parseAmzDate(v)
	if !ok {
		return incomplete("Date must be in ISO-8601 'basic format'. Got " + quote(v) + ". See http://en.wikipedia.org/wiki/ISO_8601")
	}
	s.Time, s.amzDate = t, v
	return nil
}

func (s *Signature) checkScopeDate() error {
	if s.amzDate[:8] != s.Date {
		return incomplete("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
			quote(s.Date) + " != " + quote(s.amzDate[:8]) + ", from " + quote(s.amzDate) + ".")
	}
	return nil
}

// parseAmzDate parses yyyymmddThhmmssZ strictly (no normalisation of
// 20150231 into March).
func parseAmzDate(v string) (time.Time, bool) {
	if len(v) != 16 || v[8] != 'T' || v[15] != 'Z' || !digits(v[:8]) || !digits(v[9:15]) {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for i := 0; i < len(s); i++ {
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	y, mo, d := num(v[0:4]), num(v[4:6]), num(v[6:8])
	h, mi, sec := num(v[9:11]), num(v[11:13]), num(v[13:15])
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d || t.Hour() != h || t.Minute() != mi || t.Second() != sec {
		return time.Time{}, false
	}
	return t, true
}

func appendAmzDate(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, "20060102T150405Z")
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func validKeyID(s string) bool {
	if len(s) == 0 || len(s) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '_' {
			return false
		}
	}
	return true
}

func validScopeName(s string) bool {
	if len(s) == 0 || len(s) > maxScopeNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// validHeaderName: a lowercase HTTP token.
func validHeaderName(s string) bool {
	if len(s) == 0 || len(s) > maxHeaderNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// unhex returns the value of a hex digit checked beforehand.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func alnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}
