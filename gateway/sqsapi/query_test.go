package sqsapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stewardhq/steward/protocol/awsquery"
	"github.com/stewardhq/steward/sqs"
)

// Forms as Debian's aws 2.9 (botocore's query serializer) sends them.
const (
	querySendBatch = "Action=SendMessageBatch&Version=2012-11-05&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fq" +
		"&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x" +
		"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Binary" +
		"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue=AAE%3D" +
		"&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Name=AWSTraceHeader" +
		"&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.DataType=String" +
		"&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.StringValue=Root%3D1" +
		"&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y&SendMessageBatchRequestEntry.2.DelaySeconds=5"
	queryCreate  = "Action=CreateQueue&Version=2012-11-05&QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&Tag.1.Key=team&Tag.1.Value=ops"
	queryReceive = "Action=ReceiveMessage&Version=2012-11-05&QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=a.*&MessageAttributeName.2=b&MaxNumberOfMessages=10&WaitTimeSeconds=20"
	queryUntag   = "Action=UntagQueue&Version=2012-11-05&QueueUrl=u&TagKey.1=a&TagKey.2=b"
)

// TestQueryNames pins the awsQuery names of the SQS shapes: flattened
// lists and maps named after the old query model's locationNames.
func TestQueryNames(t *testing.T) {
	var b sendMessageBatchInput
	if err := awsquery.Unmarshal(querySendBatch, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Entries) != 2 || b.Entries[0].Id != "a" || string(b.Entries[0].MessageAttributes["n"].BinaryValue) != "\x00\x01" ||
		*b.Entries[0].MessageSystemAttributes["AWSTraceHeader"].StringValue != "Root=1" || *b.Entries[1].DelaySeconds != 5 {
		t.Errorf("SendMessageBatch: %+v", b)
	}
	var c createQueueInput
	if err := awsquery.Unmarshal(queryCreate, &c); err != nil || c.Attributes["VisibilityTimeout"] != "5" || c.Tags["team"] != "ops" {
		t.Errorf("CreateQueue: %+v %v", c, err)
	}
	var r receiveMessageInput
	if err := awsquery.Unmarshal(queryReceive, &r); err != nil || len(r.AttributeNames) != 1 || len(r.MessageAttributeNames) != 2 ||
		*r.MaxNumberOfMessages != 10 || *r.WaitTimeSeconds != 20 {
		t.Errorf("ReceiveMessage: %+v %v", r, err)
	}
	var u untagQueueInput
	if err := awsquery.Unmarshal(queryUntag, &u); err != nil || len(u.TagKeys) != 2 {
		t.Errorf("UntagQueue: %+v %v", u, err)
	}
}

// FuzzQueryInputs decodes arbitrary forms into every SQS input shape and
// converts the message attributes the way a send does: no panic, and the
// attributes survive their canonical encoding.
func FuzzQueryInputs(f *testing.F) {
	for _, s := range []string{querySendBatch, queryCreate, queryReceive, queryUntag,
		"Action=SendMessage&MessageAttribute.1.Name=k&MessageAttribute.1.Value.StringListValue.1=x&MessageAttribute.1.Value.DataType=String"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, form string) {
		for _, in := range []any{&createQueueInput{}, &getQueueURLInput{}, &listQueuesInput{}, &getQueueAttributesInput{},
			&setQueueAttributesInput{}, &tagQueueInput{}, &untagQueueInput{}, &receiveMessageInput{}, &deleteMessageBatchInput{},
			&changeMessageVisibilityBatchInput{}, &changeMessageVisibilityInput{}, &listDeadLetterSourceQueuesInput{}} {
			_ = awsquery.Unmarshal(form, in)
		}
		var s sendMessageInput
		if awsquery.Unmarshal(form, &s) != nil {
			return
		}
		attrs := attributesIn(s.MessageAttributes)
		back, err := sqs.DecodeAttributes(sqs.EncodeAttributes(attrs))
		if err != nil || len(back) != len(attrs) {
			t.Fatalf("%q: attributes %v came back as %v (%v)", form, attrs, back, err)
		}
		for k, v := range attrs {
			b := back[k]
			same := b.DataType == v.DataType
			if strings.HasPrefix(v.DataType, "Binary") {
				same = same && bytes.Equal(b.BinaryValue, v.BinaryValue)
			} else {
				same = same && b.StringValue == v.StringValue
			}
			if !same {
				t.Fatalf("%q: attribute %s: %+v became %+v", form, k, v, b)
			}
		}
	})
}
