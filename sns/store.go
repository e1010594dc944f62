package sns

import (
	"context"
	"time"
)

// TopicRecord is a stored topic. Attributes holds the settable attributes as
// they were set (DisplayName, Policy, DeliveryPolicy, SignatureVersion, …);
// read-only and default values are derived when read.
type TopicRecord struct {
	ARN        string
	Name       string
	Fifo       bool
	Attributes map[string]string
	CreatedAt  time.Time
}

// SubscriptionRecord is a stored subscription. Token is the confirmation
// token (SubscribeURL, ConfirmSubscription), UnsubscribeToken the credential
// of the UnsubscribeURL link. StateAt is when the state last changed (pending
// subscriptions and tombstones are purged pendingTTL after it).
type SubscriptionRecord struct {
	ARN                       string
	TopicARN                  string
	Protocol                  string
	Endpoint                  string
	Owner                     string // account ID
	State                     string
	Token                     string
	UnsubscribeToken          string
	ConfirmationAuthenticated bool
	AuthenticateOnUnsubscribe bool
	Attributes                map[string]string // DeliveryPolicy, FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy, …
	CreatedAt                 time.Time
	StateAt                   time.Time
}

// MessageAttribute is one message attribute as published.
type MessageAttribute struct {
	Name        string
	DataType    string // String, Number, Binary, String.Array, optionally with a custom suffix
	StringValue string
	BinaryValue []byte
}

// MessageRecord is a published message, kept while deliveries of it are
// outstanding. Structure is "json" when Body holds per-protocol bodies.
type MessageRecord struct {
	ID              string
	TopicARN        string
	Subject         string
	Body            string
	Structure       string
	Attributes      []MessageAttribute // sorted by name
	GroupID         string
	DeduplicationID string
	SequenceNumber  string
	PublishedAt     time.Time
}

// Delivery is one unit of delivery work: a notification to one subscription
// or a confirmation message. CreatedAt is the envelope's Timestamp (the same
// on every attempt). Attempts counts the attempts already made.
type Delivery struct {
	ID              int64
	Kind            string // TypeNotification, TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation
	SubscriptionARN string
	MessageID       string
	Attempts        int
	DueAt           time.Time
	CreatedAt       time.Time
	Message         *MessageRecord // Notification rows, filled by ClaimDeliveries
}

// SubscriptionCounts are the topic's subscriptions by state.
type SubscriptionCounts struct {
	Confirmed, Pending, Deleted int
}

// SigningKey is the RSA key notifications are signed with: the PKCS#8 key
// sealed by the keyring, and its self-signed certificate.
type SigningKey struct {
	ID        string // 32 hex characters, as in SimpleNotificationService-<id>.pem
	KeySealed []byte
	CertPEM   []byte
	CreatedAt time.Time
}

// Store persists SNS state and its delivery work.
//
// Reads: GetTopic and GetSubscription return ErrNotFound (GetSubscription
// returns tombstones too: the caller checks State). ListTopics returns a page
// of topic ARNs in ARN order and the next token ("" after the last);
// ListSubscriptions returns a page of live (pending or confirmed)
// subscriptions, of one topic or of all when topicARN is "", in ARN order.
// Both return ErrInvalidToken for a token they did not make. Subscriptions
// returns a topic's confirmed subscriptions. TopicTags returns a topic's tags
// sorted by key.
//
// Update runs fn in one write transaction and commits when it returns nil;
// an error from fn is returned unchanged. fn may run more than once when
// writers collide, so it must have no effects outside tx.
//
// Delivery work: ClaimDeliveries leases up to limit rows due at now whose
// lease has expired, until leaseUntil, and returns them with their messages.
// FinishDeliveries deletes rows (and messages no row needs any more).
// RetryDelivery records an attempt count and the next due time and releases
// the lease. ReleaseLeases releases every lease (at start, when this process
// is the only user of the store).
//
// Purge deletes pending subscriptions and tombstones whose state is older
// than before, expired deduplication entries, and messages without rows.
type Store interface {
	GetTopic(ctx context.Context, arn string) (*TopicRecord, error)
	ListTopics(ctx context.Context, token string, limit int) ([]string, string, error)
	TopicTags(ctx context.Context, arn string) ([]Tag, error)
	SubscriptionCounts(ctx context.Context, topicARN string) (SubscriptionCounts, error)
	GetSubscription(ctx context.Context, arn string) (*SubscriptionRecord, error)
	ListSubscriptions(ctx context.Context, topicARN, token string, limit int) ([]*SubscriptionRecord, string, error)
	Subscriptions(ctx context.Context, topicARN string) ([]*SubscriptionRecord, error)

	Update(ctx context.Context, fn func(Tx) error) error

	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Delivery, error)
	FinishDeliveries(ctx context.Context, ids []int64) error
	RetryDelivery(ctx context.Context, id int64, attempts int, due time.Time) error
	ReleaseLeases(ctx context.Context) error
	Purge(ctx context.Context, before, now time.Time) error

	SigningKey(ctx context.Context) (*SigningKey, error)
	EnsureSigningKey(ctx context.Context, k *SigningKey) (*SigningKey, error)
}

// Tx is a write transaction.
//
// Topic returns the topic (nil when absent) and locks it for the rest of the
// transaction. InsertTopic creates a topic with its tags; UpdateTopic
// rewrites its name-independent fields; DeleteTopic removes it with its tags
// and subscriptions (nothing when absent). SetTags replaces a topic's tags.
//
// Subscription returns any subscription by ARN, FindSubscription the live
// one of a topic with that protocol and endpoint, SubscriptionByToken the one
// holding a confirmation token (tombstones included); each returns nil when
// there is none. PutSubscription inserts or replaces. CountFilterPolicies
// counts a topic's live subscriptions having a FilterPolicy, except one.
//
// NextSequence increments and returns a FIFO topic's sequence number.
// Deduplicate records a FIFO deduplication ID until expires and returns ""
// or, when the ID is already recorded and unexpired, the message ID and
// sequence number it was first published with.
//
// AddDeliveries inserts rows (assigning their IDs) and, when m is not nil,
// the message they deliver, leased until leaseUntil (the caller delivers
// them itself; zero leaves them to ClaimDeliveries).
type Tx interface {
	Topic(ctx context.Context, arn string) (*TopicRecord, error)
	InsertTopic(ctx context.Context, t *TopicRecord, tags []Tag) error
	UpdateTopic(ctx context.Context, t *TopicRecord) error
	DeleteTopic(ctx context.Context, arn string) error
	Tags(ctx context.Context, arn string) ([]Tag, error)
	SetTags(ctx context.Context, arn string, tags []Tag) error

	Subscription(ctx context.Context, arn string) (*SubscriptionRecord, error)
	FindSubscription(ctx context.Context, topicARN, protocol, endpoint string) (*SubscriptionRecord, error)
	SubscriptionByToken(ctx context.Context, token string) (*SubscriptionRecord, error)
	PutSubscription(ctx context.Context, s *SubscriptionRecord) error
	CountFilterPolicies(ctx context.Context, topicARN, except string) (int, error)

	NextSequence(ctx context.Context, topicARN string) (int64, error)
	Deduplicate(ctx context.Context, topicARN, dedupID, messageID, seq string, expires, now time.Time) (string, string, error)
	AddDeliveries(ctx context.Context, m *MessageRecord, ds []*Delivery, leaseUntil time.Time) error
}
