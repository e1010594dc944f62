package eventsapi

import (
	"testing"

	"github.com/stewardhq/steward/gateway/shapecheck"
)

// TestShapesMatchBotocore checks every EventBridge wire shape against the
// botocore model on the machine: member names, nesting, types and required
// members.
func TestShapesMatchBotocore(t *testing.T) { shapecheck.Check(t, Service(nil), "events") }
