package sqsapi

import (
	"testing"

	"github.com/stewardhq/steward/gateway/shapecheck"
)

// TestShapesMatchBotocore checks every SQS wire shape against the botocore
// model on the machine: member names, nesting and types.
func TestShapesMatchBotocore(t *testing.T) { shapecheck.Check(t, Service(nil), "sqs") }
