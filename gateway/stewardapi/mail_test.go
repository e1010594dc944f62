package stewardapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/stewardapi"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/mail/smtptest"
	"github.com/stewardhq/steward/sqlite"
)

// mailClient serves the Steward API with mb and returns a client for it.
func mailClient(t *testing.T, mb stewardapi.Mailbox) *stewardapi.Client {
	t.Helper()
	gw, err := gateway.New(gateway.Config{Services: []*gateway.Service{stewardapi.Service(nil, mb)}, Credentials: creds{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return &stewardapi.Client{Endpoint: srv.URL, Region: "us-east-1",
		Credentials: aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}}
}

func TestMailOperations(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := steward.NewFakeClock(time.UnixMilli(1714525200123))
	catcher, err := mail.NewCatcher(db, mail.CatcherOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	client := mailClient(t, catcher)

	out, err := client.ListMail(ctx, stewardapi.ListMailInput{})
	if err != nil || len(out.Mail) != 0 || out.NextToken != "" {
		t.Fatalf("empty ListMail = %+v, %v", out, err)
	}
	for i := range 3 {
		clock.Advance(time.Second)
		if err := catcher.Send(ctx, mail.Message{From: "監視 <alerts@example.com>", To: []string{"ops@example.jp"},
			Subject: fmt.Sprintf("【障害通知】サーバー監視アラート %d", i), Text: "サーバーが応答しません。\n"}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	in := stewardapi.ListMailInput{MaxResults: 2}
	for {
		page, err := client.ListMail(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Mail {
			ids = append(ids, m.Id)
		}
		if page.NextToken == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	if len(ids) != 3 {
		t.Fatalf("listed %v", ids)
	}
	got, err := client.GetMail(ctx, stewardapi.GetMailInput{Id: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "【障害通知】サーバー監視アラート 2" || got.Text != "サーバーが応答しません。\n" || got.From != "監視 <alerts@example.com>" ||
		len(got.To) != 1 || got.To[0] != "ops@example.jp" || !got.Timestamp.Equal(clock.Now()) || got.Size != len(got.Raw) {
		t.Fatalf("GetMail = %+v", got)
	}
	d, err := smtptest.Decode([]byte(got.Raw))
	if err != nil || d.Subject != got.Subject || d.Text != got.Text || d.MessageID != got.MessageId {
		t.Fatalf("raw decodes to %+v, %v", d, err)
	}

	for name, call := range map[string]struct {
		err  error
		code string
	}{
		"unknown ID": {errOf(client.GetMail(ctx, stewardapi.GetMailInput{Id: "nope"})), mail.CodeMailNotFound},
		"no ID":      {errOf(client.GetMail(ctx, stewardapi.GetMailInput{})), steward.CodeValidation},
		"bad token":  {errOf(client.ListMail(ctx, stewardapi.ListMailInput{NextToken: "x"})), mail.CodeInvalidNextToken},
		"too many":   {errOf(client.ListMail(ctx, stewardapi.ListMailInput{MaxResults: 101})), steward.CodeValidation},
	} {
		if steward.ErrorCode(call.err) != call.code {
			t.Errorf("%s: %v, want %s", name, call.err, call.code)
		}
	}
}

// errOf keeps the error of a call.
func errOf[T any](_ T, err error) error { return err }

func TestMailOperationsWithARelay(t *testing.T) {
	client := mailClient(t, nil)
	_, err := client.ListMail(context.Background(), stewardapi.ListMailInput{})
	if steward.ErrorCode(err) != mail.CodeCatcherNotEnabled {
		t.Errorf("ListMail = %v", err)
	}
	_, err = client.GetMail(context.Background(), stewardapi.GetMailInput{Id: "x"})
	if steward.ErrorCode(err) != mail.CodeCatcherNotEnabled {
		t.Errorf("GetMail = %v", err)
	}
}
