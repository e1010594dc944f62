package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
)

// Error codes of the mailbox operations (Steward admin API).
const (
	CodeMailNotFound      = "MailNotFoundException"
	CodeInvalidNextToken  = "InvalidNextTokenException"
	CodeCatcherNotEnabled = "MailCatcherNotEnabledException"
)

// Catcher limits and defaults.
const (
	// DefaultKeep is how many mails the catcher keeps; older ones are
	// dropped as new ones arrive.
	DefaultKeep = 1000
	// DefaultCatcherFrom is the sender of caught mail that has none.
	DefaultCatcherFrom = "Steward <steward@localhost>"
	// MaxListResults bounds one page of List.
	MaxListResults = 100
)

// Caught is a mail the catcher kept.
type Caught struct {
	ID        string    // the catcher's ID (a UUID)
	Time      time.Time // when it was caught
	MessageID string    // the Message-ID header, without angle brackets
	From      string    // decoded: "Name <addr>" or "addr"
	To        []string  // decoded, like From
	Subject   string    // decoded
	Size      int       // bytes of the raw message
	Text      string    // the body, decoded, "\n" line ends (GetCaughtMail only)
	Raw       []byte    // the RFC 5322 message as a relay would get it (GetCaughtMail only)
}

// Store errors.
var (
	ErrMailNotFound     = errors.New("mail: no such mail")
	ErrInvalidNextToken = errors.New("mail: invalid next token")
)

// Store keeps caught mail.
//
// PutCaughtMail stores m (its ID is fresh) and deletes all but the newest
// keep mails, in one transaction.
//
// ListCaughtMail returns up to limit mails, newest first, without Text and
// Raw, and the token of the next page ("" after the last). A token it did
// not make returns ErrInvalidNextToken.
//
// GetCaughtMail returns one mail with Text and Raw, or ErrMailNotFound.
type Store interface {
	PutCaughtMail(ctx context.Context, m *Caught, keep int) error
	ListCaughtMail(ctx context.Context, token string, limit int) ([]*Caught, string, error)
	GetCaughtMail(ctx context.Context, id string) (*Caught, error)
}

// CatcherOptions configures a Catcher. Zero fields take the defaults named.
type CatcherOptions struct {
	Keep   int           // mails kept; default DefaultKeep
	From   string        // sender of mail that has none; default DefaultCatcherFrom
	Clock  steward.Clock // default the system clock
	Logger *slog.Logger  // default discard
}

// Catcher is the Sender used when no relay is configured: it renders each
// message exactly as the relay would and keeps it in the database for a
// person to list and read (`steward mail list`, `steward mail read`).
type Catcher struct {
	store Store
	opts  CatcherOptions
}

var _ Sender = (*Catcher)(nil)

// NewCatcher returns a catcher keeping mail in store.
func NewCatcher(store Store, opts CatcherOptions) (*Catcher, error) {
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.From == "" {
		opts.From = DefaultCatcherFrom
	}
	if _, err := parseAddress(opts.From); err != nil {
		return nil, fmt.Errorf("mail catcher: From %q: %v", opts.From, err)
	}
	if opts.Clock == nil {
		opts.Clock = steward.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Catcher{store: store, opts: opts}, nil
}

// Send renders m and keeps it. Errors: wrapping ErrInvalidMessage for a
// message a relay could not take either (permanent); a store failure
// (transient).
func (c *Catcher) Send(ctx context.Context, m Message) error {
	now := c.opts.Clock.Now()
	msg, err := compose(m, c.opts.From, now)
	if err != nil {
		return err
	}
	caught := &Caught{
		ID: uuid.NewString(), Time: now, MessageID: msg.messageID,
		From: msg.from, To: msg.to, Subject: msg.subject, Size: len(msg.raw), Text: msg.text, Raw: msg.raw,
	}
	if err := c.store.PutCaughtMail(ctx, caught, c.opts.Keep); err != nil {
		return fmt.Errorf("mail catcher: %w", err)
	}
	c.opts.Logger.Info("mail caught (no SMTP relay configured)", "id", caught.ID, "to", caught.To)
	return nil
}

// List returns a page of caught mail, newest first, without Text and Raw,
// and the token of the next page. limit is 1–MaxListResults (0: the
// maximum). Errors carry CodeInvalidNextToken or a validation code.
func (c *Catcher) List(ctx context.Context, token string, limit int) ([]*Caught, string, error) {
	if limit == 0 {
		limit = MaxListResults
	}
	if limit < 1 || limit > MaxListResults {
		return nil, "", steward.Validation("MaxResults must be between 1 and %d.", MaxListResults)
	}
	out, next, err := c.store.ListCaughtMail(ctx, token, limit)
	if errors.Is(err, ErrInvalidNextToken) {
		return nil, "", steward.Errorf(CodeInvalidNextToken, "The NextToken is not valid.")
	}
	if err != nil {
		return nil, "", steward.Internal(err)
	}
	return out, next, nil
}

// Get returns one caught mail with its body and raw message. An unknown ID
// is an error with CodeMailNotFound.
func (c *Catcher) Get(ctx context.Context, id string) (*Caught, error) {
	if id == "" {
		return nil, steward.Validation("Id is required.")
	}
	m, err := c.store.GetCaughtMail(ctx, id)
	if errors.Is(err, ErrMailNotFound) {
		return nil, steward.Errorf(CodeMailNotFound, "No caught mail has the ID %q.", id)
	}
	if err != nil {
		return nil, steward.Internal(err)
	}
	return m, nil
}
