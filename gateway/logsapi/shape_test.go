package logsapi

import (
	"testing"

	"github.com/stewardhq/steward/gateway/shapecheck"
)

// TestShapesMatchBotocore checks every CloudWatch Logs wire shape against
// the botocore model on the machine.
func TestShapesMatchBotocore(t *testing.T) { shapecheck.Check(t, Service(nil), "logs") }
