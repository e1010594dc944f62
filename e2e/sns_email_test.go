package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stewardhq/steward/mail"
	"github.com/stewardhq/steward/mail/smtptest"
	"github.com/stewardhq/steward/server"
	"github.com/stewardhq/steward/server/servertest"
)

// mailbox reads what a real SMTP listener accepted, decoded the way a mail
// client decodes it.
type mailbox struct {
	t    testing.TB
	smtp *smtptest.Server
	used map[int]bool
}

// next waits for the next mail to addr and returns it.
func (m *mailbox) next(addr string) *smtptest.Decoded {
	m.t.Helper()
	var got *smtptest.Decoded
	servertest.WaitFor(m.t, time.Minute, "a mail to "+addr, func() bool {
		msgs := m.smtp.Messages()
		for i := range msgs {
			if !m.used[i] && slices.Contains(msgs[i].To, addr) {
				d, err := smtptest.Decode(msgs[i].Data)
				if err != nil {
					m.t.Fatalf("mail %d does not decode: %v\n%s", i, err, msgs[i].Data)
				}
				if m.used == nil {
					m.used = map[int]bool{}
				}
				m.used[i] = true // mails to different addresses interleave: in order per address
				got = d
				return true
			}
		}
		return false
	})
	return got
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// follow GETs a link as a mail reader or a receiver does, and returns the
// page.
func follow(t testing.TB, link string) string {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("GET %s: %v", link, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", link, resp.Status, body)
	}
	return string(body)
}

// TestSNSToEmail: email and email-json subscriptions through a real SMTP
// listener (STARTTLS, trusted through the relay's CA file): confirmation
// mails whose links confirm, notifications with the seed's Japanese subject
// and body intact, AWS's unsubscribe footer whose link works, the email
// entry of a MessageStructure=json message, and the signed JSON envelope
// for email-json.
func TestSNSToEmail(t *testing.T) {
	t.Parallel()
	relay := smtptest.Start(t, smtptest.Options{})
	ca := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(ca, relay.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := servertest.Start(t, func(c *server.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPSecurity, c.SMTPCAFile = relay.Host(), relay.Port(), mail.SecurityStartTLS, ca
		c.MailFrom = "Steward <steward@example.com>"
	})
	ctx := context.Background()
	n := sns.NewFromConfig(srv.AWSConfig())
	box := &mailbox{t: t, smtp: relay}
	var certs certCache

	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ssm-failures"), Attributes: map[string]string{"DisplayName": "運用通知"}})
	if err != nil {
		t.Fatal(err)
	}
	topicARN := aws.ToString(topic.TopicArn)

	// email: the confirmation mail's link confirms.
	if out, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")}); err != nil || aws.ToString(out.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe email = %v, %v", out, err)
	}
	conf := box.next("ops@example.com")
	if conf.Subject != "AWS Notification - Subscription Confirmation" || !strings.Contains(conf.Text, "You have chosen to subscribe to the topic:\n"+topicARN) {
		t.Fatalf("confirmation mail: %q\n%s", conf.Subject, conf.Text)
	}
	if conf.From != "Steward <steward@example.com>" || !slices.Contains(conf.To, "ops@example.com") {
		t.Errorf("confirmation mail from %q to %q", conf.From, conf.To)
	}
	link := linkRE.FindString(conf.Text)
	if !strings.Contains(link, "/_steward/sns/confirmation.html?TopicArn="+topicARN+"&Token=") {
		t.Fatalf("confirm link %q in\n%s", link, conf.Text)
	}
	if page := follow(t, link); !strings.Contains(page, "Subscription confirmed!") {
		t.Errorf("confirmation page:\n%s", page)
	}

	// email-json: the confirmation is the signed JSON envelope.
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email-json"), Endpoint: aws.String("bot@example.com")}); err != nil {
		t.Fatal(err)
	}
	jconf := box.next("bot@example.com")
	env := certs.verifySNS(t, []byte(jconf.Text))
	if jconf.Subject != "AWS Notification - Subscription Confirmation" || env.Type != "SubscriptionConfirmation" || env.Token == "" {
		t.Fatalf("email-json confirmation %q %+v", jconf.Subject, env)
	}
	if !strings.Contains(env.SubscribeURL, "/_steward/sns/?Action=ConfirmSubscription&TopicArn="+topicARN+"&Token="+env.Token) {
		t.Errorf("SubscribeURL %s", env.SubscribeURL)
	}
	// Confirmed through the API instead, with AuthenticateOnUnsubscribe: its
	// unsubscribe link will refuse.
	jsonSub, err := n.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String(env.Token), AuthenticateOnUnsubscribe: aws.String("true")})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: jsonSub.SubscriptionArn}); err != nil || a.Attributes["ConfirmationWasAuthenticated"] != "true" {
		t.Errorf("email-json subscription = %v, %v", a, err)
	}
	servertest.WaitFor(t, time.Minute, "both confirmed", func() bool {
		a, err := n.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
		return err == nil && a.Attributes["SubscriptionsConfirmed"] == "2"
	})

	// The seed's mail: Japanese subject and body arrive intact.
	subject := "【失敗】Run Command: AWS-UpdateSSMAgent（mi-0123456789abcdef0）"
	body := "インシデント発生時刻: 2026年1月21日 19時15分 (JST)\nコマンドID: 0b8c6a3e-7f7e-4e0e-9d6b-2f6e2c1b3a4d\nドキュメント: AWS-UpdateSSMAgent\nノードID: mi-0123456789abcdef0\n🚨 至急確認してください。"
	pub, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String(subject), Message: aws.String(body)})
	if err != nil {
		t.Fatal(err)
	}
	got := box.next("ops@example.com")
	if got.Subject != subject {
		t.Errorf("subject %q, want %q", got.Subject, subject)
	}
	if !strings.HasPrefix(got.Text, body+"\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n") {
		t.Errorf("email body:\n%s", got.Text)
	}
	if got.Charset != "utf-8" {
		t.Errorf("charset %q", got.Charset)
	}
	unsubLink := linkRE.FindString(got.Text[len(body):])
	jgot := box.next("bot@example.com")
	env = certs.verifySNS(t, []byte(jgot.Text))
	if resp, err := http.Get(env.UnsubscribeURL); err != nil || resp.StatusCode != 403 {
		t.Errorf("the UnsubscribeURL of a subscription confirmed with AuthenticateOnUnsubscribe: %v %v", resp, err)
	} else {
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "<Code>AuthorizationError</Code>") {
			t.Errorf("refusal:\n%s", page)
		}
	}
	if jgot.Subject != subject || env.Message != body || env.Subject == nil || *env.Subject != subject || env.MessageId != aws.ToString(pub.MessageId) {
		t.Errorf("email-json notification %q %+v", jgot.Subject, env)
	}

	// No subject: AWS's default; MessageStructure=json: the email entry.
	structured, _ := json.Marshal(map[string]string{"default": "既定の本文", "email": "メール用の本文"})
	if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(string(structured)), MessageStructure: aws.String("json")}); err != nil {
		t.Fatal(err)
	}
	got = box.next("ops@example.com")
	if got.Subject != "AWS Notification Message" || !strings.HasPrefix(got.Text, "メール用の本文\n\n--\n") {
		t.Errorf("structured email %q:\n%s", got.Subject, got.Text)
	}
	jgot = box.next("bot@example.com")
	if env = certs.verifySNS(t, []byte(jgot.Text)); env.Message != "既定の本文" {
		t.Errorf("structured email-json message %q", env.Message)
	}

	// The footer's unsubscribe link works.
	if !strings.Contains(unsubLink, "/_steward/sns/unsubscribe.html?SubscriptionArn="+topicARN+":") {
		t.Fatalf("unsubscribe link %q", unsubLink)
	}
	if page := follow(t, unsubLink); !strings.Contains(page, "Subscription removed!") {
		t.Errorf("unsubscribe page:\n%s", page)
	}
	list, err := n.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil || len(list.Subscriptions) != 1 || aws.ToString(list.Subscriptions[0].Protocol) != "email-json" {
		t.Errorf("after unsubscribing by link: %+v, %v", list, err)
	}
}
