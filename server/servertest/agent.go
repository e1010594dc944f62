package servertest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Agent is a real steward-agent process registered with a server.
type Agent struct {
	t        testing.TB
	bin      string
	StateDir string
	NodeID   string
	cmd      *exec.Cmd
	done     chan struct{}
}

// Activation creates an activation for n registrations.
func Activation(t testing.TB, cfg aws.Config, n int) (id, code string) {
	t.Helper()
	out, err := ssm.NewFromConfig(cfg).CreateActivation(context.Background(), &ssm.CreateActivationInput{
		IamRole: aws.String("SSMServiceRole"), RegistrationLimit: aws.Int32(int32(n)), DefaultInstanceName: aws.String("test-node"),
	})
	if err != nil {
		t.Fatalf("CreateActivation: %v", err)
	}
	return aws.ToString(out.ActivationId), aws.ToString(out.ActivationCode)
}

// StartAgent registers a new agent with the server at url and runs it. Tags,
// when given, are put on the node before it starts.
func StartAgent(t testing.TB, url string, cfg aws.Config, activationID, code string, tags map[string]string) *Agent {
	t.Helper()
	_, bin := Binaries(t)
	a := &Agent{t: t, bin: bin, StateDir: t.TempDir()}
	reg := exec.Command(bin, "register", "--server", url, "--id", activationID, "--code", code, "--state", a.StateDir)
	if out, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("steward-agent register: %v\n%s", err, out)
	}
	a.NodeID = readNodeID(t, a.StateDir)
	if len(tags) > 0 {
		var tt []types.Tag
		for k, v := range tags {
			tt = append(tt, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		if _, err := ssm.NewFromConfig(cfg).AddTagsToResource(context.Background(), &ssm.AddTagsToResourceInput{
			ResourceType: types.ResourceTypeForTaggingManagedInstance, ResourceId: aws.String(a.NodeID), Tags: tt,
		}); err != nil {
			t.Fatalf("tag node: %v", err)
		}
	}
	a.Start()
	t.Cleanup(a.Stop)
	return a
}

func readNodeID(t testing.TB, dir string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "identity.json"))
	if err != nil {
		t.Fatalf("agent identity: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("agent identity: %v", err)
	}
	for _, k := range []string{"nodeId", "NodeID", "node_id", "instanceId"} {
		if s, ok := m[k].(string); ok && strings.HasPrefix(s, "mi-") {
			return s
		}
	}
	t.Fatalf("no node ID in identity.json")
	return ""
}

// Start runs the agent process (again).
func (a *Agent) Start() {
	a.t.Helper()
	cmd := exec.Command(a.bin, "run", "--state", a.StateDir)
	cmd.Env = cleanEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	a.cmd = cmd
	a.done = make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if line := sc.Text(); strings.Contains(line, "ERROR") || strings.Contains(line, "panic") {
				a.t.Log(a.NodeID + ": " + line)
			}
		}
		cmd.Wait()
		close(a.done)
	}()
}

// Stop kills the agent process (SIGKILL, like a crash or power loss); the
// commands it started are killed with it (it runs in its own process group).
func (a *Agent) Stop() {
	if a.cmd == nil {
		return
	}
	_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
	<-a.done
	a.cmd = nil
}
