package mail

import (
	"errors"
	"fmt"
	"strings"
)

// ReplyError is a negative reply of the SMTP relay to one command.
type ReplyError struct {
	Command string // the SMTP command answered ("RCPT", "DATA", "AUTH", …; "." for the message)
	Code    int    // the three-digit reply code, 4xx or 5xx
	Text    string // the relay's reply text, lines joined with "; "
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("smtp %s: %d %s", e.Command, e.Code, e.Text)
}

// Permanent reports a 5xx reply: the relay refuses and will refuse again.
func (e *ReplyError) Permanent() bool { return e.Code >= 500 && e.Code <= 599 }

// ErrInvalidMessage reports a Message that cannot be sent as it is: a
// missing or malformed address, control characters in an address, a body
// over MaxTextBytes. Errors wrapping it are permanent.
var ErrInvalidMessage = errors.New("mail: invalid message")

// ErrRelayPolicy reports that Steward refused to go on with a relay whose
// offer contradicts the configuration: STARTTLS required but not offered,
// a password that would cross the network in cleartext, no authentication
// mechanism Steward speaks. Errors wrapping it are permanent: the same
// relay and configuration will refuse the same way on retry.
var ErrRelayPolicy = errors.New("mail: relay refused by policy")

// IsPermanent reports whether err will not go away on retry: a 5xx reply of
// the relay (RFC 5321 "permanent negative completion"), an invalid message,
// or a relay policy refusal. Network failures, timeouts, TLS handshake
// failures, 4xx replies and anything else are transient. nil is not
// permanent.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var re *ReplyError
	if errors.As(err, &re) {
		return re.Permanent()
	}
	return errors.Is(err, ErrInvalidMessage) || errors.Is(err, ErrRelayPolicy)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

func policy(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRelayPolicy, fmt.Sprintf(format, args...))
}

// replyText joins the lines of a multi-line reply and bounds its length; it
// ends up in logs.
func replyText(msg string) string {
	msg = strings.ReplaceAll(msg, "\n", "; ")
	const maxLen = 512
	if len(msg) > maxLen {
		msg = strings.ToValidUTF8(msg[:maxLen], "") + "…"
	}
	return msg
}
