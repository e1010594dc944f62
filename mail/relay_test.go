package mail_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/mail/smtptest"
)

// alert is the seed scenario's mail: Japanese subject and body.
var alert = mail.Message{
	From:    "Steward 監視 <alerts@example.com>",
	To:      []string{"運用チーム <ops@example.jp>"},
	Subject: "【障害通知】サーバー監視アラート",
	Text: "サーバー監視アラートが発生しました。\n" +
		"対象: web-01 (192.0.2.10)\n" +
		"内容: CPU 使用率が 5 分間 90% を超えています。\n" +
		"\n" +
		"至急、状況を確認してください。\n",
}

// newRelay returns a relay to srv with cfg's other settings.
func newRelay(t *testing.T, srv *smtptest.Server, cfg mail.RelayConfig) *mail.Relay {
	t.Helper()
	cfg.Host, cfg.Port = srv.Host(), srv.Port()
	r, err := mail.NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// only returns the single message srv accepted, decoded.
func only(t *testing.T, srv *smtptest.Server) (smtptest.Message, *smtptest.Decoded) {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(msgs))
	}
	d, err := smtptest.Decode(msgs[0].Data)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, msgs[0].Data)
	}
	return msgs[0], d
}

func TestRelayModes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sec    mail.Security
		auth   []string // mechanisms the server offers; nil: no AUTH
		tls    bool     // the message must have come over TLS
		starts bool     // the client must have sent STARTTLS
	}{
		{name: "none", sec: mail.SecurityNone},
		{name: "starttls", sec: mail.SecurityStartTLS, tls: true, starts: true},
		{name: "starttls/plain", sec: mail.SecurityStartTLS, auth: []string{"PLAIN", "LOGIN"}, tls: true, starts: true},
		{name: "starttls/login-only", sec: mail.SecurityStartTLS, auth: []string{"LOGIN"}, tls: true, starts: true},
		{name: "tls", sec: mail.SecurityTLS, tls: true},
		{name: "tls/plain", sec: mail.SecurityTLS, auth: []string{"PLAIN"}, tls: true},
		{name: "tls/login-only", sec: mail.SecurityTLS, auth: []string{"LOGIN"}, tls: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := smtptest.Options{ImplicitTLS: tc.sec == mail.SecurityTLS}
			cfg := mail.RelayConfig{Security: tc.sec}
			if tc.auth != nil {
				opts.Username, opts.Password, opts.AuthMechanisms = "steward", "pä$$ wörd", tc.auth
				cfg.Username, cfg.Password = "steward", "pä$$ wörd"
			}
			srv := smtptest.Start(t, opts)
			cfg.RootCAs = srv.CertPool()
			cfg.HeloName = "steward.example.com"
			if err := newRelay(t, srv, cfg).Send(context.Background(), alert); err != nil {
				t.Fatal(err)
			}
			m, d := only(t, srv)
			if m.TLS != tc.tls || slices.Contains(srv.Commands(), "STARTTLS") != tc.starts {
				t.Errorf("TLS %v, commands %v", m.TLS, srv.Commands())
			}
			if wantUser := opts.Username; m.AuthUser != wantUser {
				t.Errorf("authenticated as %q, want %q", m.AuthUser, wantUser)
			}
			if m.Helo != "steward.example.com" || m.From != "alerts@example.com" || !slices.Equal(m.To, []string{"ops@example.jp"}) {
				t.Errorf("envelope: %s", m)
			}
			if d.Subject != alert.Subject || d.Text != alert.Text {
				t.Errorf("subject %q, text %q", d.Subject, d.Text)
			}
			if d.From != alert.From || !slices.Equal(d.To, alert.To) {
				t.Errorf("From %q To %q", d.From, d.To)
			}
			if d.MediaType != "text/plain" || d.Charset != "utf-8" || d.TransferEncoding != "base64" || d.EightBit || d.LongestLine > 76 {
				t.Errorf("encoding: %+v", d)
			}
			if d.Date.IsZero() || !strings.HasSuffix(d.MessageID, "@example.com") {
				t.Errorf("Date %v, Message-ID %q", d.Date, d.MessageID)
			}
		})
	}
}

