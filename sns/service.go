package sns

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/mail"
)

// QueueSender sends a message to an SQS queue named by its ARN (the SQS
// domain, adapted by the server). An error wrapped with Permanent (the queue
// does not exist) is not retried.
type QueueSender interface {
	SendToQueue(ctx context.Context, queueARN string, m QueueMessage) (messageID string, err error)
}

// QueueMessage is what SNS hands to SQS.
type QueueMessage struct {
	Body            string
	Attributes      []MessageAttribute // raw delivery: the SNS message attributes
	GroupID         string
	DeduplicationID string
}

// Options configure the SNS service.
type Options struct {
	Clock   steward.Clock
	Account string // 12-digit account ID, used in ARNs
	Region  string // the server's region, used in ARNs
	// PublicURL returns the externally reachable base URL of the server
	// (http://HOST:PORT, no trailing slash): the links in envelopes and mail
	// (SigningCertURL, SubscribeURL, UnsubscribeURL) are built on it.
	PublicURL func() string
	Sealer    Sealer
	// Queues delivers to SQS subscriptions and dead-letter queues; nil
	// makes such deliveries fail (and retry).
	Queues QueueSender
	// Mailer sends email and email-json deliveries; nil makes them fail.
	Mailer mail.Sender
	// HTTPClient posts to HTTP/HTTPS subscriptions. Nil: a client with
	// AWS's 15-second timeout that follows no redirects, trusting
	// TLSConfig's roots when set.
	HTTPClient *http.Client
	TLSConfig  *tls.Config
	Logger     *slog.Logger
	// Workers bounds the deliveries in flight (default 64).
	Workers int
	// Exclusive says this process is the only user of the store (SQLite):
	// Open releases the leases a previous run held, so deliveries a crash
	// interrupted resume at once instead of when their lease expires.
	Exclusive bool
	// Poll is how often the engine looks for due work it was not told about
	// (other replicas, scheduled retries after a restart). Default 1 s.
	Poll time.Duration
	// Lease is how long a claimed delivery stays with this process before
	// another may take it (default 2 min, well above the 15 s HTTP timeout).
	Lease time.Duration
}

// Topics is SNS: the API operations and the delivery engine.
type Topics struct {
	store Store
	opts  Options
	log   *slog.Logger

	signer  signerHolder
	filters filterCache
	engine  *engine

	mu     sync.Mutex
	stop   context.CancelFunc
	exited chan struct{}
	closed bool
}

// New returns SNS on store. Open starts delivering.
func New(store Store, opts Options) *Topics {
	if opts.Clock == nil {
		opts.Clock = steward.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.PublicURL == nil {
		opts.PublicURL = func() string { return "http://127.0.0.1" }
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = newHTTPClient(opts.TLSConfig)
	}
	t := &Topics{store: store, opts: opts, log: opts.Logger}
	t.filters.init()
	t.engine = newEngine(t)
	return t
}

// Open loads (or creates) the signing key and starts the delivery engine.
func (t *Topics) Open(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stop != nil || t.closed {
		return errors.New("sns: already opened")
	}
	if err := t.signer.load(ctx, t.store, t.opts.Sealer, t.opts.Region, t.now()); err != nil {
		return err
	}
	if t.opts.Exclusive {
		if err := t.store.ReleaseLeases(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	exited := make(chan struct{})
	t.stop, t.exited = cancel, exited
	go func() {
		defer close(exited) // not t.exited: Close clears it
		t.engine.run(ctx)
	}()
	return nil
}

// Close stops the engine: no new attempts start, attempts in flight are
// abandoned (their rows stay and are delivered again later), finished ones
// are recorded.
func (t *Topics) Close() error {
	t.mu.Lock()
	stop, exited := t.stop, t.exited
	t.stop, t.exited = nil, nil
	t.closed = t.closed || stop != nil
	t.mu.Unlock()
	if stop == nil {
		return nil
	}
	stop()
	<-exited
	return nil
}

// now is the clock, in UTC at millisecond precision (what the store keeps).
func (t *Topics) now() time.Time { return t.opts.Clock.Now().UTC().Truncate(time.Millisecond) }

// topicARN returns arn:aws:sns:REGION:ACCOUNT:NAME.
func (t *Topics) topicARN(name string) string {
	return "arn:aws:sns:" + t.opts.Region + ":" + t.opts.Account + ":" + name
}

func (t *Topics) publicURL() string { return strings.TrimRight(t.opts.PublicURL(), "/") }

// checkTopicARN validates a topic ARN given by a caller for action. An ARN
// of another account is an AuthorizationError (Steward serves one account);
// of another region, or malformed, an InvalidParameter naming member.
func (t *Topics) checkTopicARN(ctx context.Context, arn, member, action string) error {
	if arn == "" {
		return invalid("%s", member)
	}
	region, account, name, ok := arnParts(arn, "sns")
	if !ok || strings.Contains(name, ":") || !validTopicName(name) {
		return invalid("%s", member)
	}
	if account != t.opts.Account {
		return notAuthorized(ctx, action, arn)
	}
	if region != t.opts.Region {
		return invalid("%s", member)
	}
	return nil
}

// checkSubscriptionARN validates a subscription ARN: TOPIC-ARN:UUID.
func (t *Topics) checkSubscriptionARN(ctx context.Context, arn, action string) error {
	i := strings.LastIndexByte(arn, ':')
	if arn == "" || i < 0 || !validUUID(arn[i+1:]) {
		return invalid("SubscriptionArn")
	}
	if err := t.checkTopicARN(ctx, arn[:i], "SubscriptionArn", action); err != nil {
		return err
	}
	return nil
}

func notAuthorized(ctx context.Context, action, resource string) error {
	who := steward.CallerFrom(ctx).ARN
	if who == "" {
		who = "anonymous"
	}
	return steward.Errorf(CodeAuthorizationError, "User: %s is not authorized to perform: SNS:%s on resource: %s", who, action, resource)
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range []byte(s) {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// getTopic loads a topic, NotFound when absent.
func (t *Topics) getTopic(ctx context.Context, arn string) (*TopicRecord, error) {
	rec, err := t.store.GetTopic(ctx, arn)
	if errors.Is(err, ErrNotFound) {
		return nil, topicNotFound()
	}
	if err != nil {
		return nil, internal(err)
	}
	return rec, nil
}
