// Package ssmapi is the Systems Manager operation table: AmazonSSM.* over
// awsJson1_1, wire shapes converted to and from the ssm domain. Each feature
// has its own file (parameters.go, documents.go, …).
package ssmapi

import (
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/ssm"
)

// Deps are the domain services the SSM API serves.
type Deps struct {
	Parameters   *ssm.Parameters
	Documents    *ssm.Documents
	Tags         *ssm.Tags
	Nodes        *ssm.Nodes
	Commands     *ssm.Commands
	Associations *ssm.Associations
	Windows      *ssm.Windows
}

// Service returns the SSM operation table.
func Service(d Deps) *gateway.Service {
	var ops []gateway.Op
	ops = append(ops, parameterOps(d.Parameters)...)
	ops = append(ops, documentOps(d.Documents)...)
	ops = append(ops, tagOps(d.Tags)...)
	ops = append(ops, nodeOps(d.Nodes)...)
	ops = append(ops, commandOps(d.Commands)...)
	ops = append(ops, associationOps(d.Associations)...)
	ops = append(ops, windowOps(d.Windows)...)
	return &gateway.Service{
		Name:        "ssm",
		SigningName: "ssm",
		Accepts:     gateway.JSON,
		Wire: protocol.Service{
			TargetPrefix:   "AmazonSSM",
			JSONVersion:    "1.1",
			ShapeNamespace: "com.amazonaws.ssm",
		},
		Errors: map[string]gateway.ErrorInfo{
			ssm.CodeInternalServerError: {Status: 500, Server: true},
		},
		Ops: gateway.Ops(ops...),
	}
}
