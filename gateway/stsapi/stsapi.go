// Package stsapi is the STS operation table (awsQuery): GetCallerIdentity,
// so scripts can learn the account ID and who they are.
package stsapi

import (
	"context"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
)

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	UserId  string `json:"UserId"`
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

// Service returns the STS operation table.
func Service() *gateway.Service {
	return &gateway.Service{
		Name:        "sts",
		SigningName: "sts",
		Accepts:     gateway.Query,
		Wire: protocol.Service{
			XMLNamespace:   "https://sts.amazonaws.com/doc/2011-06-15/",
			ShapeNamespace: "com.amazonaws.sts",
		},
		Ops: gateway.Ops(
			gateway.Handle("GetCallerIdentity", func(ctx context.Context, _ *getCallerIdentityInput) (*getCallerIdentityOutput, error) {
				c := steward.CallerFrom(ctx)
				return &getCallerIdentityOutput{UserId: c.UserID, Account: c.Account, Arn: c.ARN}, nil
			}),
		),
	}
}
