package eventsapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// busOps are CreateEventBus, DeleteEventBus, DescribeEventBus,
// ListEventBuses and UpdateEventBus.
func busOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateEventBus", func(ctx context.Context, in *createEventBusInput) (*createEventBusOutput, error) {
			arn, err := b.CreateEventBus(ctx, events.CreateBusInput{Name: in.Name, EventSourceName: in.EventSourceName,
				Description: in.Description, Tags: tagsIn(in.Tags)})
			if err != nil {
				return nil, err
			}
			return &createEventBusOutput{EventBusArn: arn, Description: in.Description}, nil
		}),
		gateway.Handle("DeleteEventBus", func(ctx context.Context, in *deleteEventBusInput) (*struct{}, error) {
			return &struct{}{}, b.DeleteEventBus(ctx, in.Name)
		}),
		gateway.Handle("DescribeEventBus", func(ctx context.Context, in *describeEventBusInput) (*describeEventBusOutput, error) {
			bus, err := b.DescribeEventBus(ctx, in.Name)
			if err != nil {
				return nil, err
			}
			return &describeEventBusOutput{Name: bus.Name, Arn: bus.ARN, Description: strOut(bus.Description),
				CreationTime: bus.CreationTime, LastModifiedTime: bus.LastModifiedTime}, nil
		}),
		gateway.Handle("ListEventBuses", func(ctx context.Context, in *listEventBusesInput) (*listEventBusesOutput, error) {
			buses, next, err := b.ListEventBuses(ctx, in.NamePrefix, in.NextToken, intIn(in.Limit))
			if err != nil {
				return nil, err
			}
			out := &listEventBusesOutput{EventBuses: make([]eventBusWire, len(buses)), NextToken: tokenOut(next)}
			for i, bus := range buses {
				out.EventBuses[i] = eventBusWire{Name: bus.Name, Arn: bus.ARN, Description: strOut(bus.Description),
					CreationTime: bus.CreationTime, LastModifiedTime: bus.LastModifiedTime}
			}
			return out, nil
		}),
		gateway.Handle("UpdateEventBus", func(ctx context.Context, in *updateEventBusInput) (*updateEventBusOutput, error) {
			bus, err := b.UpdateEventBus(ctx, in.Name, in.Description)
			if err != nil {
				return nil, err
			}
			return &updateEventBusOutput{Arn: bus.ARN, Name: bus.Name, Description: strOut(bus.Description)}, nil
		}),
	}
}

type createEventBusInput struct {
	Name            string    `json:"Name"`
	EventSourceName *string   `json:"EventSourceName"`
	Description     *string   `json:"Description"`
	Tags            []tagWire `json:"Tags"`
}

type createEventBusOutput struct {
	EventBusArn string  `json:"EventBusArn"`
	Description *string `json:"Description,omitempty"`
}

type deleteEventBusInput struct {
	Name string `json:"Name"`
}

type describeEventBusInput struct {
	Name *string `json:"Name"`
}

type describeEventBusOutput struct {
	Name             string    `json:"Name"`
	Arn              string    `json:"Arn"`
	Description      *string   `json:"Description,omitempty"`
	CreationTime     time.Time `json:"CreationTime"`
	LastModifiedTime time.Time `json:"LastModifiedTime"`
}

type listEventBusesInput struct {
	NamePrefix *string `json:"NamePrefix"`
	NextToken  *string `json:"NextToken"`
	Limit      *int32  `json:"Limit"`
}

type eventBusWire struct {
	Name             string    `json:"Name"`
	Arn              string    `json:"Arn"`
	Description      *string   `json:"Description,omitempty"`
	CreationTime     time.Time `json:"CreationTime"`
	LastModifiedTime time.Time `json:"LastModifiedTime"`
}

type listEventBusesOutput struct {
	EventBuses []eventBusWire `json:"EventBuses"`
	NextToken  *string        `json:"NextToken,omitempty"`
}

type updateEventBusInput struct {
	Name        *string `json:"Name"`
	Description *string `json:"Description"`
}

type updateEventBusOutput struct {
	Arn         string  `json:"Arn"`
	Name        string  `json:"Name"`
	Description *string `json:"Description,omitempty"`
}
