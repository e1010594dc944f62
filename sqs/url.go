package sqs

import (
	"context"
	"strings"

	"github.com/stewardhq/steward"
)

// ParseQueueURL reads http(s)://HOST/ACCOUNT/NAME (any scheme and host, as
// clients keep the URL they were given) or the bare path /ACCOUNT/NAME, and
// returns the account and the queue name.
func ParseQueueURL(u string) (account, name string, ok bool) {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "", "", false
		}
		u = rest[j:]
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimPrefix(u, "/")
	account, name, found := strings.Cut(u, "/")
	if !found || !isAccount(account) || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return account, name, true
}

// ParseQueueARN reads arn:PARTITION:sqs:REGION:ACCOUNT:NAME.
func ParseQueueARN(arn string) (account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sqs" || parts[3] == "" ||
		!isAccount(parts[4]) || parts[5] == "" || strings.ContainsAny(parts[5], ":/") {
		return "", "", false
	}
	return parts[4], parts[5], true
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// QueueURL returns the URL of queue name as the caller addressed the
// server: the request's scheme and host, then /ACCOUNT/NAME.
func (q *Queues) QueueURL(ctx context.Context, name string) string {
	ep := steward.CallerFrom(ctx).Endpoint
	if ep == "" {
		ep = "http://localhost"
	}
	return ep + "/" + q.env.Account + "/" + name
}

// byURL returns the queue a QueueUrl names.
func (q *Queues) byURL(ctx context.Context, url string) (*queueEntry, error) {
	if url == "" {
		return nil, missingParam("QueueUrl")
	}
	account, name, ok := ParseQueueURL(url)
	if !ok || account != q.env.Account {
		return nil, notFound()
	}
	return q.byName(ctx, name)
}

// byARN returns the queue an ARN names.
func (q *Queues) byARN(ctx context.Context, arn string) (*queueEntry, error) {
	_, name, ok := ParseQueueARN(arn)
	if !ok || arn != q.env.ARN(name) {
		return nil, notFound()
	}
	return q.byName(ctx, name)
}
