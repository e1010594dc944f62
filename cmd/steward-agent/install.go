package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/stewardhq/steward/agent"
)

// defaultUnitPath is where install writes the systemd unit.
const defaultUnitPath = "/etc/systemd/system/steward-agent.service"

// unit is the systemd unit for an agent binary and state directory. Exit
// status 78 (not registered, or deregistered) does not restart it.
func unit(exe, state string) string {
	return `[Unit]
Description=Steward node agent
Documentation=https://github.com/stewardhq/steward
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=` + systemdQuote(exe) + ` run --state ` + systemdQuote(state) + `
Restart=always
RestartSec=5
RestartPreventExitStatus=78

[Install]
WantedBy=multi-user.target
`
}

// systemdQuote quotes a word of ExecStart when it needs it.
func systemdQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'\\$%;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `$$`, `%`, `%%`)
	return `"` + r.Replace(s) + `"`
}

func cmdInstall(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var r regFlags
	r.bind(fs)
	printUnit := fs.Bool("print-unit", false, "print the systemd unit and exit")
	unitPath := fs.String("unit-path", defaultUnitPath, "where to write the systemd unit")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	state, err := filepath.Abs(r.state)
	if err != nil {
		fmt.Fprintln(stderr, "steward-agent:", err)
		return exitError
	}
	r.state = state
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		fmt.Fprintln(stderr, "steward-agent: cannot find the agent binary:", err)
		return exitError
	}
	text := unit(exe, state)
	if *printUnit {
		fmt.Fprint(stdout, text)
		return exitOK
	}

	id, err := agent.LoadIdentity(state)
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "already registered as %s with %s\n", id.NodeID, id.ServerURL)
	case errors.Is(err, agent.ErrNotRegistered):
		if r.server == "" || r.id == "" || r.code == "" {
			fmt.Fprintln(stderr, "steward-agent install: this node is not registered yet: give --server, --id and --code")
			return exitUsage
		}
		var code int
		if id, code = register(&r, stderr); id == nil {
			return code
		}
		fmt.Fprintf(stdout, "registered as %s (region %s)\n", id.NodeID, id.Region)
	default:
		fmt.Fprintln(stderr, "steward-agent:", err)
		return exitError
	}

	if err := os.MkdirAll(filepath.Dir(*unitPath), 0o755); err != nil {
		fmt.Fprintln(stderr, "steward-agent: writing the unit:", err)
		return exitError
	}
	if err := os.WriteFile(*unitPath, []byte(text), 0o644); err != nil {
		fmt.Fprintln(stderr, "steward-agent: writing the unit:", err)
		return exitError
	}
	fmt.Fprintln(stdout, "wrote", *unitPath)
	systemctl, err := exec.LookPath("systemctl")
	if err != nil {
		fmt.Fprintf(stdout, "systemctl not found; to start the agent run:\n  systemctl daemon-reload && systemctl enable --now steward-agent\n")
		return exitOK
	}
	for _, argv := range [][]string{{"daemon-reload"}, {"enable", "--now", "steward-agent"}} {
		cmd := exec.Command(systemctl, argv...)
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(stderr, "steward-agent: systemctl %s: %v\n", strings.Join(argv, " "), err)
			return exitError
		}
	}
	fmt.Fprintln(stdout, "steward-agent is enabled and started")
	return exitOK
}
