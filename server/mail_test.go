package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway/stewardapi"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/mail/smtptest"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

func adminClient(s *servertest.Server) *stewardapi.Client {
	return &stewardapi.Client{Endpoint: s.URL, Region: s.Region,
		Credentials: aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey}}
}

var alert = mail.Message{To: []string{"ops@example.jp"}, Subject: "【障害通知】サーバー監視アラート", Text: "web-01 が応答しません。\n"}

func TestMailerIsTheCatcherWithoutARelay(t *testing.T) {
	s := servertest.Start(t)
	if _, ok := s.Mailer().(*mail.Catcher); !ok {
		t.Fatalf("Mailer() = %T, want the catcher", s.Mailer())
	}
	ctx := context.Background()
	if err := s.Mailer().Send(ctx, alert); err != nil {
		t.Fatal(err)
	}
	out, err := adminClient(s).ListMail(ctx, stewardapi.ListMailInput{})
	if err != nil || len(out.Mail) != 1 || out.Mail[0].Subject != alert.Subject || out.Mail[0].From != mail.DefaultCatcherFrom {
		t.Fatalf("ListMail = %+v, %v", out, err)
	}
}

func TestMailerIsTheRelay(t *testing.T) {
	relay := smtptest.Start(t, smtptest.Options{Username: "steward", Password: "s3cr3t"})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, relay.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	s := servertest.Start(t, func(c *server.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPSecurity = relay.Host(), relay.Port(), mail.SecurityStartTLS
		c.SMTPUsername, c.SMTPPassword, c.SMTPCAFile = "steward", "s3cr3t", ca
		c.MailFrom = "Steward 監視 <steward@example.com>"
	})
	ctx := context.Background()
	if err := s.Mailer().Send(ctx, alert); err != nil {
		t.Fatal(err)
	}
	msgs := relay.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].AuthUser != "steward" {
		t.Fatalf("relay got %v", msgs)
	}
	d, err := smtptest.Decode(msgs[0].Data)
	if err != nil || d.Subject != alert.Subject || d.Text != alert.Text || d.From != "Steward 監視 <steward@example.com>" {
		t.Fatalf("decoded %+v, %v", d, err)
	}
	if _, err := adminClient(s).ListMail(ctx, stewardapi.ListMailInput{}); steward.ErrorCode(err) != mail.CodeCatcherNotEnabled {
		t.Fatalf("ListMail with a relay = %v", err)
	}
	// The password never prints.
	cfg := s.Config()
	for _, text := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(text, "s3cr3t") {
			t.Fatalf("the SMTP password printed: %s", text)
		}
	}
}

func TestMailConfigValidation(t *testing.T) {
	base := func() server.Config {
		return server.Config{DataDir: t.TempDir(), SMTPHost: "smtp.example.com", MailFrom: "steward@example.com"}
	}
	for name, change := range map[string]func(*server.Config){
		"no from with a relay":  func(c *server.Config) { c.MailFrom = "" },
		"bad from":              func(c *server.Config) { c.MailFrom = "steward@example.com\r\nBcc: x@example.com" },
		"bad mode":              func(c *server.Config) { c.SMTPSecurity = "ssl" },
		"bad port":              func(c *server.Config) { c.SMTPPort = 99999 },
		"user without password": func(c *server.Config) { c.SMTPUsername = "u" },
		"password without user": func(c *server.Config) { c.SMTPPassword = "p" },
		"CA and skip verify":    func(c *server.Config) { c.SMTPCAFile, c.SMTPInsecureSkipVerify = "ca.pem", true },
		"CA without TLS":        func(c *server.Config) { c.SMTPSecurity, c.SMTPCAFile = mail.SecurityNone, "ca.pem" },
		"username without host": func(c *server.Config) { c.SMTPHost, c.SMTPUsername, c.SMTPPassword = "", "u", "p" },
		"port without host":     func(c *server.Config) { c.SMTPHost, c.SMTPPort = "", 587 },
	} {
		c := base()
		change(&c)
		if _, err := server.New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := server.New(base())
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Config(); c.SMTPSecurity != mail.SecurityStartTLS || c.SMTPPort != 587 {
		t.Errorf("defaults: %s port %d", c.SMTPSecurity, c.SMTPPort)
	}
	c := base()
	c.SMTPSecurity = mail.SecurityTLS
	if s, err = server.New(c); err != nil || s.Config().SMTPPort != 465 {
		t.Errorf("tls default port: %v", err)
	}
	// Without a relay, the sender is optional (the catcher has its own).
	if _, err := server.New(server.Config{DataDir: t.TempDir()}); err != nil {
		t.Errorf("no relay: %v", err)
	}
}
