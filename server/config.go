package server

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/mail"
)

// Config is the whole configuration of a Steward server, with defaults filled
// in by Defaults. Secret fields redact themselves when printed.
type Config struct {
	// Addr is the listen address ("127.0.0.1:4580"; ":0" picks a port).
	Addr string
	// DataDir holds the SQLite database, the keyring and the credentials file.
	DataDir string
	// Database is empty (SQLite in DataDir), a file path, or postgres://….
	Database string
	// Region and AccountID appear in ARNs and in GetCallerIdentity.
	Region    string
	AccountID string
	// AccessKeyID and SecretAccessKey, when set (STEWARD_ACCESS_KEY_ID /
	// STEWARD_SECRET_ACCESS_KEY), are the admin key instead of a generated one.
	AccessKeyID     string
	SecretAccessKey Secret
	// Keyring, when set (STEWARD_KEYRING), is the keyring JSON instead of the
	// keyring file in DataDir.
	Keyring Secret
	// CommandRetention is how long Run Command history is kept (AWS: 30 days).
	CommandRetention time.Duration
	// PublicURL is the server's externally reachable base URL
	// (https://steward.example.com), used in links Steward hands out: SNS
	// SubscribeURL, UnsubscribeURL and SigningCertURL. Default: the listen
	// address, http://HOST:PORT.
	PublicURL string
	// AllowAWSEventSources lets EventBridge PutEvents take "aws.*" sources
	// (AWS refuses them), so rules on service events can be tried with a
	// hand-made event. `steward dev` turns it on.
	AllowAWSEventSources bool
	// ExtraCAFile is a PEM file of CA certificates trusted, besides the
	// system's, by outbound HTTPS (SNS deliveries to https endpoints).
	ExtraCAFile string

	// Email (SNS email subscriptions): with SMTPHost set it leaves through
	// that SMTP relay; without, the built-in catcher keeps it in the
	// database (`steward mail list`). See mail.go.
	SMTPHost     string
	SMTPPort     int           // 0: by SMTPSecurity, 25, 587 or 465
	SMTPSecurity mail.Security // none, starttls (default) or tls (implicit TLS)
	SMTPUsername string
	SMTPPassword Secret // STEWARD_SMTP_PASSWORD
	// SMTPCAFile holds PEM CA certificates trusted for the relay besides the
	// system's; SMTPInsecureSkipVerify does not verify it at all.
	SMTPCAFile             string
	SMTPInsecureSkipVerify bool
	// SMTPAllowInsecureAuth lets the password cross a connection without TLS.
	SMTPAllowInsecureAuth bool
	// MailFrom is the sender of Steward's email ("Name <addr>"); required
	// with a relay.
	MailFrom string

	Logger *slog.Logger
	Clock  steward.Clock
}

// Secret is a string that prints as "REDACTED".
type Secret string

func (Secret) String() string   { return "REDACTED" }
func (Secret) GoString() string { return "REDACTED" }

// Defaults fills in the zero fields.
func (c *Config) Defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:4580"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.AccountID == "" {
		c.AccountID = "000000000000"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = steward.SystemClock{}
	}
	if c.CommandRetention == 0 {
		c.CommandRetention = 30 * 24 * time.Hour
	}
	c.mailDefaults()
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("a data directory is required (--data)")
	}
	if !accountRE.MatchString(c.AccountID) {
		return fmt.Errorf("account ID %q must be 12 digits", c.AccountID)
	}
	if !regionRE.MatchString(c.Region) {
		return fmt.Errorf("region %q is not a region name like us-east-1", c.Region)
	}
	if c.CommandRetention < time.Hour {
		return fmt.Errorf("command retention %s is shorter than an hour", c.CommandRetention)
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return fmt.Errorf("set both STEWARD_ACCESS_KEY_ID and STEWARD_SECRET_ACCESS_KEY, or neither")
	}
	if err := c.validateMail(); err != nil {
		return err
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("public URL %q must be an http:// or https:// URL", c.PublicURL)
		}
	}
	if c.Database != "" && strings.Contains(c.Database, "://") && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		return fmt.Errorf("database %q: only postgres:// URLs or SQLite file paths are supported", c.Database)
	}
	return nil
}
