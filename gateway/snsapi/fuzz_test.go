package snsapi

import (
	"testing"

	"github.com/stewardhq/steward/protocol/awsquery"
)

// FuzzPublishQuery: any form body decodes into Publish's shape or is
// refused, and its message-attribute map converts without a panic.
func FuzzPublishQuery(f *testing.F) {
	for _, s := range []string{
		"Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&Message=hi" +
			"&MessageAttributes.entry.1.Name=sev&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=high" +
			"&MessageAttributes.entry.2.Name=b&MessageAttributes.entry.2.Value.DataType=Binary&MessageAttributes.entry.2.Value.BinaryValue=AAE%3D",
		"MessageAttributes.entry.1.Name=&MessageAttributes.entry.1.Value.DataType=",
		"MessageAttributes.entry.99999999999.Name=x",
		"MessageAttributes.entry.1.Value.BinaryValue=%%%",
		"PublishBatchRequestEntries.member.1.Id=a&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in publishInput
		if err := awsquery.Unmarshal(body, &in); err == nil {
			attrs := attributesIn(in.MessageAttributes)
			if len(attrs) != len(in.MessageAttributes) {
				t.Fatalf("%d attributes from %d", len(attrs), len(in.MessageAttributes))
			}
		}
		var batch publishBatchInput
		if err := awsquery.Unmarshal(body, &batch); err == nil {
			for _, e := range batch.PublishBatchRequestEntries {
				_ = attributesIn(e.MessageAttributes)
			}
		}
	})
}
