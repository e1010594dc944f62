// Package steward holds the vocabulary every part of Steward shares: the
// error type that carries an AWS error code, the request identity carried in a
// context, and the clock that everything scheduled is driven by.
//
// It imports nothing else from this module. Domain packages (ssm, iam, …)
// return *Error values; the gateway renders them in each wire protocol.
package steward
