package servertest

import (
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// RegisterAgent registers a new steward-agent with the server at url without
// running it: the test can write DIR/config.json (StateDir) first, then
// Start it. Stop runs at cleanup.
func RegisterAgent(t testing.TB, url string, _ aws.Config, activationID, code string) *Agent {
	t.Helper()
	_, bin := Binaries(t)
	a := &Agent{t: t, bin: bin, StateDir: t.TempDir()}
	reg := exec.Command(bin, "register", "--server", url, "--id", activationID, "--code", code, "--state", a.StateDir)
	if out, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("steward-agent register: %v\n%s", err, out)
	}
	a.NodeID = readNodeID(t, a.StateDir)
	t.Cleanup(a.Stop)
	return a
}
