// Command steward is the Steward server: `steward server` runs it,
// `steward dev` runs it with local defaults and prints how to use it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	// IANA time zones for schedules (ScheduleTimezone, cron in a zone) on
	// hosts without /usr/share/zoneinfo, such as minimal containers.
	_ "time/tzdata"

	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/server"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := rootCmd().Execute(); err != nil {
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "steward",
		Short:         "Self-hosted operations automation that speaks AWS",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.AddCommand(serverCmd(), devCmd(), versionCmd(), benchCmd(), commandCmd(), mailCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "steward", version) },
	}
}

// serverFlags binds the flags shared by server and dev to cfg.
func serverFlags(cmd *cobra.Command, cfg *server.Config, defAddr, defData string, dev bool) {
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", defAddr, "listen address")
	f.StringVar(&cfg.DataDir, "data", defData, "data directory (SQLite database, keyring, credentials file)")
	f.StringVar(&cfg.Database, "database", "", "database: empty for SQLite in the data directory, or a postgres:// URL")
	f.StringVar(&cfg.Region, "region", "us-east-1", "region used in ARNs")
	f.StringVar(&cfg.AccountID, "account-id", "000000000000", "12-digit account ID used in ARNs")
	f.DurationVar(&cfg.CommandRetention, "command-retention", 30*24*time.Hour, "how long Run Command history is kept")
	mailFlags(f, cfg)
	f.StringVar(&cfg.PublicURL, "public-url", "", "externally reachable base URL for links Steward hands out (SNS SubscribeURL, UnsubscribeURL, SigningCertURL); default http://ADDR")
	f.BoolVar(&cfg.AllowAWSEventSources, "allow-aws-event-sources", dev, `let EventBridge PutEvents take "aws.*" sources, to try rules on service events with a hand-made event (AWS refuses them)`)
	f.StringVar(&cfg.ExtraCAFile, "extra-ca-file", "", "PEM file of CA certificates trusted, besides the system's, for outbound HTTPS (SNS https subscriptions)")
}

// fromEnv fills the settings that only come from the environment.
func fromEnv(cfg *server.Config) {
	cfg.AccessKeyID = os.Getenv("STEWARD_ACCESS_KEY_ID")
	cfg.SecretAccessKey = server.Secret(os.Getenv("STEWARD_SECRET_ACCESS_KEY"))
	cfg.Keyring = server.Secret(os.Getenv("STEWARD_KEYRING"))
	mailFromEnv(cfg)
}

func serverCmd() *cobra.Command {
	var cfg server.Config
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the Steward server",
		Long: `Run the Steward server.

Environment:
  STEWARD_ACCESS_KEY_ID, STEWARD_SECRET_ACCESS_KEY   use this admin key instead of a generated one
  STEWARD_KEYRING                                    keyring JSON instead of <data>/keyring
  STEWARD_SMTP_PASSWORD                              password for --smtp-username`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fromEnv(&cfg)
			return run(cmd, cfg, false)
		},
	}
	serverFlags(cmd, &cfg, "127.0.0.1:4580", "/var/lib/steward", false)
	return cmd
}

func devCmd() *cobra.Command {
	var cfg server.Config
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run Steward locally with defaults and print how to use it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			fromEnv(&cfg)
			if abs, err := filepath.Abs(cfg.DataDir); err == nil {
				cfg.DataDir = abs
			}
			return run(cmd, cfg, true)
		},
	}
	serverFlags(cmd, &cfg, "127.0.0.1:4580", ".steward", true)
	return cmd
}

// run opens the server and serves until SIGINT or SIGTERM. In dev mode it
// also runs a local agent registered as a managed node and prints how to use
// it all.
func run(cmd *cobra.Command, cfg server.Config, dev bool) error {
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := s.Open(ctx); err != nil {
		return err
	}
	var local *devAgent
	agentCtx, stopAgent := context.WithCancel(context.Background())
	defer stopAgent()
	if dev {
		if local, err = startDevAgent(agentCtx, s, cfg.Logger); err != nil {
			_ = s.Close(context.Background())
			return err
		}
		printDevHelp(cmd, s, local.nodeID)
	}
	<-ctx.Done()
	stop()
	cfg.Logger.Info("shutting down")
	if local != nil {
		stopAgent()
		if err := local.wait(); err != nil {
			cfg.Logger.Warn("local agent", "err", err)
		}
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Close(shutdownCtx)
}

func printDevHelp(cmd *cobra.Command, s *server.Server, node string) {
	c := s.Config()
	ep := s.URL()
	fmt.Fprintf(cmd.OutOrStdout(), `
Steward is running.

  endpoint     %[1]s
  region       %[2]s
  account      %[3]s
  credentials  %[4]s   (profile "default")
  data         %[5]s
  local node   %[6]s   (this machine, through an in-process steward agent)
  mail         %[7]s

Paste these into a shell:

  export AWS_SHARED_CREDENTIALS_FILE=%[4]s AWS_DEFAULT_REGION=%[2]s
  aws --endpoint-url %[1]s sts get-caller-identity
  aws --endpoint-url %[1]s ssm put-parameter --name /demo/db-password --type SecureString --value 's3cr3t' --overwrite
  aws --endpoint-url %[1]s ssm get-parameter --name /demo/db-password --with-decryption
  aws --endpoint-url %[1]s ssm list-documents --filters Key=Owner,Values=Amazon
  aws --endpoint-url %[1]s ssm describe-instance-information
  CMD=$(aws --endpoint-url %[1]s ssm send-command --document-name AWS-RunShellScript --targets Key=InstanceIds,Values=%[6]s --parameters commands='uname -a' --query Command.CommandId --output text)
  aws --endpoint-url %[1]s ssm wait command-executed --command-id $CMD --instance-id %[6]s
  aws --endpoint-url %[1]s ssm get-command-invocation --command-id $CMD --instance-id %[6]s

Stop with Ctrl-C.
`, ep, c.Region, c.AccountID, s.CredentialsFile(), c.DataDir, node, devMailLine(s))
}
