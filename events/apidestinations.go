package events

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// API destinations: CreateApiDestination, DescribeApiDestination,
// ListApiDestinations, UpdateApiDestination, DeleteApiDestination. An API
// destination is an HTTP endpoint, a method, a connection for its
// authorization and an invocation rate limit; a rule target whose ARN is
// the destination's calls it (apidest_invoke.go).

// APIDestinationRecord is a stored API destination.
type APIDestinationRecord struct {
	Name          string
	UUID          string
	Description   string
	ConnectionARN string
	Endpoint      string
	Method        string
	RateLimit     int
	State         string
	CreatedAt     time.Time
	ModifiedAt    time.Time
}

// APIDestination is an API destination with its ARN.
type APIDestination struct {
	APIDestinationRecord
	ARN string
}

// APIDestinationInput is CreateApiDestination or UpdateApiDestination (in
// an update, nil members keep their values).
type APIDestinationInput struct {
	Name          string
	Description   *string
	ConnectionARN *string
	Endpoint      *string
	Method        *string
	RateLimit     *int
}

const (
	defaultRateLimit   = 300
	maxDestinationName = 64
	maxDestinationDesc = 512
)

var destinationMethods = map[string]bool{"POST": true, "GET": true, "HEAD": true, "OPTIONS": true, "PUT": true, "PATCH": true, "DELETE": true}

func (b *Buses) destinationARN(r *APIDestinationRecord) string {
	return "arn:aws:events:" + b.opts.Region + ":" + b.opts.Account + ":api-destination/" + r.Name + "/" + r.UUID
}

func (b *Buses) destinationOut(r *APIDestinationRecord) *APIDestination {
	return &APIDestination{APIDestinationRecord: *r, ARN: b.destinationARN(r)}
}

