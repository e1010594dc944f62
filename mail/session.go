package mail

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"
)

// The SMTP client side of one delivery (RFC 5321, STARTTLS RFC 3207, AUTH
// RFC 4954 with PLAIN RFC 4616 and LOGIN). No pipelining: a notification
// is one short transaction.

// session is one connection to the relay.
type session struct {
	r    *Relay
	raw  net.Conn // the TCP connection; closing it ends everything
	conn net.Conn // raw, or the TLS connection over it
	text *textproto.Conn
	tls  bool
	ext  map[string]string // EHLO keywords (upper case) → parameters
}

// deliver runs one SMTP transaction for c. ctx ending closes the connection,
// which ends any read or write in progress.
func (r *Relay) deliver(ctx context.Context, c *composed) (err error) {
	d := net.Dialer{Timeout: r.cfg.DialTimeout}
	raw, err := d.DialContext(ctx, "tcp", r.addr)
	if err != nil {
		return fmt.Errorf("smtp connect %s: %w", r.addr, err)
	}
	s := &session{r: r, raw: raw, conn: raw}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer func() {
		stop()
		raw.Close()
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("smtp %s: %w (%w)", r.addr, ctx.Err(), err)
		}
	}()
	if r.cfg.Security == SecurityTLS {
		if err := s.startTLS(ctx); err != nil {
			return err
		}
	}
	s.text = textproto.NewConn(s.conn)
	if _, err := s.reply("CONNECT", 220); err != nil {
		return err
	}
	if err := s.hello(); err != nil {
		return s.quit(err)
	}
	if r.cfg.Security == SecurityStartTLS {
		if _, ok := s.ext["STARTTLS"]; !ok {
			return s.quit(policy("relay %s does not offer STARTTLS (use --smtp-tls tls for port 465, or none)", r.addr))
		}
		if _, err := s.cmd("STARTTLS", 220, "STARTTLS"); err != nil {
			return s.quit(err)
		}
		if err := s.startTLS(ctx); err != nil {
			return err
		}
		s.text = textproto.NewConn(s.conn)
		if err := s.hello(); err != nil {
			return s.quit(err)
		}
	}
	if r.cfg.Username != "" {
		if err := s.auth(); err != nil {
			return s.quit(err)
		}
	}
	mailFrom := "MAIL FROM:<" + c.envFrom + ">"
	if _, ok := s.ext["SIZE"]; ok {
		mailFrom += fmt.Sprintf(" SIZE=%d", len(c.raw))
	}
	if _, err := s.cmd("MAIL", 250, "%s", mailFrom); err != nil {
		return s.quit(err)
	}
	for _, to := range c.envTo {
		if _, err := s.cmd("RCPT", 25, "RCPT TO:<%s>", to); err != nil { // 250 or 251
			return s.quit(err)
		}
	}
	if _, err := s.cmd("DATA", 354, "DATA"); err != nil {
		return s.quit(err)
	}
	if err := s.deadline(); err != nil {
		return err
	}
	w := s.text.DotWriter() // dot-stuffs lines that start with "."
	if _, err := w.Write(c.raw); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := s.reply(".", 250); err != nil {
		return s.quit(err)
	}
	_ = s.quit(nil)
	return nil
}

// hello sends EHLO (HELO when the relay does not know EHLO) and records
// the extensions offered.
func (s *session) hello() error {
	msg, err := s.cmd("EHLO", 250, "EHLO %s", s.r.cfg.HeloName)
	var re *ReplyError
	if errors.As(err, &re) && re.Permanent() {
		s.ext = map[string]string{}
		_, err = s.cmd("HELO", 250, "HELO %s", s.r.cfg.HeloName)
		return err
	}
	if err != nil {
		return err
	}
	s.ext = parseExtensions(msg)
	return nil
}

