package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stewardhq/steward/server/servertest"
)

// TestSNSToSQS: a topic fans out to an enveloped and a raw SQS
// subscription. The enveloped message is AWS's JSON notification, signed
// (verified with the certificate fetched from SigningCertURL, both
// signature versions); the raw one is the bare message with the SNS
// attributes as SQS message attributes. MessageStructure=json gives each
// protocol its body. The UnsubscribeURL works without credentials.
func TestSNSToSQS(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	n, q := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	var certs certCache

	envURL, envARN := createQueue(t, q, "enveloped", nil)
	rawURL, rawARN := createQueue(t, q, "raw", nil)
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("fanout")})
	if err != nil {
		t.Fatal(err)
	}
	envSub, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(envARN)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(rawARN),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}

	subject, body := "障害: web-01", "コマンド 1234 が失敗しました <&> \"quoted\""
	attrs := map[string]snstypes.MessageAttributeValue{
		"severity": {DataType: aws.String("String"), StringValue: aws.String("high")},
		"count":    {DataType: aws.String("Number"), StringValue: aws.String("42")},
		"blob":     {DataType: aws.String("Binary"), BinaryValue: []byte{0, 0xff, 7}},
	}
	pub, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String(subject), Message: aws.String(body), MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}

	got := receiveN(t, q, envURL, 1)[0]
	raw := aws.ToString(got.Body)
	if !strings.HasPrefix(raw, "{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : ") || !strings.Contains(raw, `"Message" : "コマンド 1234 が失敗しました <&> \"quoted\""`) {
		t.Errorf("envelope is not printed as AWS prints it:\n%s", raw)
	}
	env := certs.verifySNS(t, []byte(raw))
	if env.MessageId != aws.ToString(pub.MessageId) || env.TopicArn != aws.ToString(topic.TopicArn) || env.Message != body ||
		env.Subject == nil || *env.Subject != subject || env.SignatureVersion != "1" {
		t.Errorf("envelope %+v", env)
	}
	if a := env.MessageAttributes; a["severity"] != (struct{ Type, Value string }{"String", "high"}) ||
		a["count"] != (struct{ Type, Value string }{"Number", "42"}) || a["blob"] != (struct{ Type, Value string }{"Binary", "AP8H"}) {
		t.Errorf("MessageAttributes %+v", a)
	}
	if len(got.MessageAttributes) != 0 {
		t.Errorf("enveloped delivery carries SQS attributes: %v", got.MessageAttributes)
	}

	rawMsg := receiveN(t, q, rawURL, 1)[0]
	if aws.ToString(rawMsg.Body) != body {
		t.Errorf("raw body %q", aws.ToString(rawMsg.Body))
	}
	ma := rawMsg.MessageAttributes
	if aws.ToString(ma["severity"].StringValue) != "high" || aws.ToString(ma["severity"].DataType) != "String" ||
		aws.ToString(ma["count"].StringValue) != "42" || aws.ToString(ma["count"].DataType) != "Number" ||
		string(ma["blob"].BinaryValue) != "\x00\xff\x07" || aws.ToString(ma["blob"].DataType) != "Binary" {
		t.Errorf("raw delivery attributes %v", ma)
	}

	// SignatureVersion 2, no subject, MessageStructure=json.
	if _, err := n.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: topic.TopicArn, AttributeName: aws.String("SignatureVersion"), AttributeValue: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	structured, _ := json.Marshal(map[string]string{"default": "for everyone", "sqs": "for queues", "email": "for mail"})
	if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(string(structured)), MessageStructure: aws.String("json")}); err != nil {
		t.Fatal(err)
	}
	env = certs.verifySNS(t, []byte(aws.ToString(receiveN(t, q, envURL, 1)[0].Body)))
	if env.SignatureVersion != "2" || env.Message != "for queues" || env.Subject != nil {
		t.Errorf("structured envelope %+v", env)
	}
	if b := aws.ToString(receiveN(t, q, rawURL, 1)[0].Body); b != "for queues" {
		t.Errorf("structured raw body %q", b)
	}

	// PublishBatch reaches both.
	var entries []snstypes.PublishBatchRequestEntry
	for i := range 10 {
		entries = append(entries, snstypes.PublishBatchRequestEntry{Id: aws.String(fmt.Sprint("e", i)), Message: aws.String(fmt.Sprint("batch ", i))})
	}
	if res, err := n.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: entries}); err != nil || len(res.Successful) != 10 {
		t.Fatalf("PublishBatch = %v, %v", res, err)
	}
	var bodies []string
	for _, m := range receiveN(t, q, rawURL, 10) {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	slices.Sort(bodies)
	if bodies[0] != "batch 0" || bodies[9] != "batch 9" {
		t.Errorf("batch bodies %v", bodies)
	}
	receiveN(t, q, envURL, 10)

	// The UnsubscribeURL of the envelope unsubscribes, unauthenticated.
	resp, err := http.Get(env.UnsubscribeURL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET UnsubscribeURL: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := n.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: envSub.SubscriptionArn}); apiCodeOf(err) != "NotFound" {
		t.Errorf("after the UnsubscribeURL: %v", err)
	}
	if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("after")}); err != nil {
		t.Fatal(err)
	}
	if b := aws.ToString(receiveN(t, q, rawURL, 1)[0].Body); b != "after" {
		t.Errorf("raw body %q", b)
	}
	if !queueEmpty(t, q, envURL) {
		t.Errorf("the unsubscribed queue still receives")
	}
}