// checkDestination validates the members given.
func (b *Buses) checkDestination(ctx context.Context, in *APIDestinationInput, create bool) error {
	var f fieldErrors
	f.text(in.Name, "name", 1, maxDestinationName, connectionNamePattern)
	f.optional(in.Description, "description", 0, maxDestinationDesc, nil)
	if in.ConnectionARN != nil {
		f.length(*in.ConnectionARN, "connectionArn", 1, maxARN)
	}
	if in.Endpoint != nil {
		checkEndpoint(*in.Endpoint, "invocationEndpoint", &f)
	}
	if in.Method != nil && !destinationMethods[*in.Method] {
		f.add(*in.Method, "httpMethod", "Member must satisfy enum value set: [POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE]")
	}
	if in.RateLimit != nil {
		f.intRange(*in.RateLimit, "invocationRateLimitPerSecond", 1, defaultRateLimit)
	}
	if create {
		if in.ConnectionARN == nil {
			f.add("null", "connectionArn", "Member must not be null")
		}
		if in.Endpoint == nil {
			f.add("null", "invocationEndpoint", "Member must not be null")
		}
		if in.Method == nil {
			f.add("null", "httpMethod", "Member must not be null")
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	if in.ConnectionARN != nil {
		name, ok := b.connectionName(*in.ConnectionARN)
		if !ok {
			return steward.Validation("Parameter ConnectionArn is not valid. Reason: Provided Arn is not in correct format.")
		}
		c, err := b.store.GetConnection(ctx, name)
		if errors.Is(err, ErrNotFound) || (err == nil && b.connectionARN(c) != *in.ConnectionARN) {
			return notFound("Connection '%s' does not exist.", name)
		} else if err != nil {
			return internal(err)
		}
	}
	return nil
}

// CreateAPIDestination creates an API destination.
//
// Errors: ValidationException, ResourceNotFoundException (the connection),
// ResourceAlreadyExistsException.
func (b *Buses) CreateAPIDestination(ctx context.Context, in APIDestinationInput) (*APIDestination, error) {
	if err := b.checkDestination(ctx, &in, true); err != nil {
		return nil, err
	}
	now := b.now()
	r := &APIDestinationRecord{Name: in.Name, UUID: uuid.NewString(), Description: deref(in.Description),
		ConnectionARN: *in.ConnectionARN, Endpoint: *in.Endpoint, Method: *in.Method, RateLimit: defaultRateLimit,
		State: StateActive, CreatedAt: now, ModifiedAt: now}
	if in.RateLimit != nil {
		r.RateLimit = *in.RateLimit
	}
	if err := b.store.PutAPIDestination(ctx, r, true); errors.Is(err, ErrConflict) {
		return nil, steward.Errorf(CodeResourceAlreadyExists, "An api-destination '%s' already exists.", in.Name)
	} else if err != nil {
		return nil, internal(err)
	}
	return b.destinationOut(r), nil
}

func (b *Buses) getDestination(ctx context.Context, name string) (*APIDestinationRecord, error) {
	r, err := b.store.GetAPIDestination(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("Failed to describe the api-destination(s). An api-destination '%s' does not exist.", name)
	}
	if err != nil {
		return nil, internal(err)
	}
	return r, nil
}

// DescribeAPIDestination returns an API destination.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) DescribeAPIDestination(ctx context.Context, name string) (*APIDestination, error) {
	var f fieldErrors
	f.text(name, "name", 1, maxDestinationName, connectionNamePattern)
	if err := f.err(); err != nil {
		return nil, err
	}
	r, err := b.getDestination(ctx, name)
	if err != nil {
		return nil, err
	}
	return b.destinationOut(r), nil
}

// ListAPIDestinations returns a page of API destinations in name order.
func (b *Buses) ListAPIDestinations(ctx context.Context, prefix, connectionARN, token *string, limit *int) ([]*APIDestination, string, error) {
	var f fieldErrors
	f.optional(prefix, "namePrefix", 1, maxDestinationName, connectionNamePattern)
	f.optional(connectionARN, "connectionArn", 1, maxARN, nil)
	tok, n := f.token(token), f.limit(limit)
	if err := f.err(); err != nil {
		return nil, "", err
	}
	recs, next, err := b.store.ListAPIDestinations(ctx, deref(prefix), deref(connectionARN), tok, n)
	if err != nil {
		return nil, "", tokenError(err)
	}
	out := make([]*APIDestination, len(recs))
	for i, r := range recs {
		out[i] = b.destinationOut(r)
	}
	return out, next, nil
}

// UpdateAPIDestination changes an API destination.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) UpdateAPIDestination(ctx context.Context, in APIDestinationInput) (*APIDestination, error) {
	if err := b.checkDestination(ctx, &in, false); err != nil {
		return nil, err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	r, err := b.getDestination(ctx, in.Name)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.ConnectionARN != nil {
		r.ConnectionARN = *in.ConnectionARN
	}
	if in.Endpoint != nil {
		r.Endpoint = *in.Endpoint
	}
	if in.Method != nil {
		r.Method = *in.Method
	}
	if in.RateLimit != nil {
		r.RateLimit = *in.RateLimit
	}
	r.ModifiedAt = b.now()
	if err := b.store.PutAPIDestination(ctx, r, false); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound("An api-destination '%s' does not exist.", in.Name)
		}
		return nil, internal(err)
	}
	return b.destinationOut(r), nil
}

// DeleteAPIDestination deletes an API destination.
//
// Errors: ValidationException, ResourceNotFoundException.
func (b *Buses) DeleteAPIDestination(ctx context.Context, name string) error {
	var f fieldErrors
	f.text(name, "name", 1, maxDestinationName, connectionNamePattern)
	if err := f.err(); err != nil {
		return err
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if err := b.store.DeleteAPIDestination(ctx, name); errors.Is(err, ErrNotFound) {
		return notFound("An api-destination '%s' does not exist.", name)
	} else if err != nil {
		return internal(err)
	}
	b.limits.forget(name)
	return nil
}
