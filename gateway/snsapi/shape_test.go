package snsapi

import (
	"testing"

	"github.com/stewardhq/steward/gateway/shapecheck"
)

// TestShapesMatchBotocore checks every SNS wire shape against the botocore
// model on the machine: member names, nesting and types.
func TestShapesMatchBotocore(t *testing.T) { shapecheck.Check(t, Service(nil), "sns") }
