package cloudwatchapi

import (
	"testing"

	"github.com/stewardhq/steward/gateway/shapecheck"
)

func TestShapesMatchBotocore(t *testing.T) { shapecheck.Check(t, Service(nil), "cloudwatch") }
