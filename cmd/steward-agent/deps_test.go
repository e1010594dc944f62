package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAgentLinksNothingServerSide keeps the agent small and its attack surface
// separate: it may import agent-side packages only.
func TestAgentLinksNothingServerSide(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/stewardhq/steward"
	allowed := map[string]bool{
		mod + "/cmd/steward-agent": true,
		mod + "/agent":             true,
		mod + "/agentproto":        true,
	}
	forbidden := []string{"database/sql", "modernc.org/sqlite", "github.com/jackc/pgx", "github.com/spf13/cobra"}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, mod) && !allowed[p] && !strings.HasPrefix(p, mod+"/agent/") {
			t.Errorf("agent links server-side package %s", p)
		}
		for _, f := range forbidden {
			if strings.HasPrefix(p, f) {
				t.Errorf("agent links %s", p)
			}
		}
	}
}
