package gateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stewardhq/steward/server/servertest"
)

// TestCloudWatchThreeProtocols calls ListMetrics over each protocol CloudWatch
// speaks, each with the client that really speaks it: aws-sdk-go-v2 sends CBOR
// (TestAuthFailuresWithSDKs), the pip CLI v1 sends JSON 1.0, Debian's CLI
// sends query.
func TestCloudWatchThreeProtocols(t *testing.T) {
	srv := servertest.Start(t)
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		out, err := srv.CLI(t, bin, "cloudwatch", "list-metrics")
		if err != nil {
			t.Fatalf("%s cloudwatch list-metrics: %v", bin, err)
		}
		var got struct{ Metrics []any }
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.Metrics == nil || len(got.Metrics) != 0 {
			t.Errorf("%s list-metrics = %q (%v)", bin, out, err)
		}
	}
}

func TestSTSWithCLIs(t *testing.T) {
	srv := servertest.Start(t)
	for _, bin := range []string{servertest.CLIv1, servertest.CLIDebian} {
		out, err := srv.CLI(t, bin, "sts", "get-caller-identity")
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		var id struct{ Account, Arn, UserId string }
		if err := json.Unmarshal([]byte(out), &id); err != nil || id.Account != "000000000000" || !strings.HasSuffix(id.Arn, ":user/admin") || id.UserId == "" {
			t.Errorf("%s get-caller-identity = %q", bin, out)
		}
		_, err = srv.CLIWithCreds(t, bin, srv.AccessKeyID, "wrong", "sts", "get-caller-identity")
		if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
			t.Errorf("%s with wrong secret: %v", bin, err)
		}
		_, err = srv.CLIWithCreds(t, bin, srv.AccessKeyID, "wrong", "ssm", "describe-parameters")
		if err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
			t.Errorf("%s ssm with wrong secret: %v", bin, err)
		}
	}
}
