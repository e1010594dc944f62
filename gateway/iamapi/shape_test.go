package iamapi

import (
	"testing"

	"github.com/stewardhq/steward/gateway/shapecheck"
	"github.com/stewardhq/steward/iam"
)

// TestShapesMatchBotocore checks every IAM wire shape against the botocore
// model on the machine: member names, nesting, types and required members.
func TestShapesMatchBotocore(t *testing.T) {
	shapecheck.Check(t, Service(iam.NewRoles(nil, "123456789012", nil, iam.RolesOptions{})), "iam")
}