// TestSNSFilterPolicies: attribute-scope and body-scope policies decide at
// publish which subscriptions get a message.
func TestSNSFilterPolicies(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	n, q := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("filtered")})
	if err != nil {
		t.Fatal(err)
	}
	type sub struct {
		name   string
		attrs  map[string]string
		url    string
		expect []string
	}
	subs := []*sub{
		{name: "all"},
		{name: "high", attrs: map[string]string{"FilterPolicy": `{"severity":["high","critical"],"count":[{"numeric":[">=",10]}]}`}},
		{name: "eu", attrs: map[string]string{"FilterPolicy": `{"regions":[{"prefix":"eu-"}]}`}},
		{name: "no-env", attrs: map[string]string{"FilterPolicy": `{"env":[{"exists":false}]}`}},
		{name: "big-orders", attrs: map[string]string{"FilterPolicyScope": "MessageBody",
			"FilterPolicy": `{"order":{"total":[{"numeric":[">",100]}],"status":[{"anything-but":["cancelled"]}]}}`}},
	}
	for _, s := range subs {
		var arn string
		s.url, arn = createQueue(t, q, s.name, nil)
		s.attrs = mapWith(s.attrs, "RawMessageDelivery", "true")
		if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn), Attributes: s.attrs}); err != nil {
			t.Fatalf("Subscribe %s: %v", s.name, err)
		}
	}
	str := func(v string) snstypes.MessageAttributeValue {
		return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	num := func(v string) snstypes.MessageAttributeValue {
		return snstypes.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(v)}
	}
	arr := func(v string) snstypes.MessageAttributeValue {
		return snstypes.MessageAttributeValue{DataType: aws.String("String.Array"), StringValue: aws.String(v)}
	}
	msgs := []struct {
		body  string
		attrs map[string]snstypes.MessageAttributeValue
		to    []string
	}{
		{"m1", map[string]snstypes.MessageAttributeValue{"severity": str("high"), "count": num("12")}, []string{"all", "high", "no-env"}},
		{"m2", map[string]snstypes.MessageAttributeValue{"severity": str("high"), "count": num("9.5")}, []string{"all", "no-env"}},
		{"m3", map[string]snstypes.MessageAttributeValue{"severity": str("critical"), "count": num("1e2"), "env": str("prod")}, []string{"all", "high"}},
		{"m4", map[string]snstypes.MessageAttributeValue{"regions": arr(`["us-east-1","eu-west-3"]`), "env": str("dev")}, []string{"all", "eu"}},
		{`{"order":{"total":250,"status":"paid"}}`, nil, []string{"all", "no-env", "big-orders"}},
		{`{"order":{"total":250,"status":"cancelled"}}`, nil, []string{"all", "no-env"}},
		{`{"order":{"total":50}}`, nil, []string{"all", "no-env"}},
		{`not json {"order":{"total":250}}`, nil, []string{"all", "no-env"}},
	}
	for _, m := range msgs {
		if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(m.body), MessageAttributes: m.attrs}); err != nil {
			t.Fatalf("Publish %s: %v", m.body, err)
		}
		for _, to := range m.to {
			for _, s := range subs {
				if s.name == to {
					s.expect = append(s.expect, m.body)
				}
			}
		}
	}
	// A marker every subscription takes, published last: once it arrived,
	// everything published before has been delivered (one publisher, one
	// message at a time, the engine delivers in order per queue only
	// loosely — so collect until the marker and compare sets).
	marker := map[string]snstypes.MessageAttributeValue{"severity": str("high"), "count": num("100"), "regions": arr(`["eu-north-1"]`)}
	if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"order":{"total":1000,"status":"new"}}`), MessageAttributes: marker}); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		want := append(slices.Clone(s.expect), `{"order":{"total":1000,"status":"new"}}`)
		var got []string
		for _, m := range receiveN(t, q, s.url, len(want)) {
			got = append(got, aws.ToString(m.Body))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("subscription %s got %q, want %q", s.name, got, want)
		}
		if !queueEmpty(t, q, s.url) {
			t.Errorf("subscription %s got more", s.name)
		}
	}
}

// TestSNSFifoToSQSFifo: a FIFO topic delivers to a FIFO queue in order,
// once per deduplication ID.
func TestSNSFifoToSQSFifo(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	cfg := srv.AWSConfig()
	n, q := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	url, arn := createQueue(t, q, "orders.fifo", map[string]string{"FifoQueue": "true"})
	topic, err := n.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders.fifo"), Attributes: map[string]string{"FifoTopic": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	const count = 20
	for i := range count {
		for range 2 { // every message twice: the second is a duplicate
			if _, err := n.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(fmt.Sprint("order ", i)),
				MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String(fmt.Sprint("d", i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := receiveN(t, q, url, count)
	for i, m := range got {
		if b := aws.ToString(m.Body); b != fmt.Sprint("order ", i) {
			t.Errorf("message %d is %q", i, b)
		}
	}
	if !queueEmpty(t, q, url) {
		t.Error("duplicates were delivered")
	}
}

func mapWith(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for kk, vv := range m {
		out[kk] = vv
	}
	return out
}
