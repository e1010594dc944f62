package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

// TestServerKill9WithInvocationsInFlight: 200 invocations in flight (5 agents
// × 40 commands, each sleeping a little), SIGKILL the server, start it again:
// every invocation reaches a terminal status with its real output, none is
// run twice, none is lost. Each run appends its command ID to a per-node
// ledger file, so double execution is counted on the nodes themselves.
func TestServerKill9WithInvocationsInFlight(t *testing.T) {
	t.Parallel()
	const agents, commands = 5, 40
	p := servertest.StartProcess(t)
	cfg := p.AWSConfig()
	id, code := servertest.Activation(t, cfg, agents)
	ledgers := t.TempDir()
	var nodes []string
	for i := 0; i < agents; i++ {
		a := servertest.StartAgent(t, p.URL, cfg, id, code, map[string]string{"crash": "test"})
		nodes = append(nodes, a.NodeID)
	}
	c := ssm.NewFromConfig(cfg)
	var ids []string
	for i := 0; i < commands; i++ {
		cmd := send(t, c, &ssm.SendCommandInput{
			Targets:        []types.Target{{Key: aws.String("tag:crash"), Values: []string{"test"}}},
			MaxConcurrency: aws.String("100%"),
			Comment:        aws.String(fmt.Sprint("crash ", i)),
		},
			fmt.Sprintf("sleep %d.%d", 1+i%3, i%10),
			"echo \"$SSM_COMMAND_ID\" >> "+filepath.Join(ledgers, "$AWS_SSM_INSTANCE_ID"),
			"echo output-of-$SSM_COMMAND_ID-on-$AWS_SSM_INSTANCE_ID",
		)
		ids = append(ids, aws.ToString(cmd.CommandId))
	}
	// Kill while work is in flight: some invocations done, most not.
	servertest.WaitFor(t, time.Minute, "the first results", func() bool {
		entries, _ := os.ReadDir(ledgers)
		return len(entries) > 0
	})
	p.Kill9()
	atKill := ledgerLines(ledgers)
	servertest.WaitFor(t, time.Minute, "commands to keep finishing while the server is down", func() bool {
		return ledgerLines(ledgers) > atKill
	})
	t.Logf("runs finished at the kill: %d; while the server was down: %d", atKill, ledgerLines(ledgers)-atKill)
	p.Start()

	for _, cmdID := range ids {
		got := waitCommand(t, c, cmdID, 2*time.Minute)
		if got.Status != types.CommandStatusSuccess || got.CompletedCount != agents {
			t.Errorf("command %s: %s, completed %d", cmdID, got.Status, got.CompletedCount)
		}
		for _, node := range nodes {
			out := aws.ToString(getInvocation(t, c, cmdID, node).StandardOutputContent)
			if want := "output-of-" + cmdID + "-on-" + node; !strings.Contains(out, want) {
				t.Errorf("%s on %s: output %q", cmdID, node, out)
			}
		}
	}
	runs := 0
	for _, node := range nodes {
		raw, err := os.ReadFile(filepath.Join(ledgers, node))
		if err != nil {
			t.Fatalf("ledger of %s: %v", node, err)
		}
		seen := map[string]int{}
		for _, line := range strings.Fields(string(raw)) {
			seen[line]++
			runs++
		}
		for _, cmdID := range ids {
			if seen[cmdID] != 1 {
				t.Errorf("node %s ran %s %d times", node, cmdID, seen[cmdID])
			}
		}
	}
	t.Logf("%d invocations, %d runs counted on the nodes, after one SIGKILL of the server", agents*commands, runs)
}

func ledgerLines(dir string) int {
	n := 0
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		raw, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		n += len(strings.Fields(string(raw)))
	}
	return n
}