func TestRelayPasswordNeverInCleartext(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p", NoStartTLS: true})
	err := newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityNone, Username: "u", Password: "p"}).Send(context.Background(), alert)
	if !errors.Is(err, mail.ErrRelayPolicy) || !mail.IsPermanent(err) {
		t.Fatalf("Send = %v, want a permanent ErrRelayPolicy", err)
	}
	if slices.Contains(srv.Commands(), "AUTH") || len(srv.Messages()) != 0 {
		t.Fatalf("commands %v, %d messages", srv.Commands(), len(srv.Messages()))
	}
	// Allowed explicitly, it authenticates.
	err = newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityNone, Username: "u", Password: "p", AllowInsecureAuth: true}).Send(context.Background(), alert)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := only(t, srv); m.AuthUser != "u" || m.TLS {
		t.Fatalf("accepted %s", m)
	}
}

func TestRelayPolicyRefusals(t *testing.T) {
	ctx := context.Background()
	// starttls mode refuses a relay that does not offer STARTTLS.
	srv := smtptest.Start(t, smtptest.Options{NoStartTLS: true})
	err := newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityStartTLS}).Send(ctx, alert)
	if !errors.Is(err, mail.ErrRelayPolicy) || slices.Contains(srv.Commands(), "MAIL") {
		t.Errorf("no STARTTLS offered: %v, commands %v", err, srv.Commands())
	}
	// A username for a relay without AUTH.
	srv = smtptest.Start(t, smtptest.Options{})
	err = newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityStartTLS, RootCAs: srv.CertPool(), Username: "u", Password: "p"}).Send(ctx, alert)
	if !errors.Is(err, mail.ErrRelayPolicy) || slices.Contains(srv.Commands(), "MAIL") {
		t.Errorf("no AUTH offered: %v, commands %v", err, srv.Commands())
	}
	// Only mechanisms Steward does not speak.
	srv = smtptest.Start(t, smtptest.Options{Username: "u", Password: "p", AuthMechanisms: []string{"CRAM-MD5", "XOAUTH2"}})
	err = newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityStartTLS, RootCAs: srv.CertPool(), Username: "u", Password: "p"}).Send(ctx, alert)
	if !errors.Is(err, mail.ErrRelayPolicy) || slices.Contains(srv.Commands(), "AUTH") {
		t.Errorf("unknown mechanisms: %v, commands %v", err, srv.Commands())
	}
}

func TestRelayCertificates(t *testing.T) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{ImplicitTLS: true})
	// The system roots do not know the self-signed certificate: a TLS
	// failure, which is transient.
	err := newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityTLS}).Send(ctx, alert)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) || mail.IsPermanent(err) {
		t.Errorf("untrusted certificate: %v (permanent %v)", err, mail.IsPermanent(err))
	}
	if err := newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityTLS, InsecureSkipVerify: true}).Send(ctx, alert); err != nil {
		t.Errorf("InsecureSkipVerify: %v", err)
	}
	// STARTTLS verifies the same way.
	srv = smtptest.Start(t, smtptest.Options{})
	err = newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityStartTLS}).Send(ctx, alert)
	if !errors.As(err, &unknown) || slices.Contains(srv.Commands(), "MAIL") {
		t.Errorf("STARTTLS with an untrusted certificate: %v, commands %v", err, srv.Commands())
	}
}

