// Package ssm is the Systems Manager domain: Parameter Store, documents,
// activations and managed nodes, Run Command, and (in later issues) State
// Manager, Maintenance Windows and Automation. It owns the types, their validation and the AWS rules, and
// declares the store interfaces it needs; it imports no transport and no SQL.
//
// Every error it returns is a *steward.Error carrying the SSM error code.
package ssm

import (
	"github.com/stewardhq/steward"
)

// Env is what every SSM feature needs from its surroundings.
type Env struct {
	Clock   steward.Clock
	Account string // 12-digit account ID, used in ARNs
	Region  string // the server's region, used in ARNs
}

// ARN returns arn:aws:ssm:REGION:ACCOUNT:resource.
func (e Env) ARN(resource string) string {
	return "arn:aws:ssm:" + e.Region + ":" + e.Account + ":" + resource
}

// SSM error codes with a non-default HTTP status (everything else is a 400
// client fault). Feature files declare their own codes.
const (
	CodeInternalServerError = "InternalServerError"
)
