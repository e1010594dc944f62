package snsapi_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	"github.com/stewardhq/steward/server/servertest"
)

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// wantCode fails unless err carries the AWS error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %s", what, err, got, code)
	}
}

func TestTopicsSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := sns.NewFromConfig(srv.AWSConfig())
	account := "000000000000"
	arnOf := func(name string) string { return "arn:aws:sns:" + srv.Region + ":" + account + ":" + name }

	out, err := c.CreateTopic(ctx, &sns.CreateTopicInput{
		Name:       aws.String("ops"),
		Attributes: map[string]string{"DisplayName": "運用チーム", "SignatureVersion": "2"},
		Tags:       []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.TopicArn); got != arnOf("ops") {
		t.Fatalf("TopicArn = %s", got)
	}
	// Idempotent with the same settings (or none); refused with others.
	for _, in := range []*sns.CreateTopicInput{
		{Name: aws.String("ops")},
		{Name: aws.String("ops"), Attributes: map[string]string{"DisplayName": "運用チーム"}},
		{Name: aws.String("ops"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}},
	} {
		again, err := c.CreateTopic(ctx, in)
		if err != nil || aws.ToString(again.TopicArn) != arnOf("ops") {
			t.Errorf("CreateTopic again: %v %v", again, err)
		}
	}
	_, err = c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ops"), Attributes: map[string]string{"DisplayName": "other"}})
	wantCode(t, "different attributes", err, "InvalidParameter")
	_, err = c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ops"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("dev")}}})
	wantCode(t, "different tags", err, "InvalidParameter")
	for _, in := range []*sns.CreateTopicInput{
		{Name: aws.String("bad name")},
		{Name: aws.String(strings.Repeat("a", 257))},
		{Name: aws.String("x.fifo")},
		{Name: aws.String("x"), Attributes: map[string]string{"FifoTopic": "true"}},
		{Name: aws.String("x"), Attributes: map[string]string{"NoSuch": "1"}},
		{Name: aws.String("x"), Attributes: map[string]string{"SignatureVersion": "3"}},
		{Name: aws.String("x"), Attributes: map[string]string{"DeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"numRetries":101}}}`}},
		{Name: aws.String("x"), Attributes: map[string]string{"ContentBasedDeduplication": "true"}},
	} {
		_, err := c.CreateTopic(ctx, in)
		wantCode(t, fmt.Sprintf("CreateTopic(%s, %v)", aws.ToString(in.Name), in.Attributes), err, "InvalidParameter")
	}

	attrs, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: out.TopicArn})
	if err != nil {
		t.Fatal(err)
	}
	a := attrs.Attributes
	for k, want := range map[string]string{
		"TopicArn": arnOf("ops"), "Owner": account, "DisplayName": "運用チーム", "SignatureVersion": "2",
		"SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SubscriptionsDeleted": "0",
	} {
		if a[k] != want {
			t.Errorf("attribute %s = %q, want %q", k, a[k], want)
		}
	}
	if !strings.Contains(a["Policy"], `"Resource":"`+arnOf("ops")+`"`) || !strings.Contains(a["EffectiveDeliveryPolicy"], `"numRetries":3`) {
		t.Errorf("Policy %s / EffectiveDeliveryPolicy %s", a["Policy"], a["EffectiveDeliveryPolicy"])
	}
	if _, ok := a["FifoTopic"]; ok {
		t.Errorf("standard topic has FifoTopic: %v", a)
	}

	// SetTopicAttributes: valid, reset, refused.
	policy := `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":10,"numRetries":4,"backoffFunction":"exponential"}}}`
	if _, err := c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: out.TopicArn, AttributeName: aws.String("DeliveryPolicy"), AttributeValue: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	attrs, _ = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: out.TopicArn})
	if attrs.Attributes["DeliveryPolicy"] != policy || !strings.Contains(attrs.Attributes["EffectiveDeliveryPolicy"], `"numRetries":4`) {
		t.Errorf("after SetTopicAttributes: %v", attrs.Attributes)
	}
	if _, err := c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: out.TopicArn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []*sns.SetTopicAttributesInput{
		{TopicArn: out.TopicArn, AttributeName: aws.String("FifoTopic"), AttributeValue: aws.String("true")},
		{TopicArn: out.TopicArn, AttributeName: aws.String("Owner"), AttributeValue: aws.String("1")},
		{TopicArn: out.TopicArn, AttributeName: aws.String("Policy"), AttributeValue: aws.String("{not json")},
	} {
		_, err := c.SetTopicAttributes(ctx, in)
		wantCode(t, "SetTopicAttributes "+aws.ToString(in.AttributeName), err, "InvalidParameter")
	}
	_, err = c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String(arnOf("missing")), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("x")})
	wantCode(t, "SetTopicAttributes on a missing topic", err, "NotFound")
	attrs, _ = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: out.TopicArn})
	if attrs.Attributes["DisplayName"] != "" || attrs.Attributes["DeliveryPolicy"] != policy {
		t.Errorf("a refused SetTopicAttributes changed something: %v", attrs.Attributes)
	}

	// Errors by ARN: missing, malformed, other account, other region.
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(arnOf("missing"))})
	wantCode(t, "missing topic", err, "NotFound")
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("not-an-arn")})
	wantCode(t, "malformed ARN", err, "InvalidParameter")
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:" + srv.Region + ":111111111111:ops")})
	wantCode(t, "other account", err, "AuthorizationError")
	_, err = c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:eu-west-3:" + account + ":ops"), Message: aws.String("x")})
	wantCode(t, "other region", err, "InvalidParameter")

	// FIFO topic.
	fifo, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders.fifo"), Attributes: map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, _ = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: fifo.TopicArn})
	if attrs.Attributes["FifoTopic"] != "true" || attrs.Attributes["ContentBasedDeduplication"] != "true" {
		t.Errorf("FIFO attributes: %v", attrs.Attributes)
	}

	// ListTopics: 100 per page, every topic once.
	for i := range 120 {
		if _, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(fmt.Sprintf("t-%03d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	pages := 0
	p := sns.NewListTopicsPaginator(c, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Topics) > 100 {
			t.Errorf("page of %d topics", len(page.Topics))
		}
		for _, tp := range page.Topics {
			listed = append(listed, aws.ToString(tp.TopicArn))
		}
	}
	if len(listed) != 122 || pages != 2 || !slices.IsSorted(listed) {
		t.Errorf("ListTopics: %d topics in %d pages", len(listed), pages)
	}
	_, err = c.ListTopics(ctx, &sns.ListTopicsInput{NextToken: aws.String("garbage")})
	wantCode(t, "bad NextToken", err, "InvalidParameter")

	// Tags.
	if _, err := c.TagResource(ctx, &sns.TagResourceInput{ResourceArn: out.TopicArn, Tags: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("sre")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: out.TopicArn, TagKeys: []string{"env", "nope"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: out.TopicArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" || aws.ToString(tags.Tags[0].Value) != "sre" {
		t.Errorf("ListTagsForResource = %+v, %v", tags, err)
	}
	_, err = c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: aws.String(arnOf("missing"))})
	wantCode(t, "tags of a missing topic", err, "ResourceNotFound")
	var many []types.Tag
	for i := range 50 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	_, err = c.TagResource(ctx, &sns.TagResourceInput{ResourceArn: out.TopicArn, Tags: many})
	wantCode(t, "51 tags", err, "TagLimitExceeded")

	// DeleteTopic is idempotent.
	for range 2 {
		if _, err := c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: out.TopicArn}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: out.TopicArn})
	wantCode(t, "deleted topic", err, "NotFound")
}

func TestSubscriptionsSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := sns.NewFromConfig(srv.AWSConfig())
	topic, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	queue := "arn:aws:sns:" + srv.Region + ":000000000000:q"
	queue = strings.Replace(queue, ":sns:", ":sqs:", 1)

	// SQS (same account): confirmed at once.
	sub, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue),
		Attributes: map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"severity":["high"]}`}})
	if err != nil {
		t.Fatal(err)
	}
	sqsARN := aws.ToString(sub.SubscriptionArn)
	if !strings.HasPrefix(sqsARN, aws.ToString(topic.TopicArn)+":") {
		t.Fatalf("SubscriptionArn = %s", sqsARN)
	}
	// The same endpoint again: the same subscription; other attributes: refused.
	again, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue)})
	if err != nil || aws.ToString(again.SubscriptionArn) != sqsARN {
		t.Errorf("Subscribe again = %v, %v", again, err)
	}
	_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue),
		Attributes: map[string]string{"RawMessageDelivery": "false"}})
	wantCode(t, "Subscribe with other attributes", err, "InvalidParameter")

	// Email: pending, "pending confirmation" unless ReturnSubscriptionArn.
	pend, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil || aws.ToString(pend.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe email = %v, %v", pend, err)
	}
	withARN, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email-json"), Endpoint: aws.String("dev@example.com"), ReturnSubscriptionArn: true})
	if err != nil || !strings.HasPrefix(aws.ToString(withARN.SubscriptionArn), aws.ToString(topic.TopicArn)+":") {
		t.Fatalf("Subscribe email-json = %v, %v", withARN, err)
	}
	ga, err := c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: withARN.SubscriptionArn})
	if err != nil || ga.Attributes["PendingConfirmation"] != "true" || ga.Attributes["Protocol"] != "email-json" {
		t.Errorf("pending subscription attributes = %v, %v", ga, err)
	}

	// Bad input is refused and changes nothing.
	for _, in := range []*sns.SubscribeInput{
		{TopicArn: topic.TopicArn, Protocol: aws.String("carrier-pigeon"), Endpoint: aws.String("x")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("lambda"), Endpoint: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("https"), Endpoint: aws.String("http://example.com/")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String("not a url")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("no-at-sign")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:111111111111:q")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("q")},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue + "2"), Attributes: map[string]string{"FilterPolicy": `{"a": "not-a-list"}`}},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue + "2"), Attributes: map[string]string{"FilterPolicyScope": "Everything"}},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue + "2"), Attributes: map[string]string{"DeliveryPolicy": `{}`}},
		{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("a@example.com"), Attributes: map[string]string{"RawMessageDelivery": "true"}},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue + "2"), Attributes: map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"nope"}`}},
		{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queue + "2"), Attributes: map[string]string{"Unknown": "1"}},
	} {
		_, err := c.Subscribe(ctx, in)
		wantCode(t, fmt.Sprintf("Subscribe(%s %s %v)", aws.ToString(in.Protocol), aws.ToString(in.Endpoint), in.Attributes), err, "InvalidParameter")
	}
	_, err = c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(strings.Replace(aws.ToString(topic.TopicArn), "alerts", "missing", 1)), Protocol: aws.String("sqs"), Endpoint: aws.String(queue)})
	wantCode(t, "Subscribe to a missing topic", err, "NotFound")

	ta, _ := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	if ta.Attributes["SubscriptionsConfirmed"] != "1" || ta.Attributes["SubscriptionsPending"] != "2" {
		t.Errorf("counts: %v", ta.Attributes)
	}

	// Listings: pending ones show as PendingConfirmation.
	list, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil || len(list.Subscriptions) != 3 {
		t.Fatalf("ListSubscriptionsByTopic = %v, %v", list, err)
	}
	pending := 0
	for _, s := range list.Subscriptions {
		if aws.ToString(s.SubscriptionArn) == "PendingConfirmation" {
			pending++
		}
		if aws.ToString(s.Owner) != "000000000000" || aws.ToString(s.TopicArn) != aws.ToString(topic.TopicArn) {
			t.Errorf("subscription %+v", s)
		}
	}
	if pending != 2 {
		t.Errorf("%d pending in the listing", pending)
	}
	all, err := c.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err != nil || len(all.Subscriptions) != 3 {
		t.Errorf("ListSubscriptions = %v, %v", all, err)
	}

	// Attributes of the SQS subscription.
	ga, err = c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sqsARN)})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"SubscriptionArn": sqsARN, "Protocol": "sqs", "Endpoint": queue, "PendingConfirmation": "false",
		"ConfirmationWasAuthenticated": "true", "RawMessageDelivery": "true", "FilterPolicy": `{"severity":["high"]}`,
		"FilterPolicyScope": "MessageAttributes", "Owner": "000000000000",
	} {
		if ga.Attributes[k] != want {
			t.Errorf("subscription attribute %s = %q, want %q", k, ga.Attributes[k], want)
		}
	}
	set := func(name, value string) error {
		_, err := c.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(sqsARN), AttributeName: aws.String(name), AttributeValue: aws.String(value)})
		return err
	}
	if err := set("FilterPolicyScope", "MessageBody"); err != nil {
		t.Fatal(err)
	}
	if err := set("FilterPolicy", `{"order":{"total":[{"numeric":[">",100]}]}}`); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "DeliveryPolicy on sqs", set("DeliveryPolicy", `{"healthyRetryPolicy":{"numRetries":1}}`), "InvalidParameter")
	wantCode(t, "bad filter", set("FilterPolicy", `{"a":[{"numeric":["<"]}]}`), "InvalidParameter")
	wantCode(t, "unknown attribute", set("Protocol", "http"), "InvalidParameter")
	if err := set("RedrivePolicy", `{"deadLetterTargetArn":"`+queue+`-dlq"}`); err != nil {
		t.Fatal(err)
	}
	ga, _ = c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sqsARN)})
	if ga.Attributes["FilterPolicyScope"] != "MessageBody" || !strings.Contains(ga.Attributes["FilterPolicy"], "numeric") || !strings.Contains(ga.Attributes["RedrivePolicy"], "-dlq") {
		t.Errorf("after SetSubscriptionAttributes: %v", ga.Attributes)
	}
	if err := set("FilterPolicy", ""); err != nil {
		t.Fatal(err)
	}
	ga, _ = c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sqsARN)})
	if _, ok := ga.Attributes["FilterPolicy"]; ok {
		t.Errorf("FilterPolicy not removed: %v", ga.Attributes)
	}

	// ConfirmSubscription with a bad token.
	_, err = c.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String("00")})
	wantCode(t, "bad token", err, "InvalidParameter")

	// Unsubscribe: gone from listings, counted as deleted, NotFound after.
	if _, err := c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(sqsARN)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(sqsARN)})
	wantCode(t, "Unsubscribe twice", err, "NotFound")
	_, err = c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sqsARN)})
	wantCode(t, "attributes of a deleted subscription", err, "NotFound")
	_, err = c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String("nope")})
	wantCode(t, "malformed subscription ARN", err, "InvalidParameter")
	ta, _ = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	if ta.Attributes["SubscriptionsConfirmed"] != "0" || ta.Attributes["SubscriptionsDeleted"] != "1" {
		t.Errorf("counts after Unsubscribe: %v", ta.Attributes)
	}
}

