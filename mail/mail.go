// Package mail sends Steward's email: SNS email and email-json deliveries
// and subscription confirmations. A Sender is either an SMTP relay (Relay)
// or, when none is configured, the built-in catcher (Catcher) that keeps the
// mail for a user to list and read.
package mail

import "context"

// Message is one mail. Subject and Text are UTF-8; the sender encodes them
// for the wire (RFC 2047 subject, base64 or quoted-printable body).
type Message struct {
	From    string   // "Name <addr>" or "addr"
	To      []string // addresses
	Subject string
	Text    string // text/plain body
}

// Sender delivers mail. An error for which IsPermanent reports true will
// not succeed on retry (e.g. a 5xx SMTP reply to RCPT); any other error is
// transient.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
