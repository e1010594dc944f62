// Package iamapi is the IAM operation table (awsQuery, Version=2010-05-08,
// SigV4 signing name "iam"): roles, their inline and attached managed
// policies, and customer managed policies, converted to and from the iam
// domain.
//
// IAM is a global service: clients sign with region us-east-1 (the SDKs) or
// the configured region (older CLIs); the gateway accepts any region in the
// credential scope. Policy documents travel URL-encoded in responses, as IAM
// sends them (botocore decodes them; aws-sdk-go-v2 users call
// url.QueryUnescape).
package iamapi

import (
	"strings"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/iam"
	"github.com/stewardhq/steward/protocol"
)

// errorTable maps the IAM error codes to their query codes and HTTP
// statuses (botocore iam/2010-05-08 error shapes).
var errorTable = map[string]gateway.ErrorInfo{
	iam.CodeNoSuchEntity:            {Status: 404, QueryCode: "NoSuchEntity"},
	iam.CodeEntityAlreadyExists:     {Status: 409, QueryCode: "EntityAlreadyExists"},
	iam.CodeDeleteConflict:          {Status: 409, QueryCode: "DeleteConflict"},
	iam.CodeLimitExceeded:           {Status: 409, QueryCode: "LimitExceeded"},
	iam.CodeMalformedPolicyDocument: {Status: 400, QueryCode: "MalformedPolicyDocument"},
	iam.CodeInvalidInput:            {Status: 400, QueryCode: "InvalidInput"},
	iam.CodeConcurrentModification:  {Status: 409, QueryCode: "ConcurrentModification"},
	iam.CodeServiceFailure:          {Status: 500, QueryCode: "ServiceFailure", Server: true},
}

// Service returns the IAM operation table.
func Service(roles *iam.Roles) *gateway.Service {
	var ops []gateway.Op
	ops = append(ops, roleOps(roles)...)
	ops = append(ops, rolePolicyOps(roles)...)
	ops = append(ops, managedPolicyOps(roles)...)
	return &gateway.Service{
		Name:        "iam",
		SigningName: "iam",
		Accepts:     gateway.Query,
		Wire: protocol.Service{
			XMLNamespace:   "https://iam.amazonaws.com/doc/2010-05-08/",
			ShapeNamespace: "com.amazonaws.iam",
		},
		Errors: errorTable,
		Ops:    gateway.Ops(ops...),
	}
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagsIn(in []tag) []iam.Tag {
	if in == nil {
		return nil
	}
	out := make([]iam.Tag, len(in))
	for i, t := range in {
		out[i] = iam.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// tagsOut is nil for no tags (the member is then left out).
func tagsOut(in []iam.Tag) []tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]tag, len(in))
	for i, t := range in {
		out[i] = tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// encodeDocument URL-encodes a policy document as IAM returns it: every
// byte but the RFC 3986 unreserved characters percent-encoded (space is
// %20, which both botocore's unquote and Go's url.QueryUnescape read back).
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// marker is the response Marker: nil after the last page.
func marker(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}
