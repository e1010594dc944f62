package sns

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// The JSON envelope (reference D3) that HTTP/HTTPS endpoints, non-raw SQS
// subscriptions and email-json addresses receive, printed as AWS prints it
// ("Key" : "value" lines, two-space indent, members in AWS's order), and the
// links it carries. Every link is served unauthenticated under LinkPath on
// the server's public URL:
//
//	SigningCertURL  LinkPath + SimpleNotificationService-<key id>.pem
//	SubscribeURL    LinkPath + ?Action=ConfirmSubscription&TopicArn=…&Token=…
//	UnsubscribeURL  LinkPath + ?Action=Unsubscribe&SubscriptionArn=…&Token=…
//
// AWS's UnsubscribeURL carries only the subscription ARN; Steward's adds a
// per-subscription token so that knowing an ARN is not enough to unsubscribe.
// Mail links use the pages confirmation.html and unsubscribe.html there.

// LinkPath is where the unauthenticated SNS links are served.
const LinkPath = "/_steward/sns/"

// CertFile returns the certificate file name of a signing key ID.
func CertFile(keyID string) string { return "SimpleNotificationService-" + keyID + ".pem" }

// envelope is one message as SNS delivers it.
type envelope struct {
	Type             string
	MessageID        string
	SequenceNumber   string
	Token            string
	TopicARN         string
	Subject          string
	Message          string
	SubscribeURL     string
	Timestamp        string
	SignatureVersion string
	Signature        string
	SigningCertURL   string
	UnsubscribeURL   string
	Attributes       []MessageAttribute
}

// Timestamp formats envelope times: 2026-01-21T10:15:41.123Z.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// StringToSign is what the signature covers: "Key\nvalue\n" pairs in AWS's
// fixed order — Notification: Message, MessageId, Subject (when present),
// Timestamp, TopicArn, Type; SubscriptionConfirmation and
// UnsubscribeConfirmation: Message, MessageId, SubscribeURL, Timestamp,
// Token, TopicArn, Type.
func StringToSign(m map[string]string) []byte {
	var b bytes.Buffer
	add := func(k string) {
		b.WriteString(k)
		b.WriteByte('\n')
		b.WriteString(m[k])
		b.WriteByte('\n')
	}
	add("Message")
	add("MessageId")
	if m["Type"] == TypeNotification {
		if _, ok := m["Subject"]; ok {
			add("Subject")
		}
		add("Timestamp")
	} else {
		add("SubscribeURL")
		add("Timestamp")
		add("Token")
	}
	add("TopicArn")
	add("Type")
	return b.Bytes()
}

// signedFields are the envelope's fields the signature covers.
func (e *envelope) signedFields() map[string]string {
	m := map[string]string{"Type": e.Type, "MessageId": e.MessageID, "TopicArn": e.TopicARN, "Message": e.Message, "Timestamp": e.Timestamp}
	if e.Type == TypeNotification {
		if e.Subject != "" {
			m["Subject"] = e.Subject
		}
	} else {
		m["SubscribeURL"], m["Token"] = e.SubscribeURL, e.Token
	}
	return m
}

// JSON prints the envelope.
func (e *envelope) JSON() []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	first := true
	field := func(k, v string, always bool) {
		if v == "" && !always {
			return
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.WriteString(`  "`)
		b.WriteString(k)
		b.WriteString(`" : `)
		b.Write(jsonString(v))
	}
	field("Type", e.Type, true)
	field("MessageId", e.MessageID, true)
	field("SequenceNumber", e.SequenceNumber, false)
	field("Token", e.Token, false)
	field("TopicArn", e.TopicARN, true)
	field("Subject", e.Subject, false)
	field("Message", e.Message, true)
	field("SubscribeURL", e.SubscribeURL, false)
	field("Timestamp", e.Timestamp, true)
	field("SignatureVersion", e.SignatureVersion, false)
	field("Signature", e.Signature, false)
	field("SigningCertURL", e.SigningCertURL, false)
	field("UnsubscribeURL", e.UnsubscribeURL, false)
	if len(e.Attributes) > 0 {
		b.WriteString(",\n  \"MessageAttributes\" : {\n")
		for i, a := range e.Attributes {
			if i > 0 {
				b.WriteString(",\n")
			}
			v := a.StringValue
			if strings.HasPrefix(a.DataType, "Binary") {
				v = base64.StdEncoding.EncodeToString(a.BinaryValue)
			}
			b.WriteString("    ")
			b.Write(jsonString(a.Name))
			b.WriteString(` : {"Type":`)
			b.Write(jsonString(a.DataType))
			b.WriteString(`,"Value":`)
			b.Write(jsonString(v))
			b.WriteString("}")
		}
		b.WriteString("\n  }")
	}
	b.WriteString("\n}")
	return b.Bytes()
}

// jsonString encodes s as a JSON string without HTML escaping (AWS keeps
// <, > and & as they are) and with UTF-8 kept as is.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// linkEscape escapes a query value the way AWS's links read: ARNs, tokens
// and email addresses stay legible (':' and '@' are not escaped).
func linkEscape(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("%3A", ":", "%40", "@").Replace(e)
}

func (t *Topics) certURL() string {
	return t.publicURL() + LinkPath + CertFile(t.signer.keyID())
}

func (t *Topics) subscribeURL(topicARN, token string) string {
	return t.publicURL() + LinkPath + "?Action=ConfirmSubscription&TopicArn=" + linkEscape(topicARN) + "&Token=" + linkEscape(token)
}

func (t *Topics) unsubscribeURL(sub *SubscriptionRecord) string {
	return t.publicURL() + LinkPath + "?Action=Unsubscribe&SubscriptionArn=" + linkEscape(sub.ARN) + "&Token=" + linkEscape(sub.UnsubscribeToken)
}

func (t *Topics) mailConfirmURL(sub *SubscriptionRecord) string {
	return t.publicURL() + LinkPath + "confirmation.html?TopicArn=" + linkEscape(sub.TopicARN) + "&Token=" + linkEscape(sub.Token) + "&Endpoint=" + linkEscape(sub.Endpoint)
}

func (t *Topics) mailUnsubscribeURL(sub *SubscriptionRecord) string {
	return t.publicURL() + LinkPath + "unsubscribe.html?SubscriptionArn=" + linkEscape(sub.ARN) + "&Endpoint=" + linkEscape(sub.Endpoint) + "&Token=" + linkEscape(sub.UnsubscribeToken)
}

// Texts of AWS's confirmation messages and mails.

func confirmationMessage(topicARN string) string {
	return "You have chosen to subscribe to the topic " + topicARN + ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
}

func unsubscribeMessage(subARN string) string {
	return "You have chosen to deactivate subscription " + subARN + ".\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
}

// Mail subjects.
const (
	ConfirmationSubject   = "AWS Notification - Subscription Confirmation"
	DefaultEmailSubject   = "AWS Notification Message"
	unsubscribeMailFooter = "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n"
	doNotReply            = "\n\nPlease do not reply directly to this email.\n"
)

func (t *Topics) confirmationMail(sub *SubscriptionRecord) string {
	return "You have chosen to subscribe to the topic:\n" + sub.TopicARN +
		"\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n" +
		t.mailConfirmURL(sub) + doNotReply
}

func (t *Topics) notificationMail(sub *SubscriptionRecord, body string) string {
	return body + unsubscribeMailFooter + t.mailUnsubscribeURL(sub) + doNotReply
}
