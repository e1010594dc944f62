package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"
	"github.com/stewardhq/steward/gateway/stewardapi"
)

// commandCmd is `steward command`: Run Command helpers for administrators.
func commandCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "command",
		Short: "Run Command helpers (full command output)",
	}
	cmd.AddCommand(commandOutputCmd())
	return cmd
}

func commandOutputCmd() *cobra.Command {
	var (
		credsPath, profile, endpoint, region, step string
		follow                                     bool
	)
	cmd := &cobra.Command{
		Use:   "output COMMAND_ID NODE_ID",
		Short: "Print the full output of a command on a node",
		Long: `Print the full output of a command invocation: everything the agent sent,
not only the first 24,000 characters GetCommandInvocation shows. With
--follow, output is printed as it arrives until the invocation finishes.
Standard output goes to stdout, standard error to stderr.

The request is signed with the admin key in the credentials file that
Steward writes to its data directory.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			creds, err := readCredentials(credsPath, profile)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			client := &stewardapi.Client{Endpoint: endpoint, Region: region, Credentials: creds}
			return printOutput(ctx, client, stewardapi.GetCommandOutputInput{CommandId: args[0], InstanceId: args[1], PluginName: step},
				follow, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&credsPath, "credentials", "./.steward/credentials", "shared-credentials file with the admin key")
	f.StringVar(&profile, "profile", "default", "profile (section) of the credentials file")
	f.StringVar(&endpoint, "endpoint", "http://127.0.0.1:4580", "Steward server URL")
	f.StringVar(&region, "region", "us-east-1", "region to sign requests for")
	f.StringVar(&step, "step", "", "only this step (plugin) of the document; default all, in arrival order")
	f.BoolVarP(&follow, "follow", "f", false, "keep printing output as it arrives until the command finishes")
	return cmd
}

// printOutput reads output from the start until nothing new is there (or,
// following, until the invocation is done).
func printOutput(ctx context.Context, c *stewardapi.Client, in stewardapi.GetCommandOutputInput, follow bool, stdout, stderr io.Writer) error {
	for {
		if follow {
			in.WaitSeconds = stewardapi.MaxWaitSeconds
		}
		out, err := c.GetCommandOutput(ctx, in)
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted
			}
			return err
		}
		if _, err := io.WriteString(stdout, out.Stdout); err != nil {
			return err
		}
		if _, err := io.WriteString(stderr, out.Stderr); err != nil {
			return err
		}
		moved := out.NextOffset != in.Offset
		in.Offset = out.NextOffset
		if out.Done || (!follow && !moved) {
			return nil
		}
	}
}

// readCredentials reads a profile of an AWS shared-credentials file (the INI
// file Steward writes to its data directory).
func readCredentials(path, profile string) (aws.Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("credentials: %w (see --credentials)", err)
	}
	defer f.Close()
	var creds aws.Credentials
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(line, "]"), "["))
			section = strings.TrimPrefix(section, "profile ")
			continue
		}
		if section != profile {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "aws_access_key_id":
			creds.AccessKeyID = strings.TrimSpace(v)
		case "aws_secret_access_key":
			creds.SecretAccessKey = strings.TrimSpace(v)
		case "aws_session_token":
			creds.SessionToken = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return aws.Credentials{}, fmt.Errorf("credentials %s: %w", path, err)
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("credentials %s: profile %q has no aws_access_key_id and aws_secret_access_key", path, profile)
	}
	return creds, nil
}
