package sqs

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Queue attribute names.
const (
	AttrAll                         = "All"
	AttrPolicy                      = "Policy"
	AttrVisibilityTimeout           = "VisibilityTimeout"
	AttrMaximumMessageSize          = "MaximumMessageSize"
	AttrMessageRetentionPeriod      = "MessageRetentionPeriod"
	AttrApproximateNumberOfMessages = "ApproximateNumberOfMessages"
	AttrApproximateNotVisible       = "ApproximateNumberOfMessagesNotVisible"
	AttrApproximateDelayed          = "ApproximateNumberOfMessagesDelayed"
	AttrCreatedTimestamp            = "CreatedTimestamp"
	AttrLastModifiedTimestamp       = "LastModifiedTimestamp"
	AttrQueueArn                    = "QueueArn"
	AttrDelaySeconds                = "DelaySeconds"
	AttrReceiveMessageWaitTime      = "ReceiveMessageWaitTimeSeconds"
	AttrRedrivePolicy               = "RedrivePolicy"
	AttrRedriveAllowPolicy          = "RedriveAllowPolicy"
	AttrFifoQueue                   = "FifoQueue"
	AttrContentBasedDeduplication   = "ContentBasedDeduplication"
	AttrKmsMasterKeyID              = "KmsMasterKeyId"
	AttrKmsDataKeyReusePeriod       = "KmsDataKeyReusePeriodSeconds"
	AttrDeduplicationScope          = "DeduplicationScope"
	AttrFifoThroughputLimit         = "FifoThroughputLimit"
	AttrSqsManagedSseEnabled        = "SqsManagedSseEnabled"
)

// attrKind says how an attribute may be used.
type attrKind uint8

const (
	attrSettable   attrKind = iota // CreateQueue and SetQueueAttributes
	attrCreateOnly                 // CreateQueue only (FifoQueue)
	attrReadOnly                   // computed: counts, timestamps, ARN
)

// attrSpec is one row of the queue attribute table.
type attrSpec struct {
	kind     attrKind
	fifoOnly bool
	def      string // default for new queues; "" means absent until set
	// norm checks a value and returns its stored form; ok false means
	// InvalidAttributeValue. nil accepts any value as is.
	norm func(v string) (string, bool)
	// paramErr, when set, validates a value with AWS's InvalidParameterValue
	// wording instead of norm (JSON policies).
	paramErr func(v string) (string, error)
}

// queueAttrs is the attribute table (data, not code): ranges and defaults
// from the CreateQueue API reference and limits-and-anchors.md §1.10.
var queueAttrs = map[string]attrSpec{
	AttrDelaySeconds:              {kind: attrSettable, def: "0", norm: intRange(0, MaxDelaySeconds)},
	AttrMaximumMessageSize:        {kind: attrSettable, def: strconv.Itoa(DefaultMaxMessageSize), norm: intRange(MinMessageSizeLimit, MaxMessageSizeLimit)},
	AttrMessageRetentionPeriod:    {kind: attrSettable, def: strconv.Itoa(DefaultRetention), norm: intRange(MinRetention, MaxRetention)},
	AttrReceiveMessageWaitTime:    {kind: attrSettable, def: "0", norm: intRange(0, MaxWaitSeconds)},
	AttrVisibilityTimeout:         {kind: attrSettable, def: strconv.Itoa(DefaultVisibility), norm: intRange(0, MaxVisibilitySeconds)},
	AttrPolicy:                    {kind: attrSettable, norm: jsonObject},
	AttrRedrivePolicy:             {kind: attrSettable, paramErr: normRedrivePolicy},
	AttrRedriveAllowPolicy:        {kind: attrSettable, paramErr: normRedriveAllowPolicy},
	AttrKmsMasterKeyID:            {kind: attrSettable, norm: kmsKeyID},
	AttrKmsDataKeyReusePeriod:     {kind: attrSettable, norm: intRange(60, 86400)},
	AttrSqsManagedSseEnabled:      {kind: attrSettable, def: "true", norm: boolean},
	AttrFifoQueue:                 {kind: attrCreateOnly, fifoOnly: true, def: "true", norm: boolean},
	AttrContentBasedDeduplication: {kind: attrSettable, fifoOnly: true, def: "false", norm: boolean},
	AttrDeduplicationScope:        {kind: attrSettable, fifoOnly: true, def: "queue", norm: oneOf("messageGroup", "queue")},
	AttrFifoThroughputLimit:       {kind: attrSettable, fifoOnly: true, def: "perQueue", norm: oneOf("perQueue", "perMessageGroupId")},

	AttrApproximateNumberOfMessages: {kind: attrReadOnly},
	AttrApproximateNotVisible:       {kind: attrReadOnly},
	AttrApproximateDelayed:          {kind: attrReadOnly},
	AttrCreatedTimestamp:            {kind: attrReadOnly},
	AttrLastModifiedTimestamp:       {kind: attrReadOnly},
	AttrQueueArn:                    {kind: attrReadOnly},
}

