// Package protocol defines what the gateway asks of a wire-protocol codec.
// The codecs themselves live in awsjson, awsquery and rpcv2cbor.
//
// Wire shapes are plain Go structs shared by every codec. Their tags:
//
//	json:"MemberName,omitempty"   the modeled member name, used by all codecs
//	                              (JSON key, CBOR key, query key, XML element).
//	query:"Name,flat,member=M,key=K,value=V"
//	                              awsQuery/XML only: Name overrides the member name
//	                              (botocore's locationName/xmlName); flat marks a
//	                              flattened list or map; member names list items
//	                              (default "member"); key/value name map entries
//	                              (default "key"/"value").
//
// Scalars are string, bool, the int and float kinds, []byte (blob), time.Time
// (timestamp: epoch seconds in JSON, tag 1 in CBOR, ISO-8601 in query) and
// pointers to those; lists are slices, maps are map[string]T, structures are
// structs (or pointers to structs). Nil pointers, nil slices and nil maps are
// omitted on output.
package protocol

import (
	"net/http"
)

// Service is what a codec needs to know about the service it speaks for.
type Service struct {
	// TargetPrefix is the X-Amz-Target prefix of the JSON protocols ("AmazonSSM").
	TargetPrefix string
	// JSONVersion is "1.0" or "1.1" for services that speak awsJson.
	JSONVersion string
	// ShapeNamespace is the Smithy namespace used for absolute shape ids in
	// error __type values ("com.amazonaws.cloudwatch").
	ShapeNamespace string
	// XMLNamespace is the xmlns of awsQuery responses.
	XMLNamespace string
	// QueryCompatible services (SQS, CloudWatch) send x-amzn-query-error on
	// JSON and CBOR errors.
	QueryCompatible bool
}

// Fault is an error ready to be rendered: the gateway has already looked up
// the service's error table.
type Fault struct {
	Code      string // modeled shape name, e.g. "ResourceNotFound"
	QueryCode string // awsQuery code; equals Code when the model gives none
	Message   string
	Status    int  // HTTP status
	Sender    bool // client fault (query <Type>Sender</Type>) or server fault (Receiver)
	// Fields are extra modeled members of the error structure.
	Fields map[string]any
}

// Codec reads requests and writes responses in one wire protocol.
//
// Decode fills in, a pointer to a wire-shape struct, from the request. The body
// has already been read (and gunzipped) by the gateway; for awsQuery the pairs
// are parsed from it (or from the URL query of a GET). A malformed body returns
// a *DecodeError; Decode never panics, whatever the bytes.
//
// WriteResult writes a 200 response carrying out (a pointer to a wire-shape
// struct, or nil for operations without output). WriteError writes f. Both set
// the x-amzn-RequestId header and everything else the protocol requires.
type Codec interface {
	Name() string
	Decode(r *http.Request, body []byte, in any) error
	WriteResult(w http.ResponseWriter, requestID string, svc *Service, op string, out any)
	WriteError(w http.ResponseWriter, requestID string, svc *Service, f *Fault)
}

// DecodeError reports a body the codec could not read into the input shape.
// Path names the member that failed, where known ("Tags[0].Key").
type DecodeError struct {
	Path string
	Msg  string
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Within prefixes the error's path with a member name or an index ("[3]") as
// the error travels up out of a nested value, and returns the error.
func (e *DecodeError) Within(seg string) *DecodeError {
	switch {
	case e.Path == "":
		e.Path = seg
	case e.Path[0] == '[':
		e.Path = seg + e.Path
	default:
		e.Path = seg + "." + e.Path
	}
	return e
}
