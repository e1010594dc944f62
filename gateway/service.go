package gateway

import (
	"context"
	"reflect"

	"github.com/stewardhq/steward/protocol"
)

// Protocols is a set of wire protocols a service accepts.
type Protocols uint8

// The wire protocols.
const (
	JSON  Protocols = 1 << iota // awsJson1_0 / awsJson1_1 (X-Amz-Target)
	Query                       // awsQuery (Action=…)
	CBOR                        // Smithy RPC v2 CBOR
)

// Service is one AWS service's operation table: what the gateway needs to
// route, verify, decode, call and render.
type Service struct {
	// Name identifies the service in logs and metrics ("ssm").
	Name string
	// SigningName is the SigV4 credential-scope service ("monitoring").
	SigningName string
	// Accepts lists the protocols the service speaks.
	Accepts Protocols
	// CBORService is the service segment of RPC v2 CBOR paths
	// ("GraniteServiceVersion20100801").
	CBORService string
	// Wire carries the codec-facing facts (target prefix, namespaces).
	Wire protocol.Service
	// Errors holds the service's modeled errors by code: HTTP status, query
	// code, fault. Codes not listed are client faults with status 400.
	Errors map[string]ErrorInfo
	// Ops are the service's operations by name.
	Ops map[string]Op
}

// ErrorInfo is one row of a service's error table.
type ErrorInfo struct {
	Status    int    // HTTP status; 0 means 400
	QueryCode string // awsQuery code when it differs from the shape name
	Server    bool   // a server fault (query <Type>Receiver</Type>)
}

// Op is one operation: how to make its input shape and how to call it.
type Op struct {
	Name string
	New  func() any
	Call func(ctx context.Context, in any) (any, error)
	// In and Out are the wire-shape types, for shape checks against the
	// AWS models.
	In, Out reflect.Type
}

// Handle builds an Op from a typed handler. The handler receives the decoded
// input; it returns the output shape (nil for operations without output) or
// an error, normally a *steward.Error.
func Handle[I, O any](name string, f func(context.Context, *I) (*O, error)) Op {
	return Op{
		Name: name,
		In:   reflect.TypeFor[I](),
		Out:  reflect.TypeFor[O](),
		New:  func() any { return new(I) },
		Call: func(ctx context.Context, in any) (any, error) {
			out, err := f(ctx, in.(*I))
			if err != nil {
				return nil, err
			}
			if out == nil {
				return nil, nil
			}
			return out, nil
		},
	}
}

// Ops builds an operation map from a list.
func Ops(ops ...Op) map[string]Op {
	m := make(map[string]Op, len(ops))
	for _, op := range ops {
		m[op.Name] = op
	}
	return m
}
