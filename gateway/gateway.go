// Package gateway is Steward's AWS front door: it recognises the wire protocol
// of a request, routes it to a service's operation, verifies its SigV4
// signature, decodes the input, calls the domain and renders the result or the
// error in that protocol, with a request ID on every response.
//
// Services register operation tables (see Service); the per-service
// gateway/<svc>api packages build them.
package gateway

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/awsjson"
	"github.com/stewardhq/steward/protocol/awsquery"
	"github.com/stewardhq/steward/protocol/rpcv2cbor"
	"github.com/stewardhq/steward/sigv4"
)

// MaxBodyBytes bounds a request body (compressed and uncompressed).
const MaxBodyBytes = 8 << 20

// Principal is who an access key belongs to.
type Principal struct {
	Secret  string
	Account string
	ARN     string
	UserID  string
}

// Credentials looks up access keys. Lookup returns sigv4.ErrUnknownKey for
// a key it does not know.
type Credentials interface {
	Lookup(ctx context.Context, accessKeyID string) (Principal, error)
}

// Config configures a Gateway.
type Config struct {
	Services    []*Service
	Credentials Credentials
	Clock       steward.Clock
	Logger      *slog.Logger
	// Internal serves the reserved /_steward/ paths (health, agent channel, …).
	Internal http.Handler
}

// Gateway is the http.Handler for the AWS APIs.
type Gateway struct {
	log      *slog.Logger
	creds    Credentials
	verifier *sigv4.Verifier
	internal http.Handler

	byTarget  map[string]*Service // X-Amz-Target prefix
	byCBOR    map[string]*Service // CBOR service segment
	bySigning map[string]*Service // SigV4 service name, for awsQuery
	query     []*Service

	json10, json11, xml, cbor protocol.Codec
}

// New builds a Gateway. It fails when an operation's wire shape cannot be
// encoded, so wiring mistakes show at startup rather than as a 500.
func New(cfg Config) (*Gateway, error) {
	g := &Gateway{
		log:       cfg.Logger,
		creds:     cfg.Credentials,
		internal:  cfg.Internal,
		byTarget:  map[string]*Service{},
		byCBOR:    map[string]*Service{},
		bySigning: map[string]*Service{},
		json10:    awsjson.New("1.0"),
		json11:    awsjson.New("1.1"),
		xml:       awsquery.New(),
		cbor:      rpcv2cbor.New(),
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = steward.SystemClock{}
	}
	g.verifier = &sigv4.Verifier{
		Lookup: func(ctx context.Context, akid string) (string, error) {
			p, err := g.creds.Lookup(ctx, akid)
			if err != nil {
				return "", err
			}
			return p.Secret, nil
		},
		Now: clock.Now,
	}
	for _, s := range cfg.Services {
		for _, op := range s.Ops {
			for _, t := range []reflect.Type{op.In, op.Out} {
				if t == nil {
					continue
				}
				if _, err := protocol.ShapeOf(t); err != nil {
					return nil, fmt.Errorf("gateway: %s.%s: %w", s.Name, op.Name, err)
				}
			}
		}
		if s.Accepts&JSON != 0 {
			g.byTarget[s.Wire.TargetPrefix] = s
		}
		if s.Accepts&CBOR != 0 {
			g.byCBOR[s.CBORService] = s
			if s.Wire.ShapeNamespace != "" {
				g.byCBOR[s.Wire.ShapeNamespace+"."+s.CBORService] = s
			}
		}
		if s.Accepts&Query != 0 {
			g.bySigning[s.SigningName] = s
			g.query = append(g.query, s)
		}
	}
	return g, nil
}

// call is one request in flight.
type call struct {
	rid   string
	svc   *Service
	codec protocol.Codec
	op    string
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_steward/") && g.internal != nil {
		g.internal.ServeHTTP(w, r)
		return
	}
	c := &call{rid: uuid.NewString()}
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("panic serving request", "request_id", c.rid, "panic", p, "stack", string(debug.Stack()))
			g.writeError(w, c, steward.Internal(fmt.Errorf("panic: %v", p)))
		}
	}()

	body, err := readBody(r)
	if err != nil {
		c.codec = g.xml
		g.route(r, nil, c)
		g.writeError(w, c, err)
		return
	}
	if err := g.route(r, body, c); err != nil {
		g.writeError(w, c, err)
		return
	}

	sig, err := g.verifier.Verify(r.Context(), r, body, c.svc.SigningName)
	if err != nil {
		g.writeError(w, c, g.authError(c, err))
		return
	}
	p, err := g.creds.Lookup(r.Context(), sig.AccessKeyID)
	if err != nil {
		g.writeError(w, c, g.authError(c, err))
		return
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		if body, err = gunzip(body); err != nil {
			g.writeError(w, c, &steward.Error{Code: steward.CodeSerialization, Message: "The request body could not be decompressed."})
			return
		}
	}

	op, ok := c.svc.Ops[c.op]
	if !ok {
		g.writeError(w, c, g.unknownOperation(c))
		return
	}
	in := op.New()
	if err := c.codec.Decode(r, body, in); err != nil {
		g.writeError(w, c, decodeError(c, err))
		return
	}
	ctx := steward.WithCaller(r.Context(), &steward.Caller{
		AccessKeyID: sig.AccessKeyID,
		Account:     p.Account,
		ARN:         p.ARN,
		UserID:      p.UserID,
		Region:      sig.Region,
		RequestID:   c.rid,
		Endpoint:    endpointOf(r),
		Path:        r.URL.Path,
	})
	out, err := op.Call(ctx, in)
	if err != nil {
		g.writeError(w, c, err)
		return
	}
	c.codec.WriteResult(w, c.rid, &c.svc.Wire, c.op, out)
}

