package eventsapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/events"
	"github.com/stewardhq/steward/gateway"
)

// apiDestinationOps are CreateApiDestination, DescribeApiDestination,
// ListApiDestinations, UpdateApiDestination and DeleteApiDestination.
func apiDestinationOps(b *events.Buses) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateApiDestination", func(ctx context.Context, in *apiDestinationInput) (*apiDestinationStateOutput, error) {
			d, err := b.CreateAPIDestination(ctx, in.domain())
			if err != nil {
				return nil, err
			}
			return destinationStateOut(d), nil
		}),
		gateway.Handle("DescribeApiDestination", func(ctx context.Context, in *apiDestinationNameInput) (*describeApiDestinationOutput, error) {
			d, err := b.DescribeAPIDestination(ctx, in.Name)
			if err != nil {
				return nil, err
			}
			return &describeApiDestinationOutput{apiDestinationWire: destinationOut(d), Description: strOut(d.Description)}, nil
		}),
		gateway.Handle("ListApiDestinations", func(ctx context.Context, in *listApiDestinationsInput) (*listApiDestinationsOutput, error) {
			ds, next, err := b.ListAPIDestinations(ctx, in.NamePrefix, in.ConnectionArn, in.NextToken, intIn(in.Limit))
			if err != nil {
				return nil, err
			}
			out := &listApiDestinationsOutput{ApiDestinations: make([]apiDestinationWire, len(ds)), NextToken: tokenOut(next)}
			for i, d := range ds {
				out.ApiDestinations[i] = destinationOut(d)
			}
			return out, nil
		}),
		gateway.Handle("UpdateApiDestination", func(ctx context.Context, in *apiDestinationInput) (*apiDestinationStateOutput, error) {
			d, err := b.UpdateAPIDestination(ctx, in.domain())
			if err != nil {
				return nil, err
			}
			return destinationStateOut(d), nil
		}),
		gateway.Handle("DeleteApiDestination", func(ctx context.Context, in *apiDestinationNameInput) (*struct{}, error) {
			return &struct{}{}, b.DeleteAPIDestination(ctx, in.Name)
		}),
	}
}

type apiDestinationNameInput struct {
	Name string `json:"Name"`
}

// apiDestinationInput is CreateApiDestination's and UpdateApiDestination's
// input (the members are the same).
type apiDestinationInput struct {
	Name                         string  `json:"Name"`
	Description                  *string `json:"Description"`
	ConnectionArn                *string `json:"ConnectionArn"`
	InvocationEndpoint           *string `json:"InvocationEndpoint"`
	HttpMethod                   *string `json:"HttpMethod"`
	InvocationRateLimitPerSecond *int32  `json:"InvocationRateLimitPerSecond"`
}

func (in *apiDestinationInput) domain() events.APIDestinationInput {
	return events.APIDestinationInput{Name: in.Name, Description: in.Description, ConnectionARN: in.ConnectionArn,
		Endpoint: in.InvocationEndpoint, Method: in.HttpMethod, RateLimit: intIn(in.InvocationRateLimitPerSecond)}
}

type apiDestinationStateOutput struct {
	ApiDestinationArn   string    `json:"ApiDestinationArn"`
	ApiDestinationState string    `json:"ApiDestinationState"`
	CreationTime        time.Time `json:"CreationTime"`
	LastModifiedTime    time.Time `json:"LastModifiedTime"`
}

func destinationStateOut(d *events.APIDestination) *apiDestinationStateOutput {
	return &apiDestinationStateOutput{ApiDestinationArn: d.ARN, ApiDestinationState: d.State, CreationTime: d.CreatedAt, LastModifiedTime: d.ModifiedAt}
}

// describeApiDestinationOutput is an ApiDestination with its Description.
type describeApiDestinationOutput struct {
	apiDestinationWire
	Description *string `json:"Description,omitempty"`
}

// apiDestinationWire is an ApiDestination.
type apiDestinationWire struct {
	ApiDestinationArn            string    `json:"ApiDestinationArn"`
	Name                         string    `json:"Name"`
	ApiDestinationState          string    `json:"ApiDestinationState"`
	ConnectionArn                string    `json:"ConnectionArn"`
	InvocationEndpoint           string    `json:"InvocationEndpoint"`
	HttpMethod                   string    `json:"HttpMethod"`
	InvocationRateLimitPerSecond int32     `json:"InvocationRateLimitPerSecond"`
	CreationTime                 time.Time `json:"CreationTime"`
	LastModifiedTime             time.Time `json:"LastModifiedTime"`
}

func destinationOut(d *events.APIDestination) apiDestinationWire {
	return apiDestinationWire{ApiDestinationArn: d.ARN, Name: d.Name,
		ApiDestinationState: d.State, ConnectionArn: d.ConnectionARN, InvocationEndpoint: d.Endpoint, HttpMethod: d.Method,
		InvocationRateLimitPerSecond: int32(d.RateLimit), CreationTime: d.CreatedAt, LastModifiedTime: d.ModifiedAt}
}

type listApiDestinationsInput struct {
	NamePrefix    *string `json:"NamePrefix"`
	ConnectionArn *string `json:"ConnectionArn"`
	NextToken     *string `json:"NextToken"`
	Limit         *int32  `json:"Limit"`
}

type listApiDestinationsOutput struct {
	ApiDestinations []apiDestinationWire `json:"ApiDestinations"`
	NextToken       *string              `json:"NextToken,omitempty"`
}
