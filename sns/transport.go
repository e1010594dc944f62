package sns

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/stewardhq/steward/mail"
)

// Transports: how one attempt reaches each protocol, and how its failure is
// classified. HTTP/HTTPS (reference D3): POST with AWS's headers, 15-second
// timeout, no redirects followed; 2xx succeeds, 429 and 5xx (and network
// failures, timeouts) are retried, any other status is a client-side error
// that is not retried ("Amazon SNS considers all 5XX errors and 429 errors
// as retryable"). SQS: a queue that does not exist is a client-side error.
// Email: a permanent SMTP refusal (mail.IsPermanent) is not retried.

// httpTimeout is AWS's delivery timeout for HTTP/HTTPS endpoints.
const httpTimeout = 15 * time.Second

// userAgent is what AWS's deliveries send.
const userAgent = "Amazon Simple Notification Service Agent"

// permanentError marks a failure that retrying will not fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (QueueSender uses it for a
// queue that does not exist).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

func newHTTPClient(tlsCfg *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tlsCfg != nil {
		tr.TLSClientConfig = tlsCfg.Clone()
	}
	tr.MaxIdleConnsPerHost = 16
	tr.DialContext = (&net.Dialer{Timeout: httpTimeout, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{
		Transport:     tr,
		Timeout:       httpTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// rendered is what one attempt sends.
type rendered struct {
	msgType string
	msgID   string
	body    string // the HTTP/SQS body, or the mail text
	subject string // mail
	raw     bool
}

// render builds the job's message for its protocol.
func (t *Topics) render(j *job) (rendered, error) {
	sub, topic := j.sub, j.topic
	version := topicAttrValue(topic, AttrSignatureVersion)
	email := sub.Protocol == ProtocolEmail
	r := rendered{msgType: j.d.Kind, msgID: j.d.MessageID}
	env := &envelope{
		Type: j.d.Kind, MessageID: j.d.MessageID, TopicARN: topic.ARN, Timestamp: Timestamp(j.d.CreatedAt),
		SignatureVersion: version, SigningCertURL: t.certURL(),
	}
	switch j.d.Kind {
	case TypeNotification:
		msg := j.msg
		body := bodyFor(msg, j.bodies, sub.Protocol)
		if email {
			r.subject = msg.Subject
			if r.subject == "" {
				r.subject = DefaultEmailSubject
			}
			r.body = t.notificationMail(sub, body)
			return r, nil
		}
		if sub.Attributes[AttrRawMessageDelivery] == "true" {
			r.body, r.raw = body, true
			return r, nil
		}
		env.SequenceNumber, env.Subject, env.Message = msg.SequenceNumber, msg.Subject, body
		env.UnsubscribeURL = t.unsubscribeURL(sub)
		if msg.Structure != "json" {
			env.Attributes = msg.Attributes
		}
	case TypeSubscriptionConfirmation:
		if email {
			r.subject, r.body = ConfirmationSubject, t.confirmationMail(sub)
			return r, nil
		}
		env.Token, env.Message, env.SubscribeURL = sub.Token, confirmationMessage(topic.ARN), t.subscribeURL(topic.ARN, sub.Token)
	case TypeUnsubscribeConfirmation:
		env.Token, env.Message, env.SubscribeURL = sub.Token, unsubscribeMessage(sub.ARN), t.subscribeURL(topic.ARN, sub.Token)
	default:
		return r, Permanent(fmt.Errorf("unknown delivery kind %q", j.d.Kind))
	}
	sig, err := j.sigs.get(version+"\x00"+env.Message, func() (string, error) {
		return t.signer.sign(version, StringToSign(env.signedFields()))
	})
	if err != nil {
		return r, err
	}
	env.Signature = sig
	r.body = string(env.JSON())
	if sub.Protocol == ProtocolEmailJSON {
		r.subject = DefaultEmailSubject
		if j.d.Kind == TypeNotification && j.msg.Subject != "" {
			r.subject = j.msg.Subject
		} else if j.d.Kind == TypeSubscriptionConfirmation {
			r.subject = ConfirmationSubject
		}
	}
	return r, nil
}

// attempt makes one delivery attempt.
func (t *Topics) attempt(ctx context.Context, j *job, contentType string) error {
	r, err := t.render(j)
	if err != nil {
		return err
	}
	switch j.sub.Protocol {
	case ProtocolHTTP, ProtocolHTTPS:
		return t.post(ctx, j, r, contentType)
	case ProtocolSQS:
		if t.opts.Queues == nil {
			return errors.New("no SQS service to deliver to")
		}
		m := QueueMessage{Body: r.body}
		if j.msg != nil && j.topic.Fifo {
			m.GroupID, m.DeduplicationID = j.msg.GroupID, j.msg.DeduplicationID
		} else if j.msg != nil {
			m.GroupID = j.msg.GroupID
		}
		if r.raw {
			m.Attributes = firstAttributes(j.msg.Attributes)
		}
		_, err := t.opts.Queues.SendToQueue(ctx, j.sub.Endpoint, m)
		return err
	case ProtocolEmail, ProtocolEmailJSON:
		if t.opts.Mailer == nil {
			return errors.New("no mailer configured")
		}
		err := t.opts.Mailer.Send(ctx, mail.Message{To: []string{j.sub.Endpoint}, Subject: r.subject, Text: r.body})
		if err != nil && mail.IsPermanent(err) {
			return Permanent(err)
		}
		return err
	}
	return Permanent(fmt.Errorf("protocol %q is not delivered", j.sub.Protocol))
}

// firstAttributes keeps the first 10 attributes (SQS's limit) by name.
func firstAttributes(attrs []MessageAttribute) []MessageAttribute {
	if len(attrs) > 10 {
		return attrs[:10]
	}
	return attrs
}

// post delivers to an HTTP/HTTPS endpoint.
func (t *Topics) post(ctx context.Context, j *job, r rendered, contentType string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.sub.Endpoint, strings.NewReader(r.body))
	if err != nil {
		return Permanent(err)
	}
	h := req.Header
	h.Set("Content-Type", contentType)
	h.Set("User-Agent", userAgent)
	h.Set("x-amz-sns-message-type", r.msgType)
	h.Set("x-amz-sns-message-id", r.msgID)
	h.Set("x-amz-sns-topic-arn", j.topic.ARN)
	h.Set("x-amz-sns-subscription-arn", j.sub.ARN)
	if r.raw {
		h.Set("x-amz-sns-rawdelivery", "true")
	}
	resp, err := t.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return Permanent(fmt.Errorf("endpoint answered %s", resp.Status))
}

// deadLetter sends a message that could not be delivered to the
// subscription's dead-letter queue: the body the subscriber would have
// received (the JSON envelope; the raw message, with its attributes, for
// raw delivery; the envelope for email subscriptions).
func (t *Topics) deadLetter(ctx context.Context, j *job, queueARN string) error {
	if t.opts.Queues == nil {
		return errors.New("no SQS service to dead-letter to")
	}
	dj := *j
	raw := j.sub.Attributes[AttrRawMessageDelivery] == "true"
	if j.sub.Protocol == ProtocolEmail {
		s := *j.sub
		s.Protocol = ProtocolEmailJSON
		dj.sub = &s
	}
	r, err := t.render(&dj)
	if err != nil {
		return err
	}
	m := QueueMessage{Body: r.body}
	if raw && j.msg != nil {
		m.Attributes = firstAttributes(j.msg.Attributes)
	}
	if j.topic.Fifo && j.msg != nil {
		m.GroupID, m.DeduplicationID = j.msg.GroupID, j.msg.DeduplicationID
	}
	_, err = t.opts.Queues.SendToQueue(ctx, queueARN, m)
	return err
}
