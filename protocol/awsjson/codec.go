// Package awsjson is the codec of the AWS JSON protocols, awsJson1_0 (SQS,
// CloudWatch) and awsJson1_1 (SSM, EventBridge, CloudWatch Logs).
//
// Requests are a JSON object of the input shape, read in one pass by a small
// scanner driven by the shape's plan (protocol.ShapeOf, built once per type),
// so that timestamps (epoch seconds or ISO-8601), non-finite floats ("NaN")
// and base64 blobs are read the AWS way; encoding/json is only asked to
// unquote strings that carry escapes. Responses are written by the same
// plans into pooled buffers. The two versions differ only in the
// Content-Type and in the error __type: the bare shape name for 1.1, the
// absolute shape id for 1.0.
package awsjson

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stewardhq/steward/protocol"
)

// Codec reads and writes one version of the AWS JSON protocol.
type Codec struct {
	version     string
	name        string
	contentType []string
	bufs        sync.Pool // *[]byte
	date        protocol.DateHeader
}

var _ protocol.Codec = (*Codec)(nil)

// New returns the codec of awsJson version "1.0" or "1.1". Any other version
// is a wiring mistake and panics.
func New(version string) *Codec {
	c := &Codec{version: version}
	switch version {
	case "1.0":
		c.name = "awsJson1_0"
	case "1.1":
		c.name = "awsJson1_1"
	default:
		panic("awsjson: unknown protocol version " + strconv.Quote(version))
	}
	ct := "application/x-amz-json-" + version
	c.contentType = []string{ct}
	c.bufs.New = func() any { b := make([]byte, 0, 1024); return &b }
	return c
}

// Name returns "awsJson1_0" or "awsJson1_1".
func (c *Codec) Name() string { return c.name }

// Decode reads the JSON object body into in, a pointer to a wire-shape
// struct. An empty body, {} and null leave in untouched; unknown members are
// ignored. A malformed body returns a *protocol.DecodeError.
func (c *Codec) Decode(_ *http.Request, body []byte, in any) error {
	return Unmarshal(body, in)
}

// WriteResult writes a 200 response carrying out; nil out writes {}.
func (c *Codec) WriteResult(w http.ResponseWriter, requestID string, svc *protocol.Service, _ string, out any) {
	bp := c.bufs.Get().(*[]byte)
	defer c.putBuf(bp)
	b, err := AppendValue((*bp)[:0], out)
	if err != nil {
		c.WriteError(w, requestID, svc, internalFault())
		return
	}
	*bp = b
	h := w.Header()
	setHeaders(h, c.date.Format(time.Now()), c.contentType, requestID, len(b))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// WriteError writes f: {"__type": …, "message": …} plus f.Fields, with the
// X-Amzn-ErrorType header, and x-amzn-query-error for query-compatible
// services.
func (c *Codec) WriteError(w http.ResponseWriter, requestID string, svc *protocol.Service, f *protocol.Fault) {
	if svc == nil {
		svc = &protocol.Service{}
	}
	typ := f.Code
	if c.version == "1.0" && svc.ShapeNamespace != "" {
		typ = svc.ShapeNamespace + "#" + f.Code
	}
	bp := c.bufs.Get().(*[]byte)
	defer c.putBuf(bp)
	b := append((*bp)[:0], `{"__type":`...)
	b = appendString(b, typ)
	b = append(b, `,"message":`...)
	b = appendString(b, f.Message)
	b = appendFields(b, f.Fields)
	b = append(b, '}')
	*bp = b

	h := w.Header()
	setHeaders(h, c.date.Format(time.Now()), c.contentType, requestID, len(b))
	h["X-Amzn-Errortype"] = []string{f.Code}
	if svc.QueryCompatible {
		h["X-Amzn-Query-Error"] = []string{protocol.QueryErrorHeader(f)}
	}
	w.WriteHeader(protocol.FaultStatus(f))
	_, _ = w.Write(b)
}

// appendFields appends the extra members of an error, sorted by name, as
// ,"k":v pairs. Members that cannot be written are dropped.
func appendFields(b []byte, fields map[string]any) []byte {
	if len(fields) == 0 {
		return b
	}
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		if k != "__type" && k != "message" && v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		mark := len(b)
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = AppendValue(b, fields[k]); err != nil {
			b = b[:mark]
		}
	}
	return b
}

func (c *Codec) putBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		c.bufs.Put(bp)
	}
}

// setHeaders sets the headers every response carries. The three computed
// values share one backing array to keep allocations down.
func setHeaders(h http.Header, date string, contentType []string, requestID string, n int) {
	vals := make([]string, 3)
	vals[0] = requestID
	vals[1] = date
	vals[2] = strconv.Itoa(n)
	h["Content-Type"] = contentType
	h["X-Amzn-Requestid"] = vals[0:1:1]
	h["Date"] = vals[1:2:2]
	h["Content-Length"] = vals[2:3:3]
}

func internalFault() *protocol.Fault {
	return &protocol.Fault{
		Code:      "InternalFailure",
		QueryCode: "InternalFailure",
		Message:   "An internal error occurred.",
		Status:    http.StatusInternalServerError,
	}
}
