package events

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Event buses: CreateEventBus, DeleteEventBus, DescribeEventBus,
// ListEventBuses, UpdateEventBus. The default bus always exists and cannot
// be deleted. Partner buses (aws.partner/…) and KMS keys are not served.
// Deleting a bus deletes its rules and their targets with it.

// BusInfo is an event bus as DescribeEventBus and ListEventBuses show it.
type BusInfo struct {
	Name             string
	ARN              string
	Description      string
	CreationTime     time.Time
	LastModifiedTime time.Time
}

// CreateBusInput is a CreateEventBus request.
type CreateBusInput struct {
	Name            string
	EventSourceName *string
	Description     *string
	Tags            []Tag
}

func (b *Buses) busInfo(r *BusRecord) *BusInfo {
	return &BusInfo{Name: r.Name, ARN: b.BusARN(r.Name), Description: r.Description, CreationTime: r.CreatedAt, LastModifiedTime: r.ModifiedAt}
}

// CreateEventBus creates a custom event bus and returns its ARN.
//
// Errors: ValidationException, ResourceAlreadyExistsException,
// LimitExceededException (100 buses).
func (b *Buses) CreateEventBus(ctx context.Context, in CreateBusInput) (string, error) {
	var f fieldErrors
	f.text(in.Name, "name", 1, maxBusName, busNamePattern)
	f.optional(in.Description, "description", 0, maxDescription, nil)
	f.tags(in.Tags, "tags")
	if err := f.err(); err != nil {
		return "", err
	}
	switch {
	case in.EventSourceName != nil || strings.HasPrefix(in.Name, "aws."):
		return "", steward.Validation("Steward serves no partner event sources; an event bus name may not start with aws.")
	case strings.Contains(in.Name, "/"):
		return "", steward.Validation("Event bus name must not contain '/'.")
	case in.Name == DefaultBus:
		return "", steward.Errorf(CodeResourceAlreadyExists, "Event bus default already exists.")
	}
	if err := checkTagRules(in.Tags); err != nil {
		return "", err
	}
	now := b.now()
	rec := &BusRecord{Name: in.Name, CreatedAt: now, ModifiedAt: now}
	if in.Description != nil {
		rec.Description = *in.Description
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		n, err := tx.CountBuses(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.GetBus(ctx, in.Name); err == nil {
			return steward.Errorf(CodeResourceAlreadyExists, "Event bus %s already exists.", in.Name)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if n >= maxBuses {
			return steward.Errorf(CodeLimitExceeded, "The requested resource exceeds the maximum number allowed.")
		}
		if err := tx.InsertBus(ctx, rec); err != nil {
			if errors.Is(err, ErrConflict) {
				return steward.Errorf(CodeResourceAlreadyExists, "Event bus %s already exists.", in.Name)
			}
			return err
		}
		if len(in.Tags) > 0 {
			return tx.SetTags(ctx, in.Name, "", in.Tags)
		}
		return nil
	})
	if err != nil {
		return "", internal(err)
	}
	b.router.noteVersion(ctx)
	return b.BusARN(in.Name), nil
}

// DeleteEventBus deletes a custom bus with its rules; deleting one that does
// not exist succeeds.
func (b *Buses) DeleteEventBus(ctx context.Context, name string) error {
	var f fieldErrors
	f.text(name, "name", 1, maxBusName, busNamePattern)
	if err := f.err(); err != nil {
		return err
	}
	if name == DefaultBus {
		return steward.Validation("Cannot delete event bus default.")
	}
	b.ctl.Lock()
	defer b.ctl.Unlock()
	if err := b.store.Update(ctx, func(tx Tx) error { return tx.DeleteBus(ctx, name) }); err != nil {
		return internal(err)
	}
	b.router.dropBus(name)
	b.router.noteVersion(ctx)
	return nil
}

// DescribeEventBus returns a bus (the default one when name is nil).
func (b *Buses) DescribeEventBus(ctx context.Context, name *string) (*BusInfo, error) {
	var f fieldErrors
	bus := b.busName(name, "name", &f)
	if err := f.err(); err != nil {
		return nil, err
	}
	rec, err := b.store.GetBus(ctx, bus)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("Event bus %s does not exist.", shownBus(bus))
	}
	if err != nil {
		return nil, internal(err)
	}
	return b.busInfo(rec), nil
}

// ListEventBuses returns a page of buses in name order.
func (b *Buses) ListEventBuses(ctx context.Context, prefix, token *string, limit *int) ([]*BusInfo, string, error) {
	var f fieldErrors
	f.optional(prefix, "namePrefix", 1, maxBusName, busNamePattern)
	tok, n := f.token(token), f.limit(limit)
	if err := f.err(); err != nil {
		return nil, "", err
	}
	p := ""
	if prefix != nil {
		p = *prefix
	}
	recs, next, err := b.store.ListBuses(ctx, p, tok, n)
	if err != nil {
		return nil, "", tokenError(err)
	}
	out := make([]*BusInfo, len(recs))
	for i, r := range recs {
		out[i] = b.busInfo(r)
	}
	return out, next, nil
}

// UpdateEventBus changes a bus's description.
func (b *Buses) UpdateEventBus(ctx context.Context, name *string, description *string) (*BusInfo, error) {
	var f fieldErrors
	bus := DefaultBus
	if name != nil {
		f.text(*name, "name", 1, maxBusName, busNamePattern)
		bus = *name
	}
	f.optional(description, "description", 0, maxDescription, nil)
	if err := f.err(); err != nil {
		return nil, err
	}
	var rec *BusRecord
	b.ctl.Lock()
	defer b.ctl.Unlock()
	err := b.store.Update(ctx, func(tx Tx) error {
		var err error
		rec, err = tx.GetBus(ctx, bus)
		if errors.Is(err, ErrNotFound) {
			return notFound("Event bus %s does not exist.", bus)
		}
		if err != nil {
			return err
		}
		rec.Description = ""
		if description != nil {
			rec.Description = *description
		}
		rec.ModifiedAt = b.now()
		return tx.UpdateBus(ctx, rec)
	})
	if err != nil {
		return nil, internal(err)
	}
	b.router.noteVersion(ctx)
	return b.busInfo(rec), nil
}
