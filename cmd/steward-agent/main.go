// Command steward-agent is the Steward node agent. It registers a node with
// a Steward server (an activation ID and code) and runs the documents the
// server sends it.
//
//	steward-agent register --server URL --id ACTIVATION_ID --code ACTIVATION_CODE [--state DIR] [--force]
//	steward-agent run [--state DIR] [--metrics-config PATH]
//	steward-agent install [--state DIR] [--server URL --id ID --code CODE] [--print-unit]
//	steward-agent version
//
// It links nothing server-side: see deps_test.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/stewardhq/steward/agent"
	"github.com/stewardhq/steward/agentproto"
)

// version is set at build time (-ldflags "-X main.version=…"); "" is
// agent.Version.
var version = ""

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitNotReady = 78 // EX_CONFIG: not registered, deregistered, upgrade needed (the unit does not restart on it)
)

// memoryLimit is the soft heap limit unless GOMEMLIMIT says otherwise: the
// agent idles at a few MB and should stay small when a step prints a lot.
const memoryLimit = 48 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func agentVersion() string {
	if version != "" {
		return version
	}
	return agent.Version
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "steward-agent", agentVersion())
		return exitOK
	case "register":
		return cmdRegister(args[1:], stdout, stderr)
	case "run":
		return cmdRun(args[1:], stderr)
	case "install":
		return cmdInstall(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "steward-agent: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  steward-agent register --server URL --id ACTIVATION_ID --code ACTIVATION_CODE [--state DIR] [--force]
  steward-agent run [--state DIR] [--metrics-config PATH]
  steward-agent install [--state DIR] [--server URL --id ID --code CODE] [--print-unit] [--unit-path PATH]
  steward-agent version
`)
}

// registration flags, shared by register and install.
type regFlags struct {
	state, server, id, code string
}

func (r *regFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&r.state, "state", agent.DefaultStateDir, "state directory")
	fs.StringVar(&r.server, "server", "", "Steward server URL, e.g. https://steward.lan:4566")
	fs.StringVar(&r.id, "id", "", "activation ID")
	fs.StringVar(&r.code, "code", "", "activation code")
}

func cmdRegister(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var r regFlags
	r.bind(fs)
	force := fs.Bool("force", false, "register again even if this node already has an identity")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if r.server == "" || r.id == "" || r.code == "" {
		fmt.Fprintln(stderr, "steward-agent register: --server, --id and --code are required")
		return exitUsage
	}
	if id, err := agent.LoadIdentity(r.state); err == nil && !*force {
		fmt.Fprintf(stderr, "steward-agent: already registered as %s with %s (use --force to register again)\n", id.NodeID, id.ServerURL)
		return exitError
	}
	id, code := register(&r, stderr)
	if id == nil {
		return code
	}
	fmt.Fprintf(stdout, "registered as %s (region %s); identity saved in %s\n", id.NodeID, id.Region, r.state)
	return exitOK
}

// register registers and saves the identity; on failure it prints why and
// returns the exit code.
func register(r *regFlags, stderr io.Writer) (*agent.Identity, int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, err := agent.Register(ctx, agent.RegisterConfig{
		ServerURL: r.server, ActivationID: r.id, ActivationCode: r.code, Version: agentVersion(),
	})
	if err != nil {
		fmt.Fprintln(stderr, "steward-agent: registration failed:", describeRegisterError(err))
		return nil, exitError
	}
	if err := id.Save(r.state); err != nil {
		fmt.Fprintln(stderr, "steward-agent: registered as", id.NodeID, "but could not save the identity:", err)
		return nil, exitError
	}
	return id, exitOK
}

// describeRegisterError explains the server's refusal codes.
func describeRegisterError(err error) string {
	var se *agent.ServerError
	if !errors.As(err, &se) {
		return err.Error()
	}
	var why string
	switch se.Code {
	case agentproto.CodeActivationExpired:
		why = "the activation has expired; create a new activation"
	case agentproto.CodeActivationLimit:
		why = "the activation's registration limit is exhausted; create a new activation or raise its limit"
	case agentproto.CodeInvalidActivation:
		why = "invalid activation: the activation ID is unknown or the code does not match"
	case agentproto.CodeUpgradeRequired:
		why = "the server requires a newer agent"
	default:
		return se.Error()
	}
	if se.Message != "" {
		return fmt.Sprintf("%s (%s: %s)", why, se.Code, se.Message)
	}
	return fmt.Sprintf("%s (%s)", why, se.Code)
}

func cmdRun(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := fs.String("state", agent.DefaultStateDir, "state directory")
	metricsPath := fs.String("metrics-config", "", "CloudWatch agent JSON config of the metrics to collect (overrides metricsConfig in DIR/config.json)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	fc, err := agent.LoadFileConfig(*state)
	if err != nil {
		fmt.Fprintln(stderr, "steward-agent:", err)
		return exitNotReady
	}
	level, _ := fc.Level()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg := agent.Config{StateDir: *state, Logger: logger, Version: agentVersion()}
	fc.Apply(&cfg)
	if *metricsPath == "" {
		*metricsPath = fc.MetricsConfigPath(*state)
	}
	if *metricsPath != "" {
		host, _ := os.Hostname()
		if cfg.Metrics, err = agent.LoadMetricsConfig(*metricsPath, host); err != nil {
			fmt.Fprintln(stderr, "steward-agent:", err)
			return exitNotReady
		}
	}
	a, err := agent.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "steward-agent:", err)
		if errors.Is(err, agent.ErrNotRegistered) {
			return exitNotReady
		}
		return exitError
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := a.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "steward-agent:", err)
		// Deregistered and UpgradeRequired need an operator: 78 keeps
		// systemd from restarting. A plain 401 (e.g. a clock far off) exits
		// 1 so the unit retries.
		var se *agent.ServerError
		if errors.Is(err, agent.ErrUpgradeRequired) || (errors.As(err, &se) && se.Code == agentproto.CodeDeregistered) {
			return exitNotReady
		}
		return exitError
	}
	return exitOK
}