func TestRelayFailureClassification(t *testing.T) {
	for _, tc := range []struct {
		stage     smtptest.Stage
		reply     smtptest.Reply
		permanent bool
		command   string // ReplyError.Command; "" for a network error
	}{
		{smtptest.StageConnect, smtptest.Reply{Code: 554, Text: "5.7.1 No service for you"}, true, "CONNECT"},
		{smtptest.StageConnect, smtptest.Reply{Code: 421, Text: "4.3.2 Too busy"}, false, "CONNECT"},
		{smtptest.StageConnect, smtptest.Reply{Hangup: true}, false, ""},
		{smtptest.StageEHLO, smtptest.Reply{Code: 421, Text: "4.3.2 Shutting down"}, false, "EHLO"},
		{smtptest.StageAUTH, smtptest.Reply{Code: 454, Text: "4.7.0 Temporary authentication failure"}, false, "AUTH"},
		{smtptest.StageMAIL, smtptest.Reply{Code: 553, Text: "5.7.1 Sender address rejected"}, true, "MAIL"},
		{smtptest.StageMAIL, smtptest.Reply{Code: 451, Text: "4.3.0 Try again later"}, false, "MAIL"},
		{smtptest.StageRCPT, smtptest.Reply{Code: 550, Text: "5.1.1 User unknown"}, true, "RCPT"},
		{smtptest.StageRCPT, smtptest.Reply{Code: 451, Text: "4.7.1 Greylisted\nplease retry"}, false, "RCPT"},
		{smtptest.StageRCPT, smtptest.Reply{Hangup: true}, false, ""},
		{smtptest.StageDATA, smtptest.Reply{Code: 554, Text: "5.5.1 No valid recipients"}, true, "DATA"},
		{smtptest.StageMessage, smtptest.Reply{Code: 552, Text: "5.3.4 Message too big"}, true, "."},
		{smtptest.StageMessage, smtptest.Reply{Code: 452, Text: "4.3.1 Insufficient storage"}, false, "."},
		{smtptest.StageMessage, smtptest.Reply{Hangup: true}, false, ""},
	} {
		name := string(tc.stage) + "/" + map[bool]string{true: "hangup", false: ""}[tc.reply.Hangup]
		t.Run(name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "p",
				Reply: func(stage smtptest.Stage, _ string) smtptest.Reply {
					if stage == tc.stage {
						return tc.reply
					}
					return smtptest.Reply{}
				}})
			err := newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityStartTLS, RootCAs: srv.CertPool(), Username: "u", Password: "p"}).
				Send(context.Background(), alert)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := mail.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			var re *mail.ReplyError
			if errors.As(err, &re) != (tc.command != "") || re != nil && (re.Command != tc.command || re.Code != tc.reply.Code) {
				t.Errorf("error %#v, want a reply to %q with %d", err, tc.command, tc.reply.Code)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server kept %d messages", n)
			}
		})
	}
}

func TestRelayWrongPasswordIsPermanent(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "u", Password: "right"})
	err := newRelay(t, srv, mail.RelayConfig{RootCAs: srv.CertPool(), Username: "u", Password: "wrong"}).Send(context.Background(), alert)
	var re *mail.ReplyError
	if !errors.As(err, &re) || re.Code != 535 || !mail.IsPermanent(err) {
		t.Fatalf("Send = %v, want a permanent 535", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("the password is in the error: %v", err)
	}
}

func TestRelayAllOrNothingRecipients(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Reply: func(stage smtptest.Stage, arg string) smtptest.Reply {
		if stage == smtptest.StageRCPT && arg == "gone@example.jp" {
			return smtptest.Reply{Code: 550, Text: "5.1.1 No such user"}
		}
		return smtptest.Reply{}
	}})
	m := alert
	m.To = []string{"ops@example.jp", "gone@example.jp", "dev@example.jp"}
	err := newRelay(t, srv, mail.RelayConfig{RootCAs: srv.CertPool()}).Send(context.Background(), m)
	if !mail.IsPermanent(err) || len(srv.Messages()) != 0 || slices.Contains(srv.Commands(), "DATA") {
		t.Fatalf("Send = %v; commands %v", err, srv.Commands())
	}
	m.To = []string{"ops@example.jp", "dev@example.jp"}
	if err := newRelay(t, srv, mail.RelayConfig{RootCAs: srv.CertPool()}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got, d := only(t, srv); !slices.Equal(got.To, m.To) || !slices.Equal(d.To, m.To) {
		t.Fatalf("envelope %v, header %v", got.To, d.To)
	}
}

