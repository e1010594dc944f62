// Package mail sends Steward's email: SNS email and email-json deliveries
// and subscription confirmations. A Sender is either an SMTP relay (Relay)
// or, when none is configured, the built-in catcher (Catcher) that keeps the
// mail for a user to list and read.
//
// Both render a Message the same way (compose.go): RFC 5322 headers with
// RFC 2047 encoded-words for anything but plain ASCII, folded within 76
// characters and never inside a UTF-8 character; a text/plain UTF-8 body
// in quoted-printable (ASCII) or base64; CR and LF can never break out of a
// header. The relay speaks SMTP itself (session.go: STARTTLS or implicit
// TLS, AUTH PLAIN/LOGIN, dot-stuffing) so that every failure can be sorted
// into permanent and transient (IsPermanent). Package smtptest is the real
// SMTP server its tests run against.
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