// attrOrder is the order GetQueueAttributes lists attributes in for All
// (maps have no order on the wire, but a stable one makes output
// reproducible).
var attrOrder = []string{
	AttrQueueArn, AttrApproximateNumberOfMessages, AttrApproximateNotVisible, AttrApproximateDelayed,
	AttrCreatedTimestamp, AttrLastModifiedTimestamp, AttrVisibilityTimeout, AttrMaximumMessageSize,
	AttrMessageRetentionPeriod, AttrDelaySeconds, AttrReceiveMessageWaitTime, AttrPolicy, AttrRedrivePolicy,
	AttrRedriveAllowPolicy, AttrKmsMasterKeyID, AttrKmsDataKeyReusePeriod, AttrSqsManagedSseEnabled,
	AttrFifoQueue, AttrContentBasedDeduplication, AttrDeduplicationScope, AttrFifoThroughputLimit,
}

func intRange(lo, hi int) func(string) (string, bool) {
	return func(v string) (string, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return "", false
		}
		return strconv.Itoa(n), true
	}
}

func boolean(v string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return "true", true
	case "false":
		return "false", true
	}
	return "", false
}

func oneOf(values ...string) func(string) (string, bool) {
	return func(v string) (string, bool) {
		for _, x := range values {
			if v == x {
				return v, true
			}
		}
		return "", false
	}
}

// jsonObject accepts an IAM policy document: a JSON object (not checked
// further; Steward does not evaluate queue policies yet), or "" to remove.
func jsonObject(v string) (string, bool) {
	if v == "" {
		return "", true
	}
	var m map[string]any
	if json.Unmarshal([]byte(v), &m) != nil {
		return "", false
	}
	return v, true
}

var kmsKeyRE = regexp.MustCompile(`^[A-Za-z0-9:/_\-]+$`)

func kmsKeyID(v string) (string, bool) {
	if v == "" || len(v) <= 2048 && kmsKeyRE.MatchString(v) {
		return v, true
	}
	return "", false
}

// queueConfig is a queue's attributes parsed for use.
type queueConfig struct {
	fifo             bool
	visibility       time.Duration
	retention        time.Duration
	delay            time.Duration
	wait             time.Duration
	maxSize          int
	contentDedup     bool
	dedupByGroup     bool // DeduplicationScope messageGroup
	redrive          *RedrivePolicy
	redriveAllow     *RedriveAllowPolicy
	deadLetterTarget string
}

// configOf parses stored attributes (already normalized; defaults filled).
func configOf(attrs map[string]string) queueConfig {
	secs := func(name string) time.Duration {
		n, _ := strconv.Atoi(attrs[name])
		return time.Duration(n) * time.Second
	}
	c := queueConfig{
		fifo:         attrs[AttrFifoQueue] == "true",
		visibility:   secs(AttrVisibilityTimeout),
		retention:    secs(AttrMessageRetentionPeriod),
		delay:        secs(AttrDelaySeconds),
		wait:         secs(AttrReceiveMessageWaitTime),
		contentDedup: attrs[AttrContentBasedDeduplication] == "true",
		dedupByGroup: attrs[AttrDeduplicationScope] == "messageGroup",
	}
	c.maxSize, _ = strconv.Atoi(attrs[AttrMaximumMessageSize])
	if c.maxSize == 0 {
		c.maxSize = DefaultMaxMessageSize
	}
	if v := attrs[AttrRedrivePolicy]; v != "" {
		if p, err := ParseRedrivePolicy(v); err == nil {
			c.redrive = p
			c.deadLetterTarget = p.DeadLetterTargetARN
		}
	}
	if v := attrs[AttrRedriveAllowPolicy]; v != "" {
		if p, err := ParseRedriveAllowPolicy(v); err == nil {
			c.redriveAllow = p
		}
	}
	return c
}

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// checkQueueName validates a queue name: 1–80 characters of [A-Za-z0-9_-],
// a FIFO queue's ending in .fifo (counted in the 80).
func checkQueueName(name string) error {
	if name == "" {
		return missingParam("QueueName")
	}
	base := strings.TrimSuffix(name, ".fifo")
	if len(name) > MaxQueueNameLen || !queueNameRE.MatchString(base) {
		return invalidParam("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	return nil
}
