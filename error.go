package steward

import (
	"errors"
	"fmt"
)

// Error is the one error type of Steward. Code is the AWS error code a client
// branches on (the modeled shape name, e.g. "ParameterNotFound"); Message is
// safe to show to the caller; Cause is for the log only and never leaves the
// server.
//
// Status overrides the HTTP status the gateway would otherwise choose (the
// service's error table, else 400). Fields carries extra modeled members of the
// error shape (rare).
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  map[string]any
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure. Its message is generic; the cause is
// logged once by the gateway and never shown to the caller.
func Internal(cause error) *Error {
	return &Error{Code: CodeInternalFailure, Message: "An internal error occurred.", Status: 500, Cause: cause}
}

// AsError returns err as an *Error: itself when it is one (or wraps one),
// otherwise an InternalFailure wrapping it. It returns nil for nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// ErrorCode returns the AWS code of err, or "" when err carries none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Codes shared by every service. Service-specific codes live with their
// domain packages.
const (
	CodeInternalFailure       = "InternalFailure"
	CodeValidation            = "ValidationException"
	CodeSerialization         = "SerializationException"
	CodeUnknownOperation      = "UnknownOperationException"
	CodeInvalidAction         = "InvalidAction"
	CodeAccessDenied          = "AccessDeniedException"
	CodeThrottling            = "ThrottlingException"
	CodeServiceUnavailable    = "ServiceUnavailable"
	CodeMissingParameter      = "MissingParameter"
	CodeInvalidParameterValue = "InvalidParameterValue"
)

// Validation returns a ValidationException with AWS's message form:
// "1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...".
func Validation(format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Message: fmt.Sprintf(format, args...)}
}
