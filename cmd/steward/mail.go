package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stewardhq/steward/gateway/stewardapi"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/server"
)

// mailFlags binds the email settings shared by server and dev to cfg (the
// password comes from STEWARD_SMTP_PASSWORD, see mailFromEnv).
func mailFlags(f *pflag.FlagSet, cfg *server.Config) {
	f.StringVar(&cfg.SMTPHost, "smtp-host", "", "SMTP relay for email (SNS email subscriptions); empty: the built-in catcher keeps it (steward mail list)")
	f.IntVar(&cfg.SMTPPort, "smtp-port", 0, "SMTP relay port (0: 25, 587 or 465 by --smtp-tls)")
	f.StringVar((*string)(&cfg.SMTPSecurity), "smtp-tls", string(mail.SecurityStartTLS), "SMTP relay security: none, starttls or tls (implicit TLS, port 465)")
	f.StringVar(&cfg.SMTPUsername, "smtp-username", "", "SMTP relay user (the password from STEWARD_SMTP_PASSWORD)")
	f.StringVar(&cfg.SMTPCAFile, "smtp-ca-file", "", "PEM file of CA certificates trusted for the SMTP relay besides the system's (self-signed relays)")
	f.BoolVar(&cfg.SMTPInsecureSkipVerify, "smtp-insecure-skip-verify", false, "do not verify the SMTP relay's certificate")
	f.BoolVar(&cfg.SMTPAllowInsecureAuth, "smtp-allow-insecure-auth", false, "allow the SMTP password over a connection without TLS (--smtp-tls none)")
	f.StringVar(&cfg.MailFrom, "mail-from", "", `sender of Steward's email, "Name <addr>" (required with --smtp-host)`)
}

// mailFromEnv fills the mail settings that only come from the environment.
func mailFromEnv(cfg *server.Config) {
	cfg.SMTPPassword = server.Secret(os.Getenv("STEWARD_SMTP_PASSWORD"))
}

// mailCmd is `steward mail`: reading the mail the built-in catcher kept.
func mailCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mail",
		Short: "Read the email Steward caught (when no SMTP relay is configured)",
		Long: `Without --smtp-host, Steward does not send email: the built-in catcher keeps
every message (the latest 1,000) exactly as a relay would have received it.
These commands list and read them through the signed admin API.`,
	}
	cmd.AddCommand(mailListCmd(), mailReadCmd())
	return cmd
}

// adminFlags are the flags of commands that call the admin API.
type adminFlags struct{ credentials, profile, endpoint, region string }

func (a *adminFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&a.credentials, "credentials", "./.steward/credentials", "shared-credentials file with the admin key")
	f.StringVar(&a.profile, "profile", "default", "profile (section) of the credentials file")
	f.StringVar(&a.endpoint, "endpoint", "http://127.0.0.1:4580", "Steward server URL")
	f.StringVar(&a.region, "region", "us-east-1", "region to sign requests for")
}

func (a *adminFlags) client() (*stewardapi.Client, error) {
	creds, err := readCredentials(a.credentials, a.profile)
	if err != nil {
		return nil, err
	}
	return &stewardapi.Client{Endpoint: a.endpoint, Region: a.region, Credentials: creds}, nil
}

func mailListCmd() *cobra.Command {
	var (
		admin adminFlags
		limit int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List caught mail, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := admin.client()
			if err != nil {
				return err
			}
			return listMail(cmd.Context(), c, limit, cmd.OutOrStdout())
		},
	}
	admin.bind(cmd.Flags())
	cmd.Flags().IntVarP(&limit, "max-items", "n", 20, "list at most this many (0: all)")
	return cmd
}

func listMail(ctx context.Context, c *stewardapi.Client, limit int, out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCAUGHT\tTO\tSUBJECT")
	in := stewardapi.ListMailInput{}
	n := 0
	for {
		if limit > 0 {
			in.MaxResults = min(limit-n, mail.MaxListResults)
		}
		page, err := c.ListMail(ctx, in)
		if err != nil {
			return err
		}
		for _, m := range page.Mail {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Id, m.Timestamp.Local().Format(time.DateTime),
				printable(strings.Join(m.To, ", "), false), printable(m.Subject, false))
			n++
		}
		in.NextToken = page.NextToken
		if in.NextToken == "" || limit > 0 && n >= limit {
			break
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(out, "(no mail caught)")
	} else if in.NextToken != "" {
		fmt.Fprintf(out, "(more: --max-items %d, or 0 for all)\n", 2*limit)
	}
	return nil
}

func mailReadCmd() *cobra.Command {
	var (
		admin adminFlags
		raw   bool
	)
	cmd := &cobra.Command{
		Use:   "read ID",
		Short: "Print one caught mail: its decoded headers and body, or with --raw the message as sent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := admin.client()
			if err != nil {
				return err
			}
			m, err := c.GetMail(cmd.Context(), stewardapi.GetMailInput{Id: args[0]})
			if err != nil {
				return err
			}
			return printMail(m, raw, cmd.OutOrStdout())
		},
	}
	admin.bind(cmd.Flags())
	cmd.Flags().BoolVar(&raw, "raw", false, "print the raw RFC 5322 message (encoded, CRLF line ends)")
	return cmd
}

func printMail(m *stewardapi.GetMailOutput, raw bool, out io.Writer) error {
	if raw {
		_, err := io.WriteString(out, m.Raw)
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Id:          %s\n", m.Id)
	fmt.Fprintf(&b, "Caught:      %s\n", m.Timestamp.Local().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID:  <%s>\n", printable(m.MessageId, false))
	fmt.Fprintf(&b, "From:        %s\n", printable(m.From, false))
	fmt.Fprintf(&b, "To:          %s\n", printable(strings.Join(m.To, ", "), false))
	fmt.Fprintf(&b, "Subject:     %s\n\n", printable(m.Subject, false))
	b.WriteString(printable(m.Text, true))
	if m.Text != "" && !strings.HasSuffix(m.Text, "\n") {
		b.WriteByte('\n')
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// printable replaces control characters (a terminal would act on escape
// sequences in a mail) with U+FFFD; keepLines keeps line feeds and tabs.
func printable(s string, keepLines bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			return r
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			return '\uFFFD'
		}
		return r
	}, s)
}

// devMailLine tells the dev banner where email goes.
func devMailLine(s *server.Server) string {
	c := s.Config()
	if c.SMTPHost != "" {
		return fmt.Sprintf("sent through the SMTP relay %s:%d", c.SMTPHost, c.SMTPPort)
	}
	return fmt.Sprintf("caught, not sent: steward mail list --credentials %s --endpoint %s", s.CredentialsFile(), s.URL())
}
