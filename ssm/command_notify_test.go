package ssm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardhq/steward/agentproto"
	"github.com/stewardhq/steward/ssm"
)

// cmdPublisher records published notifications; fail, when set, decides the
// error of each publish.
type cmdPublisher struct {
	mu   sync.Mutex
	got  []string // topic + " " + message
	fail func(n int) error
	n    int
}

func (p *cmdPublisher) PublishCommandNotification(_ context.Context, topic, message string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if p.fail != nil {
		if err := p.fail(p.n); err != nil {
			return err
		}
	}
	p.got = append(p.got, topic+" "+message)
	return nil
}

func (p *cmdPublisher) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.got
	p.got = nil
	return out
}

const cmdTopic = "arn:aws:sns:eu-west-1:123456789012:runcommand"

func newNotifyFixture(t *testing.T, nodes int) (*cmdFixture, *cmdPublisher) {
	pub := &cmdPublisher{}
	f := newCmdFixture(t, cmdLinuxNodes(nodes), func(o *ssm.CommandOptions) { o.Publisher = pub })
	return f, pub
}

func (f *cmdFixture) publish() {
	f.t.Helper()
	if err := f.cmds.PublishNotifications(f.ctx); err != nil {
		f.t.Fatalf("PublishNotifications: %v", err)
	}
}

// TestNotificationEventsAndTypes runs one command (node 1 succeeds, node 2
// fails) under each NotificationConfig and checks which notifications go.
func TestNotificationEventsAndTypes(t *testing.T) {
	type note struct{ node, status string } // node "" for Command notifications
	n1, n2 := cmdNode(1), cmdNode(2)
	for _, tc := range []struct {
		name   string
		arn    string
		typ    string
		events []string
		want   []note
	}{
		{"invocation all", cmdTopic, "Invocation", []string{"All"},
			[]note{{n1, "InProgress"}, {n1, "Success"}, {n2, "InProgress"}, {n2, "Failed"}}},
		{"invocation failed", cmdTopic, "Invocation", []string{"Failed"}, []note{{n2, "Failed"}}},
		{"invocation success+inprogress", cmdTopic, "Invocation", []string{"Success", "InProgress"},
			[]note{{n1, "InProgress"}, {n1, "Success"}, {n2, "InProgress"}}},
		{"invocation timedout", cmdTopic, "Invocation", []string{"TimedOut", "Cancelled"}, nil},
		{"command all", cmdTopic, "Command", []string{"All"}, []note{{"", "InProgress"}, {"", "Failed"}}},
		{"command failed", cmdTopic, "Command", []string{"Failed"}, []note{{"", "Failed"}}},
		{"command success", cmdTopic, "Command", []string{"Success"}, nil},
		{"defaults", cmdTopic, "", nil, []note{{"", "InProgress"}, {"", "Failed"}}},
		{"no topic", "", "Invocation", []string{"All"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, pub := newNotifyFixture(t, 2)
			all := []string{n1, n2}
			c := f.shell(all, func(in *ssm.SendCommandInput) {
				in.MaxConcurrency, in.MaxErrors = "100%", "1"
				in.NotificationConfig = &ssm.NotificationConfig{NotificationArn: tc.arn, NotificationType: tc.typ, NotificationEvents: tc.events}
			}, "uptime")
			f.runAll(c.CommandID, all, func(n string) (string, int) {
				if n == n2 {
					return agentproto.StatusFailed, 1
				}
				return agentproto.StatusSuccess, 0
			})
			f.publish()
			var got []note
			for _, s := range pub.take() {
				topic, msg, _ := strings.Cut(s, " ")
				if topic != cmdTopic {
					t.Errorf("topic %q", topic)
				}
				var m map[string]any
				if err := jsonUnmarshal(msg, &m); err != nil {
					t.Fatal(err)
				}
				node, _ := m["instanceId"].(string)
				got = append(got, note{node, m["status"].(string)})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("notifications:\n got %v\nwant %v", got, tc.want)
			}
			f.publish()
			if rest := pub.take(); len(rest) != 0 {
				t.Errorf("published again: %v", rest)
			}
		})
	}
}

