package sns

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRetrySchedules(t *testing.T) {
	tests := []struct {
		name     string
		p        retryPolicy
		attempts int           // total attempts (first + retries)
		first    []float64     // the first delays, seconds
		total    time.Duration // sum of delays, approximately
		slack    time.Duration
	}{
		{"HTTP default: 3 retries 20 s apart", defaultHTTPPolicy, 4, []float64{20, 20, 20}, 60 * time.Second, 0},
		{"SQS: AWS-managed", managedPolicy, 100015, []float64{0, 0, 0, 1, 1}, 23 * 24 * time.Hour, 24 * time.Hour},
		{"email: SMTP", smtpPolicy, 50, []float64{10, 10}, 6*time.Hour + 30*time.Minute, 30 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.NumRetries + 1; got != tc.attempts {
				t.Errorf("%d attempts, want %d", got, tc.attempts)
			}
			for i, want := range tc.first {
				d, ok := tc.p.delay(i + 1)
				if !ok || d != time.Duration(want*float64(time.Second)) {
					t.Errorf("retry %d after %v (%v), want %vs", i+1, d, ok, want)
				}
			}
			if _, ok := tc.p.delay(tc.p.NumRetries + 1); ok {
				t.Error("a retry past NumRetries")
			}
			if tc.p.NumRetries < 1000 {
				if got := tc.p.total(); got < tc.total-tc.slack || got > tc.total+tc.slack {
					t.Errorf("total %v, want %v ± %v", got, tc.total, tc.slack)
				}
			}
		})
	}
	// Backoff phases grow from min to max and never exceed it.
	for _, fn := range []string{"linear", "arithmetic", "geometric", "exponential"} {
		p := retryPolicy{MinDelay: 2, MaxDelay: 40, NumRetries: 12, NoDelay: 1, MinDelayRetries: 1, MaxDelays: 2, Backoff: fn}
		prev := time.Duration(-1)
		for n := 1; n <= p.NumRetries; n++ {
			d, _ := p.delay(n)
			if d < prev || d > 40*time.Second {
				t.Errorf("%s: retry %d after %v (previous %v)", fn, n, d, prev)
			}
			prev = d
		}
		if d, _ := p.delay(1); d != 0 {
			t.Errorf("%s: the no-delay retry waits %v", fn, d)
		}
		if d, _ := p.delay(10); d != 40*time.Second {
			t.Errorf("%s: the last backoff retry waits %v", fn, d)
		}
	}
}

func TestDeliveryPolicies(t *testing.T) {
	valid := []string{
		`{}`,
		`{"healthyRetryPolicy":{"numRetries":5}}`,
		`{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":3,"numNoDelayRetries":3,"backoffFunction":"exponential"},"throttlePolicy":{"maxReceivesPerSecond":10},"requestPolicy":{"headerContentType":"application/json"}}`,
	}
	for _, src := range valid {
		if _, err := parseSubDeliveryPolicy(src); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
	invalid := []string{
		``, `[]`, `{"healthyRetryPolicy":{"numRetries":101}}`, `{"healthyRetryPolicy":{"numRetries":1.5}}`,
		`{"healthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":20}}`,
		`{"healthyRetryPolicy":{"numRetries":2,"numNoDelayRetries":3}}`,
		`{"healthyRetryPolicy":{"backoffFunction":"random"}}`,
		`{"healthyRetryPolicy":{"minDelayTarget":3600,"maxDelayTarget":3600,"numRetries":2}}`,
		`{"throttlePolicy":{"maxReceivesPerSecond":0}}`,
		`{"requestPolicy":{"headerContentType":"text/html"}}`,
		`{} {}`,
	}
	for _, src := range invalid {
		if _, err := parseSubDeliveryPolicy(src); err == nil {
			t.Errorf("%s accepted", src)
		}
	}
	// Subscription overrides topic defaults, unless the topic disables them.
	topic := `{"http":{"defaultHealthyRetryPolicy":{"numRetries":7,"minDelayTarget":1,"maxDelayTarget":2},"defaultRequestPolicy":{"headerContentType":"application/json"}}}`
	if d := resolveHTTP(topic, `{"healthyRetryPolicy":{"numRetries":1}}`); d.retry.NumRetries != 1 || d.retry.MinDelay != 1 || d.contentType != "application/json" {
		t.Errorf("override: %+v", d)
	}
	locked := strings.Replace(topic, `"http":{`, `"http":{"disableSubscriptionOverrides":true,`, 1)
	if d := resolveHTTP(locked, `{"healthyRetryPolicy":{"numRetries":1}}`); d.retry.NumRetries != 7 {
		t.Errorf("overrides disabled: %+v", d)
	}
	var eff map[string]any
	if err := json.Unmarshal([]byte(effectiveSubDeliveryPolicy("", "")), &eff); err != nil || eff["guaranteed"] != false {
		t.Errorf("effective policy %v %v", eff, err)
	}
}

func TestStringToSign(t *testing.T) {
	n := map[string]string{"Type": "Notification", "MessageId": "id", "TopicArn": "arn", "Message": "m", "Timestamp": "ts", "Subject": "s"}
	if got := string(StringToSign(n)); got != "Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n" {
		t.Errorf("notification: %q", got)
	}
	delete(n, "Subject")
	if got := string(StringToSign(n)); got != "Message\nm\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n" {
		t.Errorf("notification without subject: %q", got)
	}
	c := map[string]string{"Type": "SubscriptionConfirmation", "MessageId": "id", "TopicArn": "arn", "Message": "m", "Timestamp": "ts", "Token": "tok", "SubscribeURL": "u"}
	if got := string(StringToSign(c)); got != "Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n" {
		t.Errorf("confirmation: %q", got)
	}
}

func TestEnvelopeJSON(t *testing.T) {
	e := &envelope{
		Type: "Notification", MessageID: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", TopicARN: "arn:aws:sns:us-west-2:123456789012:MyTopic",
		Subject: "My First Message", Message: "Hello <world> & 世界", Timestamp: "2012-05-02T00:54:06.655Z", SignatureVersion: "1",
		Signature: "EXAMPLE==", SigningCertURL: "http://h/_steward/sns/SimpleNotificationService-abc.pem", UnsubscribeURL: "http://h/u",
		Attributes: []MessageAttribute{{Name: "a", DataType: "String", StringValue: "v"}, {Name: "b", DataType: "Binary", BinaryValue: []byte("hi")}},
	}
	want := `{
  "Type" : "Notification",
  "MessageId" : "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
  "TopicArn" : "arn:aws:sns:us-west-2:123456789012:MyTopic",
  "Subject" : "My First Message",
  "Message" : "Hello <world> & 世界",
  "Timestamp" : "2012-05-02T00:54:06.655Z",
  "SignatureVersion" : "1",
  "Signature" : "EXAMPLE==",
  "SigningCertURL" : "http://h/_steward/sns/SimpleNotificationService-abc.pem",
  "UnsubscribeURL" : "http://h/u",
  "MessageAttributes" : {
    "a" : {"Type":"String","Value":"v"},
    "b" : {"Type":"Binary","Value":"aGk="}
  }
}`
	if got := string(e.JSON()); got != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", got, want)
	}
	if !json.Valid(e.JSON()) {
		t.Error("not valid JSON")
	}
}

