package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Decoded is a message read back the way a mail client reads it, with the
// standard library's decoders only.
type Decoded struct {
	Header           netmail.Header
	From             string   // "Name <addr>" or "addr", the name decoded
	To               []string // like From
	Subject          string   // unfolded, encoded-words decoded
	Date             time.Time
	MessageID        string // without the angle brackets
	MediaType        string // e.g. "text/plain"
	Charset          string // lower case, e.g. "utf-8"
	TransferEncoding string // lower case: "base64", "quoted-printable", "7bit", …
	Text             string // the body decoded, "\n" line ends
	LongestLine      int    // the longest raw line in bytes, CRLF not counted
	EightBit         bool   // whether any raw byte is ≥ 0x80
}

// Decode reads raw (a recorded Message.Data or a caught raw message). It
// fails on anything a mail client would have to guess at: a missing or
// malformed header, a charset other than UTF-8/US-ASCII, a body that does
// not decode or is not valid UTF-8.
func Decode(raw []byte) (*Decoded, error) {
	d := &Decoded{}
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		d.LongestLine = max(d.LongestLine, len(line))
	}
	for _, b := range raw {
		if b >= 0x80 {
			d.EightBit = true
			break
		}
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	d.Header = m.Header
	from, err := m.Header.AddressList("From")
	if err != nil || len(from) != 1 {
		return nil, fmt.Errorf("From %q: %v", m.Header.Get("From"), err)
	}
	d.From = display(from[0])
	to, err := m.Header.AddressList("To")
	if err != nil {
		return nil, fmt.Errorf("To %q: %v", m.Header.Get("To"), err)
	}
	for _, a := range to {
		d.To = append(d.To, display(a))
	}
	dec := mime.WordDecoder{}
	if d.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("Subject: %w", err)
	}
	if d.Date, err = m.Header.Date(); err != nil {
		return nil, fmt.Errorf("Date: %w", err)
	}
	id := m.Header.Get("Message-Id")
	if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, ">") || !strings.Contains(id, "@") {
		return nil, fmt.Errorf("Message-ID %q is not <left@right>", id)
	}
	d.MessageID = id[1 : len(id)-1]
	if v := m.Header.Get("Mime-Version"); v != "1.0" {
		return nil, fmt.Errorf("MIME-Version %q", v)
	}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("Content-Type: %w", err)
	}
	d.MediaType, d.Charset = mediaType, strings.ToLower(params["charset"])
	if d.Charset != "utf-8" && d.Charset != "us-ascii" {
		return nil, fmt.Errorf("charset %q", params["charset"])
	}
	d.TransferEncoding = strings.ToLower(m.Header.Get("Content-Transfer-Encoding"))
	var body io.Reader
	switch d.TransferEncoding {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, m.Body) // skips CR and LF
	case "quoted-printable":
		body = quotedprintable.NewReader(m.Body)
	case "", "7bit", "8bit":
		body = m.Body
	default:
		return nil, fmt.Errorf("Content-Transfer-Encoding %q", d.TransferEncoding)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return nil, fmt.Errorf("body (%s): %w", d.TransferEncoding, err)
	}
	if !utf8.Valid(text) {
		return nil, fmt.Errorf("body is not valid UTF-8")
	}
	d.Text = strings.ReplaceAll(string(text), "\r\n", "\n")
	return d, nil
}

func display(a *netmail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}
