package ssm

import (
	"context"
)

// Target selects managed nodes, as in SendCommand, associations and
// maintenance windows: Key is InstanceIds, tag:<key>, tag-key or
// resource-groups:Name; keys AND together, values OR.
type Target struct {
	Key    string
	Values []string
}

// NodeRef is a resolved target node.
type NodeRef struct {
	ID           string // mi-…
	PlatformType string // Linux | Windows | MacOS
	PingStatus   string // Online | ConnectionLost | Inactive
}

// NodeDirectory is what Run Command (and later State Manager and Maintenance
// Windows) needs from the node registry. *Nodes implements it.
//
// ResolveTargets returns the registered (not deregistered) nodes selected by
// instanceIDs or targets, sorted by ID. An instance ID that is not a
// registered node is InvalidInstanceId; targets that match nothing return an
// empty list and no error (the caller decides: SendCommand records
// NoInstancesInTag).
type NodeDirectory interface {
	ResolveTargets(ctx context.Context, instanceIDs []string, targets []Target) ([]NodeRef, error)
}

// Notifier wakes the agent channel of nodes that have new work (a command to
// deliver, a cancel). The fleet hub implements it; a wake for a node that is
// not connected is a no-op — it finds its work at its next poll.
type Notifier interface {
	Wake(nodeIDs ...string)
}
