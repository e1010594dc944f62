// Package sigv4 verifies AWS Signature Version 4 on requests Steward
// receives, the way AWS services other than S3 do.
//
// Parse reads the signature fields of a request (the Authorization header or
// the presigned X-Amz-* query parameters) and checks their shape only; the
// gateway uses it to pick the service of an awsQuery request from the
// credential scope. Verifier.Verify does the whole check: shape, service,
// clock skew or presign expiry, key lookup, and finally the signature itself,
// recomputed from the request as received and compared in constant time.
//
// The canonical request is rebuilt from what was on the wire: the request
// target as received (r.RequestURI), URI-encoded once more as the SDKs do for
// every service but S3, with "." and ".." segments and repeated slashes removed
// as the SigV4 test suite requires (a request signed over its literal path
// is accepted as well, since aws-sdk-go-v2 does not normalise); the query
// string decoded and re-encoded per RFC 3986 and sorted; only the signed
// headers, with host taken from r.Host.
//
// Failures are *Error values whose Kind says what went wrong; the gateway
// maps kinds to each protocol's AWS error codes. Messages follow AWS's
// wording where AWS has one. Lookup failures other than ErrUnknownKey are
// returned unchanged.
//
// Cost: signing keys are derived once per secret, date, region and service
// and cached, so a verified request costs one SHA-256 of the body, one of the
// canonical request and one HMAC; a request signed in the Authorization
// header makes a single allocation (the returned Signature). See
// BenchmarkVerify.
package sigv4