// TestNotificationPayloads checks the messages byte for byte (AWS's field
// order and time format).
func TestNotificationPayloads(t *testing.T) {
	f, pub := newNotifyFixture(t, 1)
	n1 := cmdNode(1)
	c := f.shell([]string{n1}, func(in *ssm.SendCommandInput) {
		in.OutputS3BucketName, in.OutputS3KeyPrefix = "amzn-s3-demo-bucket", "runcommand"
		in.NotificationConfig = &ssm.NotificationConfig{NotificationArn: cmdTopic, NotificationType: "Command", NotificationEvents: []string{"All"}}
	}, "uptime")
	f.runAll(c.CommandID, []string{n1}, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	f.publish()
	want := []string{
		cmdTopic + ` {"commandId":"` + c.CommandID + `","documentName":"AWS-RunShellScript","instanceIds":["` + n1 + `"],` +
			`"requestedDateTime":"2026-01-21T10:15:00.12Z","expiresAfter":"2026-01-21T12:15:00.12Z",` +
			`"outputS3BucketName":"amzn-s3-demo-bucket","outputS3KeyPrefix":"runcommand","status":"InProgress","eventTime":"2026-01-21T10:15:00.12Z"}`,
		cmdTopic + ` {"commandId":"` + c.CommandID + `","documentName":"AWS-RunShellScript","instanceIds":["` + n1 + `"],` +
			`"requestedDateTime":"2026-01-21T10:15:00.12Z","expiresAfter":"2026-01-21T12:15:00.12Z",` +
			`"outputS3BucketName":"amzn-s3-demo-bucket","outputS3KeyPrefix":"runcommand","status":"Success","eventTime":"2026-01-21T10:15:00.12Z"}`,
	}
	if got := pub.take(); !slices.Equal(got, want) {
		t.Errorf("command notifications:\n got %q\nwant %q", got, want)
	}

	// Tag targets: instanceIds is an empty list.
	c = f.send(ssm.SendCommandInput{DocumentName: "AWS-RunShellScript", Targets: []ssm.Target{{Key: "tag:env", Values: []string{"test"}}},
		Parameters:         map[string][]string{"commands": {"uptime"}},
		NotificationConfig: &ssm.NotificationConfig{NotificationArn: cmdTopic, NotificationType: "Command", NotificationEvents: []string{"Success"}}})
	f.clock.Advance(1500 * time.Millisecond)
	f.runAll(c.CommandID, []string{n1}, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	f.publish()
	want = []string{cmdTopic + ` {"commandId":"` + c.CommandID + `","documentName":"AWS-RunShellScript","instanceIds":[],` +
		`"requestedDateTime":"2026-01-21T10:15:00.12Z","expiresAfter":"2026-01-21T12:15:00.12Z",` +
		`"outputS3BucketName":"","outputS3KeyPrefix":"","status":"Success","eventTime":"2026-01-21T10:15:01.62Z"}`}
	if got := pub.take(); !slices.Equal(got, want) {
		t.Errorf("tag-targeted notification:\n got %q\nwant %q", got, want)
	}

	// Invocation notifications.
	c = f.shell([]string{n1}, func(in *ssm.SendCommandInput) {
		in.NotificationConfig = &ssm.NotificationConfig{NotificationArn: cmdTopic, NotificationType: "Invocation", NotificationEvents: []string{"Failed"}}
	}, "false")
	f.runAll(c.CommandID, []string{n1}, func(string) (string, int) { return agentproto.StatusFailed, 1 })
	f.publish()
	want = []string{cmdTopic + ` {"commandId":"` + c.CommandID + `","documentName":"AWS-RunShellScript","instanceId":"` + n1 + `",` +
		`"requestedDateTime":"2026-01-21T10:15:01.62Z","status":"Failed","eventTime":"2026-01-21T10:15:01.62Z"}`}
	if got := pub.take(); !slices.Equal(got, want) {
		t.Errorf("invocation notification:\n got %q\nwant %q", got, want)
	}
}

// TestNotificationRetries: a failed publish is retried after a backoff; a
// permanent failure, or 24 h of failures, drops the notification.
func TestNotificationRetries(t *testing.T) {
	f, pub := newNotifyFixture(t, 1)
	n1 := cmdNode(1)
	failing := true
	pub.fail = func(int) error {
		if failing {
			return errors.New("SNS is down")
		}
		return nil
	}
	send := func() {
		c := f.shell([]string{n1}, func(in *ssm.SendCommandInput) {
			in.NotificationConfig = &ssm.NotificationConfig{NotificationArn: cmdTopic, NotificationType: "Command", NotificationEvents: []string{"Success"}}
		}, "uptime")
		f.runAll(c.CommandID, []string{n1}, func(string) (string, int) { return agentproto.StatusSuccess, 0 })
	}
	send()
	f.publish() // attempt 1 fails: due in 1 s
	f.publish() // not due yet
	if pub.n != 1 {
		t.Fatalf("attempts = %d, want 1", pub.n)
	}
	f.clock.Advance(time.Second)
	f.publish() // attempt 2 fails: due in 2 s
	f.clock.Advance(time.Second)
	f.publish()
	if pub.n != 2 {
		t.Fatalf("attempts = %d, want 2", pub.n)
	}
	failing = false
	f.clock.Advance(time.Second)
	f.publish()
	if got := pub.take(); pub.n != 3 || len(got) != 1 {
		t.Fatalf("attempts = %d, published %v", pub.n, got)
	}
	f.clock.Advance(time.Hour)
	f.publish()
	if pub.n != 3 {
		t.Fatalf("published again: attempts = %d", pub.n)
	}

	// Permanent: dropped at once.
	pub.fail = func(int) error { return fmt.Errorf("%w: NotFoundException", ssm.ErrTopicUnusable) }
	send()
	f.publish()
	f.clock.Advance(time.Hour)
	f.publish()
	if pub.n != 4 {
		t.Fatalf("attempts = %d, want 4 (one for the dropped notification)", pub.n)
	}

	// Transient for 24 h: dropped.
	pub.fail = func(int) error { return errors.New("SNS is down") }
	send()
	for range 24*12 + 2 {
		f.publish()
		f.clock.Advance(5 * time.Minute)
	}
	before := pub.n
	f.clock.Advance(time.Hour)
	f.publish()
	if pub.n != before {
		t.Fatalf("still retried after 24 h: %d attempts, then %d", before, pub.n)
	}
	if before < 24*12 || before > 24*12+10 {
		t.Fatalf("%d attempts in 24 h; want one each 5 min (the backoff cap)", before-4)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
