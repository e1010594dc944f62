// Package rpcv2cbor is the codec of Smithy RPC v2 CBOR (rpcv2Cbor), the
// protocol current aws-sdk-go-v2 and JavaScript SDKs speak to CloudWatch.
//
// A request body is one CBOR map of the input shape keyed by member names.
// It is first checked for well-formedness and size limits by
// github.com/fxamacker/cbor/v2 (nesting depth, array and map lengths, so a
// hostile body cannot make the server allocate without bound), then read
// into the wire-shape struct by a walker driven by the shape's plan
// (protocol.ShapeOf): timestamps are tag 1 epoch seconds (untagged numbers
// and RFC 3339 text are accepted too), half-precision floats are read,
// undefined counts as null and unknown members are skipped.
//
// Responses are written by the same plans: timestamps as tag 1 with an
// integer when whole and a float64 otherwise, nil members left out, every
// response with the mandatory Smithy-Protocol: rpc-v2-cbor header.
package rpcv2cbor

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/stewardhq/steward/protocol"
)

// Limits on a request body, enforced before it is read. CloudWatch's deepest
// input (GetMetricData → MetricDataQueries → MetricStat → Metric →
// Dimensions) nests six levels.
const (
	MaxNestedLevels  = 32
	MaxArrayElements = 100_000
	MaxMapPairs      = 100_000
)

// Codec reads and writes Smithy RPC v2 CBOR.
type Codec struct {
	wellformed cbor.DecMode
	document   cbor.DecMode
	bufs       sync.Pool // *[]byte
	date       protocol.DateHeader
}

var _ protocol.Codec = (*Codec)(nil)

var (
	contentType    = []string{"application/cbor"}
	smithyProtocol = []string{"rpc-v2-cbor"}
)

// New returns the RPC v2 CBOR codec.
func New() *Codec {
	opts := cbor.DecOptions{
		MaxNestedLevels:  MaxNestedLevels,
		MaxArrayElements: MaxArrayElements,
		MaxMapPairs:      MaxMapPairs,
		IndefLength:      cbor.IndefLengthAllowed,
		TagsMd:           cbor.TagsAllowed,
		DupMapKey:        cbor.DupMapKeyQuiet,
	}
	wf, err := opts.DecMode()
	if err != nil {
		panic("rpcv2cbor: " + err.Error()) // the options above are constants
	}
	// Documents (interface members) hold plain JSON-like values only: string
	// keys, int64 integers, no tags. Smithy RPC v2 CBOR has no document type;
	// these are for Steward's own loosely typed members.
	opts.DefaultMapType = reflectMapStringAny
	opts.TagsMd = cbor.TagsForbidden
	opts.IntDec = cbor.IntDecConvertSignedOrFail
	doc, err := opts.DecMode()
	if err != nil {
		panic("rpcv2cbor: " + err.Error())
	}
	c := &Codec{wellformed: wf, document: doc}
	c.bufs.New = func() any { b := make([]byte, 0, 1024); return &b }
	return c
}

// Name returns "rpcv2Cbor".
func (c *Codec) Name() string { return "rpcv2Cbor" }

// Decode reads the CBOR map body into in, a pointer to a wire-shape struct.
// An empty body leaves in untouched. A malformed body returns a
// *protocol.DecodeError.
func (c *Codec) Decode(_ *http.Request, body []byte, in any) error {
	return c.Unmarshal(body, in)
}

// WriteResult writes a 200 response carrying out. A nil out (an operation
// without output) is sent with no body and no Content-Type.
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
	setHeaders(h, c.date.Format(time.Now()), requestID, len(b))
	if len(b) > 0 {
		h["Content-Type"] = contentType
	}
	w.WriteHeader(http.StatusOK)
	if len(b) > 0 {
		_, _ = w.Write(b)
	}
}

// WriteError writes f as a CBOR map {"__type": "<namespace>#<Code>",
// "message": …} plus f.Fields, and x-amzn-query-error for query-compatible
// services.
func (c *Codec) WriteError(w http.ResponseWriter, requestID string, svc *protocol.Service, f *protocol.Fault) {
	if svc == nil {
		svc = &protocol.Service{}
	}
	typ := f.Code
	if svc.ShapeNamespace != "" {
		typ = svc.ShapeNamespace + "#" + f.Code
	}
	keys := make([]string, 0, len(f.Fields))
	for k, v := range f.Fields {
		if k != "__type" && k != "message" && v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	bp := c.bufs.Get().(*[]byte)
	defer c.putBuf(bp)
	b := (*bp)[:0]
	start := len(b)
	b = append(b, 0xa0) // map header, patched below
	b = appendText(b, "__type")
	b = appendText(b, typ)
	b = appendText(b, "message")
	b = appendText(b, f.Message)
	n := 2
	for _, k := range keys {
		mark := len(b)
		b = appendText(b, k)
		var err error
		if b, err = appendItem(b, f.Fields[k]); err != nil {
			b = b[:mark]
			continue
		}
		n++
	}
	b = patchHead(b, start, majorMap, n)
	*bp = b

	h := w.Header()
	setHeaders(h, c.date.Format(time.Now()), requestID, len(b))
	h["Content-Type"] = contentType
	if svc.QueryCompatible {
		h["X-Amzn-Query-Error"] = []string{protocol.QueryErrorHeader(f)}
	}
	w.WriteHeader(protocol.FaultStatus(f))
	_, _ = w.Write(b)
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
	h["Smithy-Protocol"] = smithyProtocol
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
