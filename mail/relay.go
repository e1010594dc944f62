package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward"
)

// Security is how the connection to the relay is protected.
type Security string

// The security modes.
const (
	// SecurityNone is cleartext SMTP (port 25, a relay on a trusted network).
	SecurityNone Security = "none"
	// SecurityStartTLS upgrades with STARTTLS and refuses a relay that does
	// not offer it (submission, port 587).
	SecurityStartTLS Security = "starttls"
	// SecurityTLS is TLS from the first byte (implicit TLS, port 465).
	SecurityTLS Security = "tls"
)

// ParseSecurity reads "none", "starttls" or "tls".
func ParseSecurity(s string) (Security, error) {
	switch sec := Security(strings.ToLower(strings.TrimSpace(s))); sec {
	case SecurityNone, SecurityStartTLS, SecurityTLS:
		return sec, nil
	}
	return "", fmt.Errorf("SMTP security %q is not one of none, starttls, tls", s)
}

// DefaultPort is the usual port of the mode: 25, 587 or 465.
func (s Security) DefaultPort() int {
	switch s {
	case SecurityNone:
		return 25
	case SecurityTLS:
		return 465
	}
	return 587
}

// RelayConfig configures a Relay. Zero fields take the defaults named.
type RelayConfig struct {
	Host     string   // relay host name or IP (required)
	Port     int      // default Security.DefaultPort()
	Security Security // default SecurityStartTLS

	// Username and Password authenticate with AUTH PLAIN, or AUTH LOGIN when
	// the relay offers only that. Without Username there is no AUTH.
	Username string
	Password string
	// AllowInsecureAuth lets the password cross a connection without TLS
	// (SecurityNone). Off, Send refuses before sending it.
	AllowInsecureAuth bool

	// RootCAs verifies the relay's certificate (nil: the system roots);
	// InsecureSkipVerify does not verify it at all.
	RootCAs            *x509.CertPool
	InsecureSkipVerify bool

	// HeloName is the name given in EHLO (default: this host's name when it
	// is a domain name, else "localhost").
	HeloName string
	// From is the sender of messages that have none, "Name <addr>" or "addr".
	From string

	DialTimeout time.Duration // connecting, TLS included; default 10s
	Timeout     time.Duration // each reply of the relay; default 1m

	Clock  steward.Clock // the Date header; default the system clock
	Logger *slog.Logger  // default discard
}

// String describes the configuration without the password.
func (c RelayConfig) String() string {
	s := fmt.Sprintf("smtp %s (%s)", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.Security)
	if c.Username != "" {
		s += " as " + c.Username
	}
	return s
}

// GoString is String, so %#v does not print the password either.
func (c RelayConfig) GoString() string { return c.String() }

// Relay is a Sender that hands mail to an SMTP relay (smarthost), one
// connection per message. It is safe for concurrent use and holds no
// resources between sends.
type Relay struct {
	cfg  RelayConfig
	addr string
	tls  *tls.Config
}

var _ Sender = (*Relay)(nil)

// NewRelay checks cfg and returns a relay. It does not connect.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("SMTP relay: a host is required")
	}
	if strings.ContainsAny(cfg.Host, " \t\r\n/") {
		return nil, fmt.Errorf("SMTP relay: host %q is not a host name", cfg.Host)
	}
	if cfg.Security == "" {
		cfg.Security = SecurityStartTLS
	}
	sec, err := ParseSecurity(string(cfg.Security))
	if err != nil {
		return nil, err
	}
	cfg.Security = sec
	if cfg.Port == 0 {
		cfg.Port = sec.DefaultPort()
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("SMTP relay: port %d is out of range", cfg.Port)
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, fmt.Errorf("SMTP relay: a password without a username")
	}
	if strings.ContainsAny(cfg.Username+cfg.Password, "\x00\r\n") {
		return nil, fmt.Errorf("SMTP relay: username and password must not contain NUL, CR or LF")
	}
	if cfg.From != "" {
		if _, err := parseAddress(cfg.From); err != nil {
			return nil, fmt.Errorf("SMTP relay: From %q: %v", cfg.From, err)
		}
	}
	if cfg.HeloName == "" {
		cfg.HeloName = defaultHeloName()
	} else if !validHeloName(cfg.HeloName) {
		return nil, fmt.Errorf("SMTP relay: EHLO name %q is not a domain name", cfg.HeloName)
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = steward.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{
		cfg:  cfg,
		addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		tls: &tls.Config{
			ServerName:         cfg.Host,
			RootCAs:            cfg.RootCAs,
			InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // opt-in for self-signed relays
			MinVersion:         tls.VersionTLS12,
		},
	}, nil
}

// Config returns the effective configuration (defaults filled in).
func (r *Relay) Config() RelayConfig { return r.cfg }

// Send renders m and hands it to the relay for every recipient in m.To. If
// the relay refuses any recipient, nothing is sent and the refusal is
// returned (so a retry cannot deliver twice to the others).
//
// Errors: wrapping ErrInvalidMessage for a message that cannot be sent
// (permanent); wrapping ErrRelayPolicy when the relay's offer contradicts
// the configuration (permanent); a *ReplyError for a negative reply
// (permanent when 5xx); anything else (network, TLS, timeouts, ctx) is
// transient. See IsPermanent.
func (r *Relay) Send(ctx context.Context, m Message) error {
	c, err := compose(m, r.cfg.From, r.cfg.Clock.Now())
	if err != nil {
		return err
	}
	if err := r.deliver(ctx, c); err != nil {
		return err
	}
	r.cfg.Logger.Debug("mail relayed", "relay", r.addr, "message_id", c.messageID, "recipients", len(c.envTo))
	return nil
}

func defaultHeloName() string {
	if h, err := os.Hostname(); err == nil && validHeloName(h) {
		return h
	}
	return "localhost"
}

// validHeloName accepts a domain name (letters, digits, hyphens, dots).
func validHeloName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	return validAddrSpec("x@" + s)
}