func TestRelayDotStuffing(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	for _, text := range []string{
		".\n..\n.hidden line\nplain\n.\n",     // ASCII: quoted-printable, lines travel as they are
		"ドット\n.\n..先頭のドット\n.",                 // the same in base64
		"a line\n.\r\nthe end marker above\n", // a would-be end marker
	} {
		m := alert
		m.Text = text
		if err := newRelay(t, srv, mail.RelayConfig{RootCAs: srv.CertPool()}).Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	want := []string{".\n..\n.hidden line\nplain\n.\n", "ドット\n.\n..先頭のドット\n.", "a line\n.\nthe end marker above\n"}
	for i, msg := range msgs {
		d, err := smtptest.Decode(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		if d.Text != want[i] {
			t.Errorf("message %d: body %q, want %q", i, d.Text, want[i])
		}
	}
	if !strings.Contains(string(msgs[0].Data), "\r\n.hidden line\r\n") {
		t.Errorf("the quoted-printable body should hold the line as is:\n%s", msgs[0].Data)
	}
}

func TestRelayHeaderInjection(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	r := newRelay(t, srv, mail.RelayConfig{RootCAs: srv.CertPool()})
	m := alert
	m.Subject = "alert\r\nBcc: evil@example.com\r\n\r\nforged body"
	if err := r.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	_, d := only(t, srv)
	if d.Subject != m.Subject || d.Text != alert.Text || len(d.Header["Bcc"]) != 0 {
		t.Fatalf("subject %q, text %q, header %v", d.Subject, d.Text, d.Header)
	}
	for _, bad := range []mail.Message{
		{From: alert.From, To: []string{"ops@example.jp\r\nBcc: evil@example.com"}, Subject: "s"},
		{From: "x@example.com>\r\nRCPT TO:<evil@example.com", To: []string{"ops@example.jp"}, Subject: "s"},
		{From: alert.From, To: []string{"ops@example.jp> NOTIFY=NEVER"}, Subject: "s"},
	} {
		err := r.Send(context.Background(), bad)
		if !errors.Is(err, mail.ErrInvalidMessage) || !mail.IsPermanent(err) {
			t.Errorf("Send(%q) = %v, want a permanent ErrInvalidMessage", bad.To, err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

func TestRelayLongJapaneseSubject(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := alert
	m.Subject = strings.Repeat("【障害通知】サーバー監視アラート😱 ", 6)
	if err := newRelay(t, srv, mail.RelayConfig{RootCAs: srv.CertPool()}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msg, d := only(t, srv)
	if d.Subject != m.Subject || d.LongestLine > 76 {
		t.Fatalf("subject %q, longest line %d\n%s", d.Subject, d.LongestLine, msg.Data)
	}
}

func TestRelayFallsBackToHELO(t *testing.T) {
	// The relay refuses the first hello (EHLO) only.
	calls := 0
	srv := smtptest.Start(t, smtptest.Options{NoStartTLS: true, Reply: func(stage smtptest.Stage, _ string) smtptest.Reply {
		if stage == smtptest.StageEHLO {
			calls++
			if calls == 1 {
				return smtptest.Reply{Code: 502, Text: "5.5.1 EHLO not implemented"}
			}
		}
		return smtptest.Reply{}
	}})
	if err := newRelay(t, srv, mail.RelayConfig{Security: mail.SecurityNone}).Send(context.Background(), alert); err != nil {
		t.Fatal(err)
	}
	if cmds := srv.Commands(); !slices.Equal(cmds[:2], []string{"EHLO", "HELO"}) {
		t.Fatalf("commands %v", cmds)
	}
	only(t, srv)
}

func TestRelayTransientNetworkErrors(t *testing.T) {
	// Nobody listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	r, err := mail.NewRelay(mail.RelayConfig{Host: "127.0.0.1", Port: addr.Port, Security: mail.SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), alert); err == nil || mail.IsPermanent(err) {
		t.Fatalf("connection refused: %v, want a transient error", err)
	}
}

// TestRelayStopsWhenContextEnds talks to a server that accepts and then
// says nothing: cancelling the context ends the send.
func TestRelayStopsWhenContextEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	r, err := mail.NewRelay(mail.RelayConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Security: mail.SecurityNone})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Send(ctx, alert) }()
	c := <-accepted
	defer c.Close()
	cancel()
	err = <-done
	if !errors.Is(err, context.Canceled) || mail.IsPermanent(err) {
		t.Fatalf("Send = %v, want context.Canceled (transient)", err)
	}
}

func TestNewRelayChecksConfig(t *testing.T) {
	for name, cfg := range map[string]mail.RelayConfig{
		"no host":          {},
		"bad security":     {Host: "smtp.example.com", Security: "ssl"},
		"bad port":         {Host: "smtp.example.com", Port: 70000},
		"password only":    {Host: "smtp.example.com", Password: "p"},
		"CR in username":   {Host: "smtp.example.com", Username: "u\r\nQUIT", Password: "p"},
		"bad from":         {Host: "smtp.example.com", From: "not an address"},
		"bad helo":         {Host: "smtp.example.com", HeloName: "a b"},
		"host with spaces": {Host: "smtp example"},
	} {
		if _, err := mail.NewRelay(cfg); err == nil {
			t.Errorf("%s: NewRelay accepted %v", name, cfg)
		}
	}
	r, err := mail.NewRelay(mail.RelayConfig{Host: "smtp.example.com", Security: mail.SecurityTLS, Username: "u", Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Config(); c.Port != 465 || c.Timeout == 0 || c.HeloName == "" {
		t.Errorf("defaults: %v", c)
	}
	if s := r.Config().String(); strings.Contains(s, "secret") || !strings.Contains(s, "smtp.example.com:465") {
		t.Errorf("String() = %q", s)
	}
}
