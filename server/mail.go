package server

import (
	"crypto/x509"
	"fmt"
	"os"

	"github.com/stewardhq/steward/gateway/stewardapi"
	"github.com/stewardhq/steward/mail"
)

// Mail wiring: with Config.SMTPHost set, Steward's email (SNS email and
// email-json deliveries, subscription confirmations) leaves through that
// SMTP relay; without it, the built-in catcher keeps it in the database
// for `steward mail list` / `steward mail read`.

// mailDefaults fills in the mail settings' zero fields.
func (c *Config) mailDefaults() {
	if c.SMTPSecurity == "" {
		c.SMTPSecurity = mail.SecurityStartTLS
	}
	if c.SMTPHost != "" && c.SMTPPort == 0 {
		if sec, err := mail.ParseSecurity(string(c.SMTPSecurity)); err == nil {
			c.SMTPPort = sec.DefaultPort()
		}
	}
}

// validateMail reports mail settings that cannot work.
func (c *Config) validateMail() error {
	sec, err := mail.ParseSecurity(string(c.SMTPSecurity))
	if err != nil {
		return fmt.Errorf("%w (--smtp-tls)", err)
	}
	if c.MailFrom != "" {
		if err := mail.CheckAddress(c.MailFrom); err != nil {
			return fmt.Errorf("mail from %q: %v", c.MailFrom, err)
		}
	}
	if c.SMTPHost == "" {
		for _, o := range []struct {
			flag string
			set  bool
		}{
			{"--smtp-port", c.SMTPPort != 0}, {"--smtp-username", c.SMTPUsername != ""}, {"STEWARD_SMTP_PASSWORD", c.SMTPPassword != ""},
			{"--smtp-ca-file", c.SMTPCAFile != ""}, {"--smtp-insecure-skip-verify", c.SMTPInsecureSkipVerify},
			{"--smtp-allow-insecure-auth", c.SMTPAllowInsecureAuth},
		} {
			if o.set {
				return fmt.Errorf("%s is set but no SMTP relay is (--smtp-host)", o.flag)
			}
		}
		return nil
	}
	if c.MailFrom == "" {
		return fmt.Errorf("a sender address is required with an SMTP relay (--mail-from), since relays refuse senders they do not know")
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		return fmt.Errorf("SMTP port %d is out of range", c.SMTPPort)
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		return fmt.Errorf("set both --smtp-username and STEWARD_SMTP_PASSWORD, or neither")
	}
	if c.SMTPCAFile != "" && c.SMTPInsecureSkipVerify {
		return fmt.Errorf("--smtp-ca-file and --smtp-insecure-skip-verify contradict each other")
	}
	if sec == mail.SecurityNone && (c.SMTPCAFile != "" || c.SMTPInsecureSkipVerify) {
		return fmt.Errorf("--smtp-ca-file and --smtp-insecure-skip-verify need --smtp-tls starttls or tls")
	}
	return nil
}

// newMailer builds the Sender: the relay when one is configured, else the
// catcher on the database.
func (s *Server) newMailer() (mail.Sender, error) {
	c := s.cfg
	if c.SMTPHost == "" {
		catcher, err := mail.NewCatcher(s.db, mail.CatcherOptions{From: c.MailFrom, Clock: c.Clock, Logger: s.log})
		if err != nil {
			return nil, err
		}
		s.log.Info("no SMTP relay configured: email is kept by the built-in catcher (steward mail list)")
		return catcher, nil
	}
	var roots *x509.CertPool
	if c.SMTPCAFile != "" {
		pem, err := os.ReadFile(c.SMTPCAFile)
		if err != nil {
			return nil, fmt.Errorf("SMTP CA file: %w", err)
		}
		if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("SMTP CA file %s holds no PEM certificate", c.SMTPCAFile)
		}
	}
	relay, err := mail.NewRelay(mail.RelayConfig{
		Host: c.SMTPHost, Port: c.SMTPPort, Security: c.SMTPSecurity,
		Username: c.SMTPUsername, Password: string(c.SMTPPassword), AllowInsecureAuth: c.SMTPAllowInsecureAuth,
		RootCAs: roots, InsecureSkipVerify: c.SMTPInsecureSkipVerify,
		From: c.MailFrom, Clock: c.Clock, Logger: s.log,
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("email goes through an SMTP relay", "relay", relay.Config().String(), "from", c.MailFrom)
	return relay, nil
}

// Mailer is the server's mail Sender: the SMTP relay, or the built-in
// catcher when none is configured. It is set once Open has run.
func (s *Server) Mailer() mail.Sender { return s.mailer }

// mailbox is what the admin API reads caught mail from: the catcher, or
// nil when mail goes through a relay.
func (s *Server) mailbox() stewardapi.Mailbox {
	if c, ok := s.mailer.(*mail.Catcher); ok {
		return c
	}
	return nil
}
