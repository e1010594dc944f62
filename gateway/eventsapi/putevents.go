package eventsapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// eventOps are PutEvents and TestEventPattern.
func eventOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("PutEvents", func(ctx context.Context, in *putEventsInput) (*putEventsOutput, error) {
			entries := make([]events.PutEventsEntry, len(in.Entries))
			for i, e := range in.Entries {
				entries[i] = events.PutEventsEntry{Time: e.Time, Source: e.Source, Resources: e.Resources, DetailType: e.DetailType,
					Detail: e.Detail, EventBusName: e.EventBusName, TraceHeader: e.TraceHeader}
			}
			res, err := b.PutEvents(ctx, entries)
			if err != nil {
				return nil, err
			}
			out := &putEventsOutput{Entries: make([]putEventsResultEntry, len(res))}
			for i, r := range res {
				out.Entries[i] = putEventsResultEntry{EventId: strOut(r.EventID), ErrorCode: strOut(r.ErrorCode), ErrorMessage: strOut(r.ErrorMessage)}
				if r.ErrorCode != "" {
					out.FailedEntryCount++
				}
			}
			return out, nil
		}),
		gateway.Handle("TestEventPattern", func(ctx context.Context, in *testEventPatternInput) (*testEventPatternOutput, error) {
			ok, err := b.TestEventPattern(ctx, in.EventPattern, in.Event)
			if err != nil {
				return nil, err
			}
			return &testEventPatternOutput{Result: ok}, nil
		}),
	}
}

type putEventsInput struct {
	Entries    []putEventsRequestEntry `json:"Entries"`
	EndpointId *string                 `json:"EndpointId"`
}

type putEventsRequestEntry struct {
	Time         *time.Time `json:"Time"`
	Source       *string    `json:"Source"`
	Resources    []string   `json:"Resources"`
	DetailType   *string    `json:"DetailType"`
	Detail       *string    `json:"Detail"`
	EventBusName *string    `json:"EventBusName"`
	TraceHeader  *string    `json:"TraceHeader"`
}

type putEventsOutput struct {
	FailedEntryCount int32                  `json:"FailedEntryCount"`
	Entries          []putEventsResultEntry `json:"Entries"`
}

type putEventsResultEntry struct {
	EventId      *string `json:"EventId,omitempty"`
	ErrorCode    *string `json:"ErrorCode,omitempty"`
	ErrorMessage *string `json:"ErrorMessage,omitempty"`
}

type testEventPatternInput struct {
	EventPattern string `json:"EventPattern"`
	Event        string `json:"Event"`
}

type testEventPatternOutput struct {
	Result bool `json:"Result"`
}
