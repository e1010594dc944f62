package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stewardhq/steward/server/servertest"
)

func terminal(s types.CommandInvocationStatus) bool {
	switch s {
	case types.CommandInvocationStatusSuccess, types.CommandInvocationStatusFailed,
		types.CommandInvocationStatusCancelled, types.CommandInvocationStatusTimedOut:
		return true
	}
	return false
}

func commandTerminal(s types.CommandStatus) bool {
	switch s {
	case types.CommandStatusSuccess, types.CommandStatusFailed, types.CommandStatusCancelled, types.CommandStatusTimedOut:
		return true
	}
	return false
}

// send sends AWS-RunShellScript with the given script lines.
func send(t *testing.T, c *ssm.Client, in *ssm.SendCommandInput, lines ...string) *types.Command {
	t.Helper()
	if in.DocumentName == nil {
		in.DocumentName = aws.String("AWS-RunShellScript")
	}
	if in.Parameters == nil {
		in.Parameters = map[string][]string{}
	}
	if len(lines) > 0 {
		in.Parameters["commands"] = lines
	}
	out, err := c.SendCommand(context.Background(), in)
	if err != nil {
		t.Fatalf("SendCommand: %v", err)
	}
	return out.Command
}

// waitCommand waits until the command is terminal and returns it.
func waitCommand(t *testing.T, c *ssm.Client, id string, timeout time.Duration) types.Command {
	t.Helper()
	var cmd types.Command
	servertest.WaitFor(t, timeout, "command "+id+" to finish", func() bool {
		out, err := c.ListCommands(context.Background(), &ssm.ListCommandsInput{CommandId: aws.String(id)})
		if err != nil || len(out.Commands) != 1 {
			return false
		}
		cmd = out.Commands[0]
		return commandTerminal(cmd.Status)
	})
	return cmd
}

// invocations returns the command's invocations by node ID.
func invocations(t *testing.T, c *ssm.Client, id string) map[string]types.CommandInvocation {
	t.Helper()
	m := map[string]types.CommandInvocation{}
	p := ssm.NewListCommandInvocationsPaginator(c, &ssm.ListCommandInvocationsInput{CommandId: aws.String(id), Details: true})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListCommandInvocations: %v", err)
		}
		for _, inv := range page.CommandInvocations {
			m[aws.ToString(inv.InstanceId)] = inv
		}
	}
	return m
}

func getInvocation(t *testing.T, c *ssm.Client, cmdID, node string) *ssm.GetCommandInvocationOutput {
	t.Helper()
	out, err := c.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{CommandId: aws.String(cmdID), InstanceId: aws.String(node)})
	if err != nil {
		t.Fatalf("GetCommandInvocation: %v", err)
	}
	return out
}

// processGone reports whether no process has marker in its command line.
func processGone(marker string) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		raw, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if strings.Contains(strings.ReplaceAll(string(raw), "\x00", " "), marker) {
			return false
		}
	}
	return true
}

func uniqueSleep(n int) string { return fmt.Sprintf("%d.%06d", 900+n, time.Now().Nanosecond()/1000) }
