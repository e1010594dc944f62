package sqs

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/google/uuid"
)

// Receipt handles name one receive of one message: the queue, the message's
// row, its ID and the receive count at that receive. A later receive of the
// same message makes a handle with a higher count, so an older handle is
// recognisably stale. The encoding is versioned and opaque to clients:
// base64url of
//
//	'r' | version 1 | queue ID (8) | row ID (8) | receive count (4) | message ID (16)
const receiptVersion = 1

const receiptLen = 2 + 8 + 8 + 4 + 16

// EncodeReceipt returns the receipt handle of ref.
func EncodeReceipt(ref MessageRef) string {
	var b [receiptLen]byte
	b[0], b[1] = 'r', receiptVersion
	binary.BigEndian.PutUint64(b[2:], uint64(ref.QueueID))
	binary.BigEndian.PutUint64(b[10:], uint64(ref.RowID))
	binary.BigEndian.PutUint32(b[18:], uint32(ref.ReceiveCount))
	id, err := uuid.Parse(ref.MessageID)
	if err == nil {
		copy(b[22:], id[:])
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ParseReceipt reads a receipt handle made by EncodeReceipt. It never
// panics, whatever the string.
func ParseReceipt(h string) (MessageRef, bool) {
	if len(h) != base64.RawURLEncoding.EncodedLen(receiptLen) {
		return MessageRef{}, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(h)
	if err != nil || len(b) != receiptLen || b[0] != 'r' || b[1] != receiptVersion {
		return MessageRef{}, false
	}
	ref := MessageRef{
		QueueID:      int64(binary.BigEndian.Uint64(b[2:])),
		RowID:        int64(binary.BigEndian.Uint64(b[10:])),
		ReceiveCount: int(binary.BigEndian.Uint32(b[18:])),
	}
	if ref.QueueID <= 0 || ref.RowID <= 0 || ref.ReceiveCount <= 0 {
		return MessageRef{}, false
	}
	var id uuid.UUID
	copy(id[:], b[22:])
	ref.MessageID = id.String()
	return ref, true
}
