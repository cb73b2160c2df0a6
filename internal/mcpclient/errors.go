package mcpclient

import (
	"errors"
	"fmt"
)

// Camunda's MCP client error codes.
const (
	CodeInvalidMethod     = "MCP_CLIENT_INVALID_METHOD"
	CodeInvalidParams     = "MCP_CLIENT_INVALID_PARAMS"
	CodeGetPromptError    = "MCP_CLIENT_GET_PROMPT_ERROR"
	CodeReadResourceError = "MCP_CLIENT_READ_RESOURCE_ERROR"
)

// Error is a failure with one of Camunda's error codes, which BPMN error
// expressions can match.
type Error struct {
	Code    string
	Message string
	cause   error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.cause }

func codeError(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), cause: cause}
}

// ErrUnavailable is wrapped by every error that means the server could not be
// reached, started, or initialised, or that the connection was lost. Such
// failures are worth retrying (the next call reconnects).
var ErrUnavailable = errors.New("MCP server unavailable")

// ErrClosed is returned by a closed Client or Pool.
var ErrClosed = errors.New("MCP client closed")

type unavailableError struct {
	target string
	what   string
	err    error
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("%s: %s: %s: %v", ErrUnavailable, e.target, e.what, e.err)
}

func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }
