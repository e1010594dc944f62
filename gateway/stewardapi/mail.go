package stewardapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/mail"
)

// ListMail and GetMail read the built-in mail catcher, which keeps the
// email Steward sends when no SMTP relay is configured (`steward mail list`,
// `steward mail read`). With a relay they answer
// MailCatcherNotEnabledException.

// Mailbox is the catcher as the admin API reads it (*mail.Catcher).
type Mailbox interface {
	List(ctx context.Context, token string, limit int) ([]*mail.Caught, string, error)
	Get(ctx context.Context, id string) (*mail.Caught, error)
}

// ListMailInput asks for a page of caught mail, newest first. MaxResults
// is 1–100 (0: 100); NextToken continues a previous answer.
type ListMailInput struct {
	NextToken  string `json:"NextToken,omitempty"`
	MaxResults int    `json:"MaxResults,omitempty"`
}

// MailSummary is a caught mail without its body.
type MailSummary struct {
	Id        string    `json:"Id"`
	Timestamp time.Time `json:"Timestamp"` // when it was caught
	MessageId string    `json:"MessageId"` // the Message-ID header, without angle brackets
	From      string    `json:"From"`      // decoded: "Name <addr>" or "addr"
	To        []string  `json:"To"`
	Subject   string    `json:"Subject"` // decoded
	Size      int       `json:"Size"`    // bytes of the raw message
}

// ListMailOutput is a page of caught mail and the token of the next page
// (absent after the last).
type ListMailOutput struct {
	Mail      []MailSummary `json:"Mail"`
	NextToken string        `json:"NextToken,omitempty"`
}

// GetMailInput names one caught mail.
type GetMailInput struct {
	Id string `json:"Id"`
}

// GetMailOutput is one caught mail: its decoded headers and body, and the
// raw RFC 5322 message as a relay would have received it.
type GetMailOutput struct {
	MailSummary
	Text string `json:"Text"` // the body, decoded, "\n" line ends
	Raw  string `json:"Raw"`  // 7-bit ASCII, CRLF line ends
}

func summary(m *mail.Caught) MailSummary {
	to := m.To
	if to == nil {
		to = []string{}
	}
	return MailSummary{Id: m.ID, Timestamp: m.Time, MessageId: m.MessageID, From: m.From, To: to, Subject: m.Subject, Size: m.Size}
}

// mailOps are ListMail and GetMail on mb (nil: no catcher).
func mailOps(mb Mailbox) []gateway.Op {
	noCatcher := func() error {
		return steward.Errorf(mail.CodeCatcherNotEnabled,
			"Mail goes out through the configured SMTP relay; the built-in mail catcher is used only when no relay is configured (--smtp-host).")
	}
	return []gateway.Op{
		gateway.Handle("ListMail", func(ctx context.Context, in *ListMailInput) (*ListMailOutput, error) {
			if mb == nil {
				return nil, noCatcher()
			}
			if in.MaxResults < 0 || in.MaxResults > mail.MaxListResults {
				return nil, steward.Validation("MaxResults must be between 1 and %d.", mail.MaxListResults)
			}
			list, next, err := mb.List(ctx, in.NextToken, in.MaxResults)
			if err != nil {
				return nil, err
			}
			out := &ListMailOutput{Mail: make([]MailSummary, len(list)), NextToken: next}
			for i, m := range list {
				out.Mail[i] = summary(m)
			}
			return out, nil
		}),
		gateway.Handle("GetMail", func(ctx context.Context, in *GetMailInput) (*GetMailOutput, error) {
			if mb == nil {
				return nil, noCatcher()
			}
			if in.Id == "" {
				return nil, steward.Validation("Id is required.")
			}
			m, err := mb.Get(ctx, in.Id)
			if err != nil {
				return nil, err
			}
			return &GetMailOutput{MailSummary: summary(m), Text: m.Text, Raw: string(m.Raw)}, nil
		}),
	}
}

// ListMail calls ListMail.
func (c *Client) ListMail(ctx context.Context, in ListMailInput) (*ListMailOutput, error) {
	var out ListMailOutput
	if err := c.call(ctx, "ListMail", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetMail calls GetMail.
func (c *Client) GetMail(ctx context.Context, in GetMailInput) (*GetMailOutput, error) {
	var out GetMailOutput
	if err := c.call(ctx, "GetMail", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
