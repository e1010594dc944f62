//go:build !linux

package agent

import "github.com/stewardhq/steward/agentproto"

// diskCollector collects nothing off Linux.
func diskCollector(*DiskConfig, []agentproto.Dimension, string) func(r *round) {
	return func(*round) {}
}