// route finds the protocol, service and operation of r. On failure c still
// names a codec to render the error with.
func (g *Gateway) route(r *http.Request, body []byte, c *call) error {
	if c.codec == nil {
		c.codec = g.xml
	}
	path := r.URL.Path
	target := r.Header.Get("X-Amz-Target")
	switch {
	case r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" || strings.Contains(path, "/service/") && strings.Contains(path, "/operation/"):
		c.codec = g.cbor
		segs := strings.Split(strings.Trim(path, "/"), "/")
		if len(segs) < 4 || segs[len(segs)-4] != "service" || segs[len(segs)-2] != "operation" {
			return &steward.Error{Code: steward.CodeUnknownOperation, Message: "The request path is not an RPC v2 CBOR operation path.", Status: 404}
		}
		svc := g.byCBOR[segs[len(segs)-3]]
		if svc == nil {
			return &steward.Error{Code: steward.CodeUnknownOperation, Message: "Unknown service " + segs[len(segs)-3] + ".", Status: 404}
		}
		c.svc = svc
		c.op = segs[len(segs)-1]
		if target != "" || r.Header.Get("X-Amzn-Target") != "" {
			return &steward.Error{Code: steward.CodeSerialization, Message: "X-Amz-Target is not allowed on RPC v2 CBOR requests."}
		}
		if r.Method != http.MethodPost {
			return &steward.Error{Code: steward.CodeUnknownOperation, Message: "RPC v2 CBOR requests must be POST.", Status: 405}
		}
		return nil
	case target != "":
		c.codec = g.json11
		prefix, op, ok := strings.Cut(target, ".")
		svc := g.byTarget[prefix]
		if !ok || svc == nil {
			return &steward.Error{Code: steward.CodeUnknownOperation, Message: "Unknown X-Amz-Target " + target + "."}
		}
		c.svc, c.op = svc, op
		if svc.Wire.JSONVersion == "1.0" {
			c.codec = g.json10
		}
		return nil
	}
	// awsQuery: Action in the form body or the query string.
	action := r.URL.Query().Get("Action")
	if action == "" && r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		action = formValue(body, "Action")
	}
	if action == "" {
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Signature") == "" {
			return &steward.Error{Code: codeMissingAuth, Message: "Missing Authentication Token", Status: 403}
		}
		return &steward.Error{Code: "MissingAction", Message: "The request must contain the parameter Action."}
	}
	c.op = action
	if sig, err := sigv4.Parse(r); err == nil {
		c.svc = g.bySigning[sig.Service]
	}
	if c.svc == nil {
		// No usable credential scope: take the one query service that has the
		// action, so the error (usually an auth error) is rendered sensibly.
		for _, s := range g.query {
			if _, ok := s.Ops[action]; ok {
				c.svc = s
				break
			}
		}
	}
	if c.svc == nil && len(g.query) > 0 {
		c.svc = g.query[0]
		if r.Header.Get("Authorization") != "" {
			return &steward.Error{Code: steward.CodeInvalidAction, Message: "The action " + action + " is not valid for this web service."}
		}
	}
	if c.svc == nil {
		return &steward.Error{Code: steward.CodeInvalidAction, Message: "The action " + action + " is not valid for this web service."}
	}
	return nil
}

func (g *Gateway) unknownOperation(c *call) error {
	if c.codec == g.xml {
		return &steward.Error{Code: steward.CodeInvalidAction, Message: "The action " + c.op + " is not valid for this web service."}
	}
	return &steward.Error{Code: steward.CodeUnknownOperation, Message: "Unknown operation " + c.op + "."}
}

func decodeError(c *call, err error) error {
	var de *protocol.DecodeError
	if !errors.As(err, &de) {
		return err
	}
	return &steward.Error{Code: steward.CodeSerialization, Message: de.Error()}
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, &steward.Error{Code: steward.CodeSerialization, Message: "The request body could not be read."}
	}
	if len(body) > MaxBodyBytes {
		return nil, &steward.Error{Code: "RequestEntityTooLarge", Message: "Request body too large.", Status: 413}
	}
	return body, nil
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > MaxBodyBytes {
		return nil, errors.New("decompressed body too large")
	}
	return out, nil
}

// formValue finds key in an urlencoded body without parsing all of it.
func formValue(body []byte, key string) string {
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		k, v, _ := bytes.Cut(pair, []byte("="))
		if string(k) == key {
			s, err := urlUnescape(string(v))
			if err != nil {
				return ""
			}
			return s
		}
	}
	return ""
}

// endpointOf returns scheme://host as the client addressed the request.
func endpointOf(r *http.Request) string {
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
