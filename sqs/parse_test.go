package sqs

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestMD5OfAttributesAWSVector checks the digests against a message
// received from AWS itself (body "foobar2", one String attribute; SenderId
// of a botocore session), as recorded in a public consumer's test fixture:
// MD5OfBody cbac77acf401ef89c3297bd9fc41ec0b, MD5OfMessageAttributes
// 9fd5e217089075be61cd1d67e35e5117.
func TestMD5OfAttributesAWSVector(t *testing.T) {
	attrs := map[string]MessageAttributeValue{"AtTimestamp": {DataType: "String", StringValue: "2021-02-15T12:00:33+09:00"}}
	if got := MD5OfAttributes(attrs); got != "9fd5e217089075be61cd1d67e35e5117" {
		t.Errorf("MD5OfMessageAttributes %s", got)
	}
	if got := MD5OfBody("foobar2"); got != "cbac77acf401ef89c3297bd9fc41ec0b" {
		t.Errorf("MD5OfBody %s", got)
	}
}

func TestAttributeEncoding(t *testing.T) {
	attrs := map[string]MessageAttributeValue{
		"b":      {DataType: "Binary.gif", BinaryValue: []byte{0, 1, 2}},
		"a":      {DataType: "Number", StringValue: "1.5"},
		"app.x":  {DataType: "String", StringValue: "x"},
		"app.y":  {DataType: "String", StringValue: "y"},
		"apple":  {DataType: "String", StringValue: "z"},
		"z.last": {DataType: "String.custom", StringValue: "ü"},
	}
	enc := EncodeAttributes(attrs)
	// Name order: a, app.x, app.y, apple, b, z.last; the first is "a".
	if !bytes.HasPrefix(enc, []byte{0, 0, 0, 1, 'a', 0, 0, 0, 6, 'N', 'u', 'm', 'b', 'e', 'r', 1, 0, 0, 0, 3, '1', '.', '5'}) {
		t.Errorf("encoding starts %v", enc[:24])
	}
	back, err := DecodeAttributes(enc)
	if err != nil || !reflect.DeepEqual(back, attrs) {
		t.Errorf("round trip: %v %v", back, err)
	}
	for _, tc := range []struct {
		names []string
		want  []string
	}{
		{[]string{"All"}, []string{"a", "app.x", "app.y", "apple", "b", "z.last"}},
		{[]string{".*"}, []string{"a", "app.x", "app.y", "apple", "b", "z.last"}},
		{[]string{"app.*"}, []string{"app.x", "app.y"}},
		{[]string{"b", "nope", "z.*"}, []string{"b", "z.last"}},
		{nil, nil},
	} {
		sel := selectAttributes(enc, tc.names)
		got, _ := DecodeAttributes(sel)
		var names []string
		for n := range got {
			names = append(names, n)
		}
		sub := map[string]MessageAttributeValue{}
		for _, n := range tc.want {
			sub[n] = attrs[n]
		}
		if len(got) != len(tc.want) || len(tc.want) > 0 && MD5Hex(sel) != MD5OfAttributes(sub) {
			t.Errorf("select %v: %v", tc.names, names)
		}
	}
}

func TestAttributeRules(t *testing.T) {
	ok := []map[string]MessageAttributeValue{
		{"a.b-c_d": {DataType: "String", StringValue: "x"}},
		{"n": {DataType: "Number", StringValue: "-1.5e-3"}},
		{"n": {DataType: "Number.int", StringValue: "12345678901234567890123456789012345678"}},
		{"b": {DataType: "Binary", BinaryValue: []byte{0}}},
	}
	for _, a := range ok {
		if err := checkAttributes(a, false); err != nil {
			t.Errorf("%v: %v", a, err)
		}
	}
	bad := []map[string]MessageAttributeValue{
		{"": {DataType: "String", StringValue: "x"}},
		{".a": {DataType: "String", StringValue: "x"}},
		{"a..b": {DataType: "String", StringValue: "x"}},
		{"AWS.x": {DataType: "String", StringValue: "x"}},
		{"amazon.x": {DataType: "String", StringValue: "x"}},
		{"sp ace": {DataType: "String", StringValue: "x"}},
		{"a": {DataType: "", StringValue: "x"}},
		{"a": {DataType: "Text", StringValue: "x"}},
		{"a": {DataType: "String"}},
		{"a": {DataType: "Number", StringValue: "1e"}},
		{"a": {DataType: "Number", StringValue: "0x10"}},
		{"a": {DataType: "Number", StringValue: "123456789012345678901234567890123456789"}},
		{"a": {DataType: "Number", StringValue: "1e127"}},
		{"a": {DataType: "Binary"}},
		{"a": {DataType: "Binary", BinaryValue: []byte{1}, StringValue: "x"}},
		{"a": {DataType: "String", StringValue: "\x01"}},
		{"a": {DataType: "String", StringValue: "x", StringListValues: []string{"y"}}},
	}
	for _, a := range bad {
		if err := checkAttributes(a, false); err == nil {
			t.Errorf("%v accepted", a)
		}
	}
	many := map[string]MessageAttributeValue{}
	for i := range 11 {
		many[string(rune('a'+i))] = MessageAttributeValue{DataType: "String", StringValue: "x"}
	}
	if checkAttributes(many, false) == nil {
		t.Errorf("11 attributes accepted")
	}
	if checkAttributes(map[string]MessageAttributeValue{"AWSTraceHeader": {DataType: "String", StringValue: "Root=1"}}, true) != nil ||
		checkAttributes(map[string]MessageAttributeValue{"Other": {DataType: "String", StringValue: "x"}}, true) == nil {
		t.Errorf("system attribute rules")
	}
}

