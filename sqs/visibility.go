package sqs

import (
	"context"
	"time"

	"github.com/stewardhq/steward"
)

// Deleting messages and changing their visibility, by receipt handle.
//
// Stale handles follow AWS: DeleteMessage with a handle from an earlier
// receive of a message (received again since) succeeds without deleting it,
// and deleting a message that is already gone succeeds too; a handle that
// is not one of this queue's is ReceiptHandleIsInvalid. A visibility change
// needs the latest handle of a message still in flight (ReceiptHandleIsInvalid
// for a stale or gone one, MessageNotInflight for a visible one).

// BatchReceipt is one entry of DeleteMessageBatch or
// ChangeMessageVisibilityBatch.
type BatchReceipt struct {
	ID                string
	ReceiptHandle     string
	VisibilityTimeout *int // ChangeMessageVisibilityBatch only
}

func invalidHandle(h string) *steward.Error {
	return steward.Errorf(CodeReceiptHandleIsInvalid, "The input receipt handle %q is not a valid receipt handle.", h)
}

// ref parses a handle of queue e.
func (e *queueEntry) ref(h string) (MessageRef, *steward.Error) {
	if h == "" {
		return MessageRef{}, missingParam("ReceiptHandle")
	}
	ref, ok := ParseReceipt(h)
	if !ok || ref.QueueID != e.rec.ID {
		return MessageRef{}, invalidHandle(h)
	}
	return ref, nil
}

// DeleteMessage deletes the message a receipt handle names.
func (q *Queues) DeleteMessage(ctx context.Context, url, handle string) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	ref, perr := e.ref(handle)
	if perr != nil {
		return perr
	}
	err = q.store.Messages(ctx, func(ctx context.Context, tx MessageTx) error {
		_, err := tx.Delete(ctx, ref)
		return err
	})
	return q.storeErr(e.rec.Name, err)
}

// DeleteMessageBatch deletes up to 10 messages; each entry succeeds or
// fails on its own.
func (q *Queues) DeleteMessageBatch(ctx context.Context, url string, entries []BatchReceipt) ([]BatchResult[struct{}], error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(batchIDs(entries)); err != nil {
		return nil, err
	}
	out := make([]BatchResult[struct{}], len(entries))
	refs := make([]MessageRef, len(entries))
	for i, en := range entries {
		out[i].ID = en.ID
		refs[i], out[i].Err = e.ref(en.ReceiptHandle)
	}
	err = q.store.Messages(ctx, func(ctx context.Context, tx MessageTx) error {
		for i := range entries {
			if out[i].Err == nil {
				if _, err := tx.Delete(ctx, refs[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, q.storeErr(e.rec.Name, err)
	}
	return out, nil
}

func batchIDs(entries []BatchReceipt) []string {
	ids := make([]string, len(entries))
	for i, en := range entries {
		ids[i] = en.ID
	}
	return ids
}

func checkVisibility(v int) *steward.Error {
	if v < 0 || v > MaxVisibilitySeconds {
		return invalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.", v)
	}
	return nil
}

// ChangeMessageVisibility hides an in-flight message for timeout seconds
// from now (0: visible at once), up to 12 hours after it was received.
func (q *Queues) ChangeMessageVisibility(ctx context.Context, url, handle string, timeout int) error {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return err
	}
	if perr := checkVisibility(timeout); perr != nil {
		return perr
	}
	ref, perr := e.ref(handle)
	if perr != nil {
		return perr
	}
	now := q.now()
	var verr *steward.Error
	err = q.store.Messages(ctx, func(ctx context.Context, tx MessageTx) error {
		v, err := changeVisibility(ctx, tx, ref, handle, timeout, now)
		verr = v
		return err
	})
	if err != nil {
		return q.storeErr(e.rec.Name, err)
	}
	if verr != nil {
		return verr
	}
	if timeout == 0 {
		q.wake(e.rec.ID)
	}
	return nil
}

// changeVisibility applies one change in tx; the rule's verdict is the
// first result, a store failure the second.
func changeVisibility(ctx context.Context, tx MessageTx, ref MessageRef, handle string, timeout int, now time.Time) (*steward.Error, error) {
	m, err := tx.Lookup(ctx, ref)
	if err != nil {
		return nil, err
	}
	if m == nil || m.ReceiveCount != ref.ReceiveCount {
		return invalidHandle(handle), nil
	}
	if !m.VisibleAt.After(now) {
		return steward.Errorf(CodeMessageNotInflight, "Message does not exist or is not available for visibility timeout change."), nil
	}
	until := now.Add(time.Duration(timeout) * time.Second)
	if until.After(m.ReceivedAt.Add(MaxVisibilitySeconds * time.Second)) {
		return invalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", timeout), nil
	}
	return nil, tx.SetVisibility(ctx, ref, until)
}

// ChangeMessageVisibilityBatch changes the visibility of up to 10
// messages; each entry succeeds or fails on its own.
func (q *Queues) ChangeMessageVisibilityBatch(ctx context.Context, url string, entries []BatchReceipt) ([]BatchResult[struct{}], error) {
	e, err := q.byURL(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(batchIDs(entries)); err != nil {
		return nil, err
	}
	out := make([]BatchResult[struct{}], len(entries))
	refs := make([]MessageRef, len(entries))
	for i, en := range entries {
		out[i].ID = en.ID
		switch {
		case en.VisibilityTimeout == nil:
			out[i].Err = missingParam("VisibilityTimeout")
		default:
			if out[i].Err = checkVisibility(*en.VisibilityTimeout); out[i].Err == nil {
				refs[i], out[i].Err = e.ref(en.ReceiptHandle)
			}
		}
	}
	now := q.now()
	verdicts := make([]*steward.Error, len(entries))
	wake := false
	err = q.store.Messages(ctx, func(ctx context.Context, tx MessageTx) error {
		wake = false
		for i, en := range entries {
			verdicts[i] = nil
			if out[i].Err != nil {
				continue
			}
			v, err := changeVisibility(ctx, tx, refs[i], en.ReceiptHandle, *en.VisibilityTimeout, now)
			if err != nil {
				return err
			}
			verdicts[i] = v
			wake = wake || v == nil && *en.VisibilityTimeout == 0
		}
		return nil
	})
	if err != nil {
		return nil, q.storeErr(e.rec.Name, err)
	}
	for i, v := range verdicts {
		if v != nil {
			out[i].Err = v
		}
	}
	if wake {
		q.wake(e.rec.ID)
	}
	return out, nil
}
