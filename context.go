package steward

import "context"

// Caller is who made an API request, as established by SigV4 verification,
// and where it was addressed.
type Caller struct {
	AccessKeyID string
	Account     string // 12-digit account ID
	ARN         string // e.g. arn:aws:iam::123456789012:user/admin
	UserID      string
	Region      string // region from the request's credential scope
	RequestID   string
	// Endpoint is scheme://host the request was addressed to, for URLs
	// handed back to the caller (SQS queue URLs work through whatever
	// address the client used).
	Endpoint string
	// Path is the request path (awsQuery requests to SQS may be POSTed to
	// a queue URL).
	Path string
}

type callerKey struct{}

// WithCaller returns a context carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller in ctx, or a zero Caller when there is none.
func CallerFrom(ctx context.Context) *Caller {
	if c, ok := ctx.Value(callerKey{}).(*Caller); ok {
		return c
	}
	return &Caller{}
}