func TestMessageAttributes(t *testing.T) {
	ok := []MessageAttribute{
		{Name: "a.b-c_d", DataType: "String", StringValue: "x"},
		{Name: "n", DataType: "Number", StringValue: "-1.5E+3"},
		{Name: "arr", DataType: "String.Array", StringValue: `["a",1,null]`},
		{Name: "bin", DataType: "Binary.custom", BinaryValue: []byte{1}},
	}
	sortAttributes(ok)
	if _, err := checkAttributes(ok); err != nil {
		t.Fatal(err)
	}
	doc := AttributeDocument(ok)
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil || len(m) != 3 || m["n"] != -1500.0 {
		t.Errorf("attribute document %s: %v", doc, err)
	}
	for _, bad := range []MessageAttribute{
		{Name: "", DataType: "String", StringValue: "x"},
		{Name: ".a", DataType: "String", StringValue: "x"},
		{Name: "a..b", DataType: "String", StringValue: "x"},
		{Name: "aws.x", DataType: "String", StringValue: "x"},
		{Name: "a b", DataType: "String", StringValue: "x"},
		{Name: "a", DataType: "Integer", StringValue: "1"},
		{Name: "a", DataType: "String", StringValue: ""},
		{Name: "a", DataType: "Number", StringValue: "0x10"},
		{Name: "a", DataType: "Number", StringValue: "NaN"},
		{Name: "a", DataType: "String.Array", StringValue: `{"a":1}`},
		{Name: "a", DataType: "Binary"},
		{Name: "a", DataType: "String", StringValue: "bell\x07"},
	} {
		if _, err := checkAttributes([]MessageAttribute{bad}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestMessageStructure(t *testing.T) {
	m, err := ParseMessageStructure(`{"default":"d","sqs":"q","email-json":"ej"}`)
	if err != nil || m["sqs"] != "q" {
		t.Fatalf("%v %v", m, err)
	}
	rec := &MessageRecord{Body: `{"default":"d","sqs":"q"}`, Structure: "json"}
	if bodyFor(rec, nil, ProtocolSQS) != "q" || bodyFor(rec, nil, ProtocolHTTP) != "d" {
		t.Error("bodyFor")
	}
	for _, bad := range []string{``, `null`, `[]`, `{"sqs":"q"}`, `{"default":1}`, `{"default":"d","sqs":{"x":1}}`, `{"default":"d"`} {
		if _, err := ParseMessageStructure(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestLinks(t *testing.T) {
	if got := linkEscape("arn:aws:sns:us-east-1:000000000000:t"); got != "arn:aws:sns:us-east-1:000000000000:t" {
		t.Errorf("ARN escaped to %s", got)
	}
	if got := linkEscape("a+b@example.com&x"); got != "a%2Bb@example.com%26x" {
		t.Errorf("email escaped to %s", got)
	}
}
