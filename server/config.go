package server

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/stewardhq/steward"
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
	if c.Database != "" && strings.Contains(c.Database, "://") && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		return fmt.Errorf("database %q: only postgres:// URLs or SQLite file paths are supported", c.Database)
	}
	return nil
}