func TestPublishValidationSDK(t *testing.T) {
	srv := servertest.Start(t)
	ctx := context.Background()
	c := sns.NewFromConfig(srv.AWSConfig())
	topic, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("v")})
	if err != nil {
		t.Fatal(err)
	}
	fifo, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("v.fifo"), Attributes: map[string]string{"FifoTopic": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	str := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	ok, err := c.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("本文"), Subject: aws.String("件名: 失敗"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"severity": str("high"),
			"count":    {DataType: aws.String("Number"), StringValue: aws.String("-1.5e3")},
			"tags":     {DataType: aws.String("String.Array"), StringValue: aws.String(`["a", 1, true]`)},
			"blob":     {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
			"custom":   {DataType: aws.String("String.custom"), StringValue: aws.String("x")},
		}})
	if err != nil || len(aws.ToString(ok.MessageId)) != 36 {
		t.Fatalf("Publish = %v, %v", ok, err)
	}
	if _, err := c.Publish(ctx, &sns.PublishInput{TargetArn: topic.TopicArn, Message: aws.String(`{"default":"d","email":"e"}`), MessageStructure: aws.String("json")}); err != nil {
		t.Errorf("Publish with TargetArn and MessageStructure: %v", err)
	}

	for _, tc := range []struct {
		name string
		in   *sns.PublishInput
		code string
	}{
		{"no target", &sns.PublishInput{Message: aws.String("x")}, "InvalidParameter"},
		{"two targets", &sns.PublishInput{TopicArn: topic.TopicArn, TargetArn: topic.TopicArn, Message: aws.String("x")}, "InvalidParameter"},
		{"phone", &sns.PublishInput{PhoneNumber: aws.String("+15555550100"), Message: aws.String("x")}, "InvalidParameter"},
		{"empty message", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("")}, "InvalidParameter"},
		{"too long", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(strings.Repeat("x", 262145))}, "InvalidParameter"},
		{"too long with attributes", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(strings.Repeat("x", 262100)),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": str(strings.Repeat("y", 100))}}, "InvalidParameter"},
		{"long subject", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 101))}, "InvalidParameter"},
		{"subject with newline", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"), Subject: aws.String("a\nb")}, "InvalidParameter"},
		{"bad structure", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"), MessageStructure: aws.String("xml")}, "InvalidParameter"},
		{"json not parsing", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("{"), MessageStructure: aws.String("json")}, "InvalidParameter"},
		{"json without default", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"sqs":"x"}`), MessageStructure: aws.String("json")}, "InvalidParameter"},
		{"bad number", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("12abc")}}}, "ParameterValueInvalid"},
		{"bad type", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Integer"), StringValue: aws.String("1")}}}, "ParameterValueInvalid"},
		{"empty value", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("String"), StringValue: aws.String("")}}}, "ParameterValueInvalid"},
		{"reserved name", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"AWS.x": str("1")}}, "ParameterValueInvalid"},
		{"bad array", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String.Array"), StringValue: aws.String("[1,")}}}, "ParameterValueInvalid"},
		{"dedup on standard", &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "InvalidParameter"},
		{"fifo without group", &sns.PublishInput{TopicArn: fifo.TopicArn, Message: aws.String("x"), MessageDeduplicationId: aws.String("d")}, "InvalidParameter"},
		{"fifo without dedup", &sns.PublishInput{TopicArn: fifo.TopicArn, Message: aws.String("x"), MessageGroupId: aws.String("g")}, "InvalidParameter"},
		{"missing topic", &sns.PublishInput{TopicArn: aws.String(strings.Replace(aws.ToString(topic.TopicArn), ":v", ":nope", 1)), Message: aws.String("x")}, "NotFound"},
	} {
		_, err := c.Publish(ctx, tc.in)
		wantCode(t, tc.name, err, tc.code)
	}

	// FIFO: sequence numbers grow; a repeated deduplication ID answers the
	// first message.
	first, err := c.Publish(ctx, &sns.PublishInput{TopicArn: fifo.TopicArn, Message: aws.String("a"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Publish(ctx, &sns.PublishInput{TopicArn: fifo.TopicArn, Message: aws.String("b"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d2")})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := c.Publish(ctx, &sns.PublishInput{TopicArn: fifo.TopicArn, Message: aws.String("a"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(first.SequenceNumber) >= aws.ToString(second.SequenceNumber) || len(aws.ToString(first.SequenceNumber)) != 20 {
		t.Errorf("sequence numbers %s, %s", aws.ToString(first.SequenceNumber), aws.ToString(second.SequenceNumber))
	}
	if aws.ToString(dup.MessageId) != aws.ToString(first.MessageId) || aws.ToString(dup.SequenceNumber) != aws.ToString(first.SequenceNumber) {
		t.Errorf("duplicate answered %v, first was %v", dup, first)
	}

	// PublishBatch: batch-level errors, per-entry failures.
	entry := func(id, msg string) types.PublishBatchRequestEntry {
		return types.PublishBatchRequestEntry{Id: aws.String(id), Message: aws.String(msg)}
	}
	res, err := c.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		entry("ok-1", "one"), entry("bad", ""), entry("ok-2", "two"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Successful) != 2 || len(res.Failed) != 1 || aws.ToString(res.Failed[0].Id) != "bad" || aws.ToString(res.Failed[0].Code) != "InvalidParameter" || !res.Failed[0].SenderFault {
		t.Errorf("PublishBatch = %+v", res)
	}
	var eleven []types.PublishBatchRequestEntry
	for i := range 11 {
		eleven = append(eleven, entry(fmt.Sprint("e", i), "m"))
	}
	for _, tc := range []struct {
		name    string
		entries []types.PublishBatchRequestEntry
		code    string
	}{
		{"empty", []types.PublishBatchRequestEntry{}, "EmptyBatchRequest"},
		{"eleven", eleven, "TooManyEntriesInBatchRequest"},
		{"same ids", []types.PublishBatchRequestEntry{entry("a", "1"), entry("a", "2")}, "BatchEntryIdsNotDistinct"},
		{"bad id", []types.PublishBatchRequestEntry{entry("a b", "1")}, "InvalidBatchEntryId"},
		{"too long", []types.PublishBatchRequestEntry{entry("a", strings.Repeat("x", 200000)), entry("b", strings.Repeat("x", 200000))}, "BatchRequestTooLong"},
	} {
		_, err := c.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: tc.entries})
		wantCode(t, "PublishBatch "+tc.name, err, tc.code)
	}
}
