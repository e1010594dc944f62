// Package awsquery is the codec of the AWS Query protocol (awsQuery): SNS,
// STS, IAM, and the older clients of SQS and CloudWatch.
//
// A request is a set of form pairs (Action=…&Version=…&Names.member.1=a)
// whose keys spell a path through the input shape: structure members joined
// by dots, list items as Name.member.N (or Name.N when flattened), map
// entries as Name.entry.N.key / .value. Decode groups the pairs by that path
// using the shape's plan (protocol.ShapeOf) and the query struct tags
// (renamed, flattened, custom member/key/value names).
//
// Responses are XML: <OpResponse xmlns=…><OpResult>…</OpResult>
// <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>,
// elements in struct field order, timestamps in ISO-8601 with milliseconds.
// Errors are <ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…
package awsquery

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stewardhq/steward/protocol"
)

// Codec reads form-encoded requests and writes XML responses.
type Codec struct {
	bufs sync.Pool // *[]byte
	date protocol.DateHeader
}

var _ protocol.Codec = (*Codec)(nil)

var contentType = []string{"text/xml"}

// New returns the awsQuery codec.
func New() *Codec {
	c := &Codec{}
	c.bufs.New = func() any { b := make([]byte, 0, 2048); return &b }
	return c
}

// Name returns "awsQuery".
func (c *Codec) Name() string { return "awsQuery" }

// Decode reads the form pairs of the request into in, a pointer to a
// wire-shape struct: from the URL query for GET and HEAD, else from the
// (x-www-form-urlencoded) body. Action, Version and X-Amz-* presign pairs
// are skipped; keys matching no member are ignored. A malformed value
// returns a *protocol.DecodeError naming the offending key.
func (c *Codec) Decode(r *http.Request, body []byte, in any) error {
	if r != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return Unmarshal(r.URL.RawQuery, in)
	}
	return Unmarshal(string(body), in)
}

// WriteResult writes <opResponse> carrying out in <opResult>, which is left
// out when out is nil.
func (c *Codec) WriteResult(w http.ResponseWriter, requestID string, svc *protocol.Service, op string, out any) {
	if svc == nil {
		svc = &protocol.Service{}
	}
	bp := c.bufs.Get().(*[]byte)
	defer c.putBuf(bp)
	e := encoder{b: (*bp)[:0]}
	e.b = append(e.b, '<')
	e.b = append(e.b, op...)
	e.b = append(e.b, "Response"...)
	e.xmlns(svc.XMLNamespace)
	if out != nil {
		e.result(op, out)
	}
	e.b = append(e.b, "<ResponseMetadata><RequestId>"...)
	e.text(requestID)
	e.b = append(e.b, "</RequestId></ResponseMetadata></"...)
	e.b = append(e.b, op...)
	e.b = append(e.b, "Response>"...)
	*bp = e.b
	if e.err != nil {
		c.WriteError(w, requestID, svc, internalFault())
		return
	}
	setHeaders(w.Header(), c.date.Format(time.Now()), requestID, len(e.b))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.b)
}

// WriteError writes f as an <ErrorResponse>; Code is f.QueryCode (else
// f.Code), Type is Sender or Receiver, f.Fields follow Message.
func (c *Codec) WriteError(w http.ResponseWriter, requestID string, svc *protocol.Service, f *protocol.Fault) {
	if svc == nil {
		svc = &protocol.Service{}
	}
	bp := c.bufs.Get().(*[]byte)
	defer c.putBuf(bp)
	e := encoder{b: (*bp)[:0]}
	e.b = append(e.b, "<ErrorResponse"...)
	e.xmlns(svc.XMLNamespace)
	e.b = append(e.b, "<Error><Type>"...)
	if f.Sender {
		e.b = append(e.b, "Sender"...)
	} else {
		e.b = append(e.b, "Receiver"...)
	}
	e.b = append(e.b, "</Type><Code>"...)
	if f.QueryCode != "" {
		e.text(f.QueryCode)
	} else {
		e.text(f.Code)
	}
	e.b = append(e.b, "</Code><Message>"...)
	e.text(f.Message)
	e.b = append(e.b, "</Message>"...)
	keys := make([]string, 0, len(f.Fields))
	for k, v := range f.Fields {
		if k != "Type" && k != "Code" && k != "Message" && v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		mark := len(e.b)
		e.err = nil
		e.any(k, f.Fields[k])
		if e.err != nil {
			e.b = e.b[:mark]
		}
	}
	e.b = append(e.b, "</Error><RequestId>"...)
	e.text(requestID)
	e.b = append(e.b, "</RequestId></ErrorResponse>"...)
	*bp = e.b
	setHeaders(w.Header(), c.date.Format(time.Now()), requestID, len(e.b))
	w.WriteHeader(protocol.FaultStatus(f))
	_, _ = w.Write(e.b)
}

func (c *Codec) putBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		c.bufs.Put(bp)
	}
}

// setHeaders sets the headers every response carries. The computed values
// share one backing array to keep allocations down.
func setHeaders(h http.Header, date string, requestID string, n int) {
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
