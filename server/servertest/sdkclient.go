package servertest

import (
	"io"
	"net/http"
)

// SDKHTTPClient is the HTTP client the test configs give aws-sdk-go-v2. It
// works around a client-side race that a fast server on loopback makes
// likely (aws/aws-sdk-go-v2#1825, #2737): smithy-go wraps request bodies in a
// reader whose WriteTo answers io.EOF once closed, and closes the body as
// soon as the response arrives. net/http, after copying Content-Length
// bytes, copies once more to check that nothing is left; if the server has
// already answered, that copy reports io.EOF as an error, and the transport
// closes the connection — which by then may carry the next request's
// response ("deserialization failed … use of closed network connection").
// Hiding WriteTo makes the check a plain Read, which ends cleanly.
var SDKHTTPClient = &http.Client{Transport: plainBodies{http.DefaultTransport}}

type plainBodies struct{ rt http.RoundTripper }

func (p plainBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r = r.Clone(r.Context())
		r.Body = struct {
			io.Reader
			io.Closer
		}{r.Body, r.Body}
	}
	return p.rt.RoundTrip(r)
}
