package engine

import (
	"errors"
	"fmt"
)

// Code classifies a rejected command the way Camunda's gateway does; the REST
// layer maps it to a status code and a problem title.
type Code string

const (
	CodeInvalidArgument  Code = "INVALID_ARGUMENT"
	CodeNotFound         Code = "NOT_FOUND"
	CodeInvalidState     Code = "INVALID_STATE"
	CodeAlreadyExists    Code = "ALREADY_EXISTS"
	CodeDeadlineExceeded Code = "DEADLINE_EXCEEDED"
	CodeUnavailable      Code = "UNAVAILABLE"
	CodeInternal         Code = "INTERNAL"
)

// Error is a rejection: the command changed nothing.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of err, CodeInternal when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrClosed is returned for commands sent after Close.
var ErrClosed = &Error{Code: CodeUnavailable, Message: "the engine is shut down"}
