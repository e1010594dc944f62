// Package eventsapi is the EventBridge operation table: AWSEvents.* over
// awsJson1_1 (signing name "events"), wire shapes converted to and from the
// events domain. Member names are the botocore model's (events/2015-10-07);
// optional outputs are left out when empty, as AWS does.
package eventsapi

import (
	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/protocol"
)

// Service returns the EventBridge operation table.
func Service(b *events.Buses) *gateway.Service {
	var ops []gateway.Op
	ops = append(ops, busOps(b)...)
	ops = append(ops, ruleOps(b)...)
	ops = append(ops, targetOps(b)...)
	ops = append(ops, eventOps(b)...)
	ops = append(ops, tagOps(b)...)
	ops = append(ops, connectionOps(b)...)
	ops = append(ops, apiDestinationOps(b)...)
	return &gateway.Service{
		Name:        "events",
		SigningName: "events",
		Accepts:     gateway.JSON,
		Wire: protocol.Service{
			TargetPrefix:   "AWSEvents",
			JSONVersion:    "1.1",
			ShapeNamespace: "com.amazonaws.eventbridge",
		},
		Errors: map[string]gateway.ErrorInfo{
			events.CodeInternal: {Status: 500, Server: true},
		},
		Ops: gateway.Ops(ops...),
	}
}

// tokenOut is an optional NextToken.
func tokenOut(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

func intIn(v *int32) *int {
	if v == nil {
		return nil
	}
	n := int(*v)
	return &n
}

func intOut(v *int) *int32 {
	if v == nil {
		return nil
	}
	n := int32(*v)
	return &n
}

func strOut(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type tagWire struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagsIn(in []tagWire) []events.Tag {
	if in == nil {
		return nil
	}
	out := make([]events.Tag, len(in))
	for i, t := range in {
		out[i] = events.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}