func TestValidText(t *testing.T) {
	for s, want := range map[string]bool{
		"plain\t\r\n": true, "é😀": true, "\ue000\ufffd": true,
		"\x00": false, "\x1f": false, "\xff": false, "\uffff": false, "\ufffe": false, string([]byte{0xed, 0xa0, 0x80}): false,
	} {
		if validText(s) != want {
			t.Errorf("validText(%q) = %v", s, !want)
		}
	}
}

func TestReceiptRoundTrip(t *testing.T) {
	ref := MessageRef{QueueID: 1 << 60, RowID: 42, MessageID: uuid.NewString(), ReceiveCount: 3}
	h := EncodeReceipt(ref)
	got, ok := ParseReceipt(h)
	if !ok || got != ref {
		t.Errorf("round trip %+v %v", got, ok)
	}
	for _, bad := range []string{"", "x", h[:len(h)-1], h + "A", strings.Repeat("A", len(h)), "!" + h[1:]} {
		if _, ok := ParseReceipt(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestRedrivePolicyParsing(t *testing.T) {
	const arn = "arn:aws:sqs:us-east-1:000000000000:dlq"
	for in, want := range map[string]string{
		`{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":5}`:      `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":5}`,
		`{"maxReceiveCount":"10","deadLetterTargetArn":"` + arn + `"}`:   `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":10}`,
		` { "deadLetterTargetArn" : "` + arn + `", "maxReceiveCount":1}`: `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":1}`,
	} {
		p, err := ParseRedrivePolicy(in)
		if err != nil || p.String() != want {
			t.Errorf("%s: %v %v", in, p, err)
		}
	}
	for _, bad := range []string{"", "{}", "[]", "null", `{"deadLetterTargetArn":"` + arn + `"}`, `{"maxReceiveCount":5}`,
		`{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":0}`, `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":1001}`,
		`{"deadLetterTargetArn":"nope","maxReceiveCount":5}`, `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":5,"x":1}`,
		`{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":5} {}`} {
		if _, err := ParseRedrivePolicy(bad); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	p, err := ParseRedriveAllowPolicy(`{"redrivePermission":"byQueue","sourceQueueArns":["` + arn + `"]}`)
	if err != nil || !p.Allows(arn) || p.Allows(arn+"x") {
		t.Errorf("byQueue: %v %v", p, err)
	}
	for _, bad := range []string{`{"redrivePermission":"byQueue"}`, `{"redrivePermission":"allowAll","sourceQueueArns":["` + arn + `"]}`,
		`{"redrivePermission":"maybe"}`, `{}`} {
		if _, err := ParseRedriveAllowPolicy(bad); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzDecodeAttributes(f *testing.F) {
	f.Add(EncodeAttributes(map[string]MessageAttributeValue{"a": {DataType: "String", StringValue: "x"}, "b": {DataType: "Binary", BinaryValue: []byte{1}}}))
	f.Add([]byte{0, 0, 0, 1})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, err := DecodeAttributes(b)
		if err != nil {
			return
		}
		again, err := DecodeAttributes(EncodeAttributes(attrs))
		if err != nil || len(again) != len(attrs) {
			t.Fatalf("re-encoding changed %v into %v (%v)", attrs, again, err)
		}
		_ = selectAttributes(b, []string{"a", "x.*"})
	})
}

func FuzzParseReceipt(f *testing.F) {
	f.Add(EncodeReceipt(MessageRef{QueueID: 7, RowID: 9, MessageID: uuid.NewString(), ReceiveCount: 1}))
	f.Add("")
	f.Add("cgEAAAAAAAAAAQ")
	f.Fuzz(func(t *testing.T, h string) {
		ref, ok := ParseReceipt(h)
		if ok && EncodeReceipt(ref) != h {
			t.Fatalf("%q parsed to %+v, which encodes differently", h, ref)
		}
	})
}

func FuzzRedrivePolicy(f *testing.F) {
	f.Add(`{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"5"}`)
	f.Add(`{"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:000000000000:a"]}`)
	f.Add(`{"maxReceiveCount":1e3}`)
	f.Fuzz(func(t *testing.T, v string) {
		if p, err := ParseRedrivePolicy(v); err == nil {
			again, err := ParseRedrivePolicy(p.String())
			if err != nil || *again != *p {
				t.Fatalf("%s: normalized %s does not parse back (%v)", v, p, err)
			}
		}
		if p, err := ParseRedriveAllowPolicy(v); err == nil {
			if _, err := ParseRedriveAllowPolicy(p.String()); err != nil {
				t.Fatalf("%s: normalized %s does not parse back (%v)", v, p, err)
			}
		}
	})
}

func FuzzQueueURLAndARN(f *testing.F) {
	f.Add("http://127.0.0.1:4580/000000000000/orders")
	f.Add("arn:aws:sqs:us-east-1:000000000000:orders.fifo")
	f.Add("/000000000000/x?y#z")
	f.Fuzz(func(t *testing.T, s string) {
		if a, n, ok := ParseQueueURL(s); ok {
			if a2, n2, ok := ParseQueueURL("/" + a + "/" + n); !ok || a2 != a || n2 != n {
				t.Fatalf("%q: %s %s does not round trip", s, a, n)
			}
		}
		if a, n, ok := ParseQueueARN(s); ok {
			if a2, n2, ok := ParseQueueARN("arn:aws:sqs:r:" + a + ":" + n); !ok || a2 != a || n2 != n {
				t.Fatalf("%q: %s %s does not round trip", s, a, n)
			}
		}
		_ = checkQueueName(s)
		_ = validText(s)
		_ = validNumber(s)
	})
}
