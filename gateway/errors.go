package gateway

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/sigv4"
)

const codeMissingAuth = "MissingAuthenticationToken"

// wireCode is how one generic (non-modeled) error is spelled in the JSON/CBOR
// protocols and in awsQuery, with each side's HTTP status.
type wireCode struct {
	json       string
	jsonStatus int
	query      string
	qStatus    int
	server     bool
}

// genericErrors are the common errors every AWS service returns, keyed by the
// code domain and gateway code use. Source: the AWS "Common Errors" pages and
// wire-protocols.md §7, §9. A query body that cannot be decoded is
// InvalidQueryParameter ("The AWS query string is malformed or does not adhere
// to AWS standards"); one without Action is MissingAction.
var genericErrors = map[string]wireCode{
	codeMissingAuth:                {"MissingAuthenticationTokenException", 400, "MissingAuthenticationToken", 403, false},
	"IncompleteSignature":          {"IncompleteSignatureException", 400, "IncompleteSignature", 400, false},
	"UnrecognizedClientException":  {"UnrecognizedClientException", 400, "InvalidClientTokenId", 403, false},
	"InvalidSignatureException":    {"InvalidSignatureException", 400, "SignatureDoesNotMatch", 403, false},
	steward.CodeValidation:         {"ValidationException", 400, "ValidationError", 400, false},
	steward.CodeSerialization:      {"SerializationException", 400, "MalformedInput", 400, false},
	steward.CodeUnknownOperation:   {"UnknownOperationException", 400, "InvalidAction", 400, false},
	steward.CodeInvalidAction:      {"UnknownOperationException", 400, "InvalidAction", 400, false},
	steward.CodeInternalFailure:    {"InternalFailure", 500, "InternalFailure", 500, true},
	steward.CodeAccessDenied:       {"AccessDeniedException", 400, "AccessDenied", 403, false},
	steward.CodeThrottling:         {"ThrottlingException", 400, "Throttling", 400, false},
	steward.CodeServiceUnavailable: {"ServiceUnavailable", 503, "ServiceUnavailable", 503, true},
	"RequestEntityTooLarge":        {"RequestEntityTooLarge", 413, "RequestEntityTooLarge", 413, false},
}

// authError turns a SigV4 or credential failure into the generic code.
func (g *Gateway) authError(c *call, err error) error {
	var se *sigv4.Error
	if errors.As(err, &se) {
		code := ""
		switch se.Kind {
		case sigv4.Missing:
			code = codeMissingAuth
		case sigv4.Incomplete:
			code = "IncompleteSignature"
		case sigv4.UnknownKey:
			code = "UnrecognizedClientException"
		default: // Mismatch, WrongService, Expired, NotYetCurrent, PresignExpired
			code = "InvalidSignatureException"
		}
		return &steward.Error{Code: code, Message: se.Message}
	}
	if errors.Is(err, sigv4.ErrUnknownKey) {
		return &steward.Error{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
	}
	return err
}

// writeError renders err for the call's protocol and service. Internal
// failures are logged here, once.
func (g *Gateway) writeError(w http.ResponseWriter, c *call, err error) {
	e := steward.AsError(err)
	if e.Code == steward.CodeInternalFailure {
		svc := ""
		if c.svc != nil {
			svc = c.svc.Name
		}
		g.log.Error("internal failure", "request_id", c.rid, "service", svc, "op", c.op, "err", e.Cause)
	}
	f := &protocol.Fault{Code: e.Code, QueryCode: e.Code, Message: e.Message, Status: 400, Sender: true, Fields: e.Fields}
	query := c.codec == g.xml
	if gc, ok := genericErrors[e.Code]; ok {
		f.Code, f.QueryCode, f.Sender = gc.json, gc.query, !gc.server
		f.Status = gc.jsonStatus
		if query {
			f.Code, f.Status = gc.query, gc.qStatus
		}
	} else if c.svc != nil {
		if info, ok := c.svc.Errors[e.Code]; ok {
			if info.Status != 0 {
				f.Status = info.Status
			}
			if info.QueryCode != "" {
				f.QueryCode = info.QueryCode
				if query {
					f.Code = info.QueryCode
				}
			}
			f.Sender = !info.Server
		}
	}
	if e.Status != 0 {
		f.Status = e.Status
	}
	if !f.Sender && f.Status < 500 {
		f.Status = 500
	}
	wire := &protocol.Service{}
	if c.svc != nil {
		wire = &c.svc.Wire
	}
	c.codec.WriteError(w, c.rid, wire, f)
}

func urlUnescape(s string) (string, error) { return url.QueryUnescape(s) }
