package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// scratch holds the buffers one verification needs; Verifier pools them.
type scratch struct {
	buf   []byte      // canonical request, then string to sign
	uri   []byte      // canonical URI
	mac   []byte      // HMAC input
	q     []byte      // encoded query names and values
	pairs []queryPair // into q
}

// queryPair is one encoded query parameter: name q[k:v], value q[v:end].
type queryPair struct{ k, v, end int }

// maxPooledBuf keeps a huge query string from pinning its buffers forever.
const maxPooledBuf = 64 << 10

func (st *scratch) small() bool {
	return cap(st.buf) <= maxPooledBuf && cap(st.q) <= maxPooledBuf && cap(st.uri) <= maxPooledBuf
}

// signature computes the signature of r under key, with uri as the
// canonical URI and payload as the payload hash.
func (st *scratch) signature(r *http.Request, s *Signature, key *[32]byte, uri, payload []byte) [32]byte {
	st.buf = st.canonicalRequest(st.buf[:0], r, s, uri, payload)
	sum := sha256.Sum256(st.buf)
	st.buf = appendStringToSign(st.buf[:0], s, &sum)
	var mac [32]byte
	mac, st.mac = hmacSHA256(st.mac, key[:], st.buf)
	return mac
}

// canonicalRequest appends
//
//	method \n canonical URI \n canonical query \n canonical headers \n signed headers \n payload hash
func (st *scratch) canonicalRequest(dst []byte, r *http.Request, s *Signature, uri, payload []byte) []byte {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = append(dst, uri...)
	dst = append(dst, '\n')
	if r.URL != nil {
		dst = st.appendCanonicalQuery(dst, r.URL.RawQuery, s.Presigned)
	}
	dst = append(dst, '\n')
	dst = appendCanonicalHeaders(dst, r, s.SignedHeaders)
	dst = append(dst, '\n')
	for i, name := range s.SignedHeaders {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, name...)
	}
	dst = append(dst, '\n')
	return append(dst, payload...)
}

// appendStringToSign appends
//
//	AWS4-HMAC-SHA256 \n request time \n date/region/service/aws4_request \n hex(sha256(canonical request))
func appendStringToSign(dst []byte, s *Signature, crHash *[32]byte) []byte {
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, s.amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, s.Date...)
	dst = append(dst, '/')
	dst = append(dst, s.Region...)
	dst = append(dst, '/')
	dst = append(dst, s.Service...)
	dst = append(dst, "/"+terminator+"\n"...)
	return hex.AppendEncode(dst, crHash[:])
}

// requestPath returns the path of the request target as the client sent it,
// still percent-encoded.
func requestPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return u
	}
	if r.URL == nil {
		return "/"
	}
	if p := r.URL.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// cleanPath reports whether normalising p would leave it as it is: it
// starts with "/" and has no empty, "." or ".." segment before its end.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		seg := p[i+1:]
		if j := strings.IndexByte(seg, '/'); j >= 0 {
			seg = seg[:j]
		} else if seg == "" {
			return true // trailing slash
		}
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// appendCanonicalURI appends p URI-encoded once more (every byte but the
// unreserved ones and '/'), which is what the SDKs sign for every service
// but S3. With normalize, empty, "." and ".." segments are removed first, as
// botocore and the SigV4 test suite do.
func appendCanonicalURI(dst []byte, p string, normalize bool) []byte {
	if !normalize || cleanPath(p) {
		if p == "" {
			return append(dst, '/')
		}
		return appendEscaped(dst, p, true)
	}
	start := len(dst)
	trailing := strings.HasSuffix(p, "/")
	for p != "" {
		var seg string
		seg, p, _ = strings.Cut(p, "/")
		switch seg {
		case "", ".":
		case "..":
			if i := bytes.LastIndexByte(dst[start:], '/'); i >= 0 {
				dst = dst[:start+i]
			}
		default:
			dst = append(dst, '/')
			dst = appendEscaped(dst, seg, false)
		}
	}
	if len(dst) == start || trailing {
		dst = append(dst, '/')
	}
	return dst
}

// appendCanonicalQuery appends the query parameters of raw, each name and
// value decoded ('+' is a space) and re-encoded per RFC 3986, sorted by name
// then value. A presigned request leaves out X-Amz-Signature.
func (st *scratch) appendCanonicalQuery(dst []byte, raw string, presigned bool) []byte {
	if raw == "" {
		return dst
	}
	st.q, st.pairs = st.q[:0], st.pairs[:0]
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		name, value, _ := strings.Cut(seg, "=")
		k := len(st.q)
		st.q = appendQueryComponent(st.q, name)
		v := len(st.q)
		if presigned && string(st.q[k:v]) == "X-Amz-Signature" {
			st.q = st.q[:k]
			continue
		}
		st.q = appendQueryComponent(st.q, value)
		st.pairs = append(st.pairs, queryPair{k, v, len(st.q)})
	}
	sort.Sort(querySorter{st})
	for i, p := range st.pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, st.q[p.k:p.v]...)
		dst = append(dst, '=')
		dst = append(dst, st.q[p.v:p.end]...)
	}
	return dst
}

type querySorter struct{ st *scratch }

func (s querySorter) Len() int      { return len(s.st.pairs) }
func (s querySorter) Swap(i, j int) { s.st.pairs[i], s.st.pairs[j] = s.st.pairs[j], s.st.pairs[i] }
func (s querySorter) Less(i, j int) bool {
	q, a, b := s.st.q, s.st.pairs[i], s.st.pairs[j]
	if c := bytes.Compare(q[a.k:a.v], q[b.k:b.v]); c != 0 {
		return c < 0
	}
	return bytes.Compare(q[a.v:a.end], q[b.v:b.end]) < 0
}

// appendQueryComponent decodes s as a query component and appends it
// encoded per RFC 3986. A '%' not followed by two hex digits stands for
// itself.
func appendQueryComponent(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = appendEscapedByte(dst, c)
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

func appendEscaped(dst []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '/' && keepSlash {
			dst = append(dst, c)
		} else {
			dst = appendEscapedByte(dst, c)
		}
	}
	return dst
}

func appendEscapedByte(dst []byte, c byte) []byte {
	if alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// appendCanonicalHeaders appends "name:value\n" for each signed header:
// host from r.Host, the others from r.Header with their values trimmed,
// runs of spaces collapsed, and repeated headers joined with ','.
func appendCanonicalHeaders(dst []byte, r *http.Request, names []string) []byte {
	for _, name := range names {
		dst = append(dst, name...)
		dst = append(dst, ':')
		vals := headerValues(r.Header, name)
		switch {
		case name == "host":
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			dst = appendTrimmed(dst, host)
		case vals == nil && name == "content-length" && r.ContentLength > 0:
			// A request built in-process carries its length outside Header.
			dst = strconv.AppendInt(dst, r.ContentLength, 10)
		default:
			for i, v := range vals {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimmed(dst, v)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

// appendTrimmed appends v without leading and trailing whitespace and with
// each run of spaces inside it collapsed to one.
func appendTrimmed(dst []byte, v string) []byte {
	for len(v) > 0 && asciiSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && asciiSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// headerValues returns the values of the header with the given lowercase
// name. Like http.Header.Get it looks only under the canonical form of the
// name, which is how net/http stores every header it reads.
func headerValues(h http.Header, name string) []string {
	var buf [maxHeaderNameLen]byte
	if len(name) > len(buf) {
		return nil
	}
	k := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		k[i] = c
		upper = c == '-'
	}
	return h[string(k)]
}
