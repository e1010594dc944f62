package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/mail/smtptest"
	"github.com/stewardhq/steward/server/servertest"
)

// runSteward runs the command line in-process against s and returns stdout.
func runSteward(t *testing.T, s *servertest.Server, args ...string) (string, error) {
	t.Helper()
	cmd := rootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append(args, "--credentials", s.CredentialsFile(), "--endpoint", s.URL))
	err := cmd.Execute()
	return out.String(), err
}

func TestMailListAndRead(t *testing.T) {
	s := servertest.Start(t)
	ctx := context.Background()
	out, err := runSteward(t, s, "mail", "list")
	if err != nil || !strings.Contains(out, "(no mail caught)") {
		t.Fatalf("empty list: %q, %v", out, err)
	}
	body := "サーバー監視アラートが発生しました。\n対象: web-01\n\n至急確認してください。\n"
	for i := range 3 {
		if err := s.Mailer().Send(ctx, mail.Message{To: []string{"運用 <ops@example.jp>"},
			Subject: fmt.Sprintf("【障害通知】サーバー監視アラート %d", i), Text: body}); err != nil {
			t.Fatal(err)
		}
	}
	// A subject with a terminal escape sequence is shown defused.
	if err := s.Mailer().Send(ctx, mail.Message{To: []string{"ops@example.jp"}, Subject: "\x1b[2Jcleared", Text: "x"}); err != nil {
		t.Fatal(err)
	}

	out, err = runSteward(t, s, "mail", "list", "-n", "3")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "\uFFFD[2Jcleared") ||
		!strings.Contains(lines[2], "【障害通知】サーバー監視アラート 2") || !strings.Contains(lines[3], "運用 <ops@example.jp>") ||
		!strings.HasPrefix(lines[4], "(more") || strings.Contains(out, "\x1b") {
		t.Fatalf("list:\n%s", out)
	}
	id := strings.Fields(lines[2])[0]

	out, err = runSteward(t, s, "mail", "read", id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Id:          " + id + "\n", "From:        Steward <steward@localhost>\n",
		"To:          運用 <ops@example.jp>\n", "Subject:     【障害通知】サーバー監視アラート 2\n\n" + body} {
		if !strings.Contains(out, want) {
			t.Errorf("read lacks %q:\n%s", want, out)
		}
	}

	out, err = runSteward(t, s, "mail", "read", id, "--raw")
	if err != nil {
		t.Fatal(err)
	}
	d, err := smtptest.Decode([]byte(out))
	if err != nil || d.Subject != "【障害通知】サーバー監視アラート 2" || d.Text != body || !strings.Contains(out, "\r\n") {
		t.Fatalf("raw: %+v, %v\n%s", d, err, out)
	}

	if _, err := runSteward(t, s, "mail", "read", "no-such-id"); steward.ErrorCode(err) != mail.CodeMailNotFound {
		t.Errorf("read unknown: %v", err)
	}
}