// parseExtensions reads an EHLO reply: the greeting line, then one keyword
// with optional parameters per line.
func parseExtensions(msg string) map[string]string {
	ext := map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, line := range lines[1:] {
		kw, params, _ := strings.Cut(strings.TrimSpace(line), " ")
		if kw != "" {
			ext[strings.ToUpper(kw)] = params
		}
	}
	// Old relays announce "AUTH=LOGIN PLAIN".
	if _, ok := ext["AUTH"]; !ok {
		for k, v := range ext {
			if rest, ok := strings.CutPrefix(k, "AUTH="); ok {
				ext["AUTH"] = strings.TrimSpace(rest + " " + v)
			}
		}
	}
	return ext
}

// auth authenticates with PLAIN, or LOGIN when that is all the relay
// offers, and only over TLS unless AllowInsecureAuth.
func (s *session) auth() error {
	params, ok := s.ext["AUTH"]
	if !ok {
		return policy("relay %s offers no authentication (AUTH), but a username is configured", s.r.addr)
	}
	if !s.tls && !s.r.cfg.AllowInsecureAuth {
		return policy("refusing to send the SMTP password to %s without TLS (use starttls or tls)", s.r.addr)
	}
	mechs := map[string]bool{}
	for _, m := range strings.Fields(strings.ToUpper(params)) {
		mechs[m] = true
	}
	user, pass := s.r.cfg.Username, s.r.cfg.Password
	b64 := base64.StdEncoding.EncodeToString
	switch {
	case mechs["PLAIN"]:
		_, err := s.cmd("AUTH", 235, "AUTH PLAIN %s", b64([]byte("\x00"+user+"\x00"+pass)))
		return err
	case mechs["LOGIN"]:
		if _, err := s.cmd("AUTH", 334, "AUTH LOGIN"); err != nil {
			return err
		}
		if _, err := s.cmd("AUTH", 334, "%s", b64([]byte(user))); err != nil {
			return err
		}
		_, err := s.cmd("AUTH", 235, "%s", b64([]byte(pass)))
		return err
	}
	return policy("relay %s offers AUTH %s; Steward speaks PLAIN and LOGIN", s.r.addr, params)
}

// startTLS runs the TLS handshake over the current connection.
func (s *session) startTLS(ctx context.Context) error {
	if err := s.raw.SetDeadline(time.Now().Add(s.r.cfg.DialTimeout)); err != nil {
		return fmt.Errorf("smtp TLS %s: %w", s.r.addr, err)
	}
	tc := tls.Client(s.conn, s.r.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("smtp TLS %s: %w", s.r.addr, err)
	}
	s.conn, s.tls = tc, true
	return nil
}

// cmd sends one command line and reads the reply, expecting code (one,
// two or three leading digits). name labels errors.
func (s *session) cmd(name string, expect int, format string, args ...any) (string, error) {
	if err := s.deadline(); err != nil {
		return "", err
	}
	if err := s.text.PrintfLine(format, args...); err != nil {
		return "", fmt.Errorf("smtp %s: %w", name, err)
	}
	return s.reply(name, expect)
}

// reply reads one (possibly multi-line) reply. A reply other than expect
// is a *ReplyError.
func (s *session) reply(name string, expect int) (string, error) {
	if err := s.deadline(); err != nil {
		return "", err
	}
	_, msg, err := s.text.ReadResponse(expect)
	if err == nil {
		return msg, nil
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return "", &ReplyError{Command: name, Code: te.Code, Text: replyText(te.Msg)}
	}
	return "", fmt.Errorf("smtp %s: %w", name, err)
}

func (s *session) deadline() error {
	if err := s.raw.SetDeadline(time.Now().Add(s.r.cfg.Timeout)); err != nil {
		return fmt.Errorf("smtp %s: %w", s.r.addr, err)
	}
	return nil
}

// quit ends the session politely after a negative reply (the relay then
// forgets the transaction) and returns err. After a network error there is
// nobody to say goodbye to.
func (s *session) quit(err error) error {
	var re *ReplyError
	if err != nil && !errors.As(err, &re) && !errors.Is(err, ErrRelayPolicy) {
		return err
	}
	if s.raw.SetDeadline(time.Now().Add(5*time.Second)) == nil && s.text.PrintfLine("QUIT") == nil {
		_, _, _ = s.text.ReadResponse(221)
	}
	return err
}
