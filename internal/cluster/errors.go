package cluster

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies a failed request as Camunda's gateway does; it is the
// title of the problem detail the REST API answers with.
type Code string

const (
	CodeInvalidArgument  Code = "INVALID_ARGUMENT"
	CodeNotFound         Code = "NOT_FOUND"
	CodeInvalidState     Code = "INVALID_STATE"
	CodeAlreadyExists    Code = "ALREADY_EXISTS"
	CodeDeadlineExceeded Code = "DEADLINE_EXCEEDED"
	CodeUnavailable      Code = "UNAVAILABLE"
	CodeUnauthorized     Code = "UNAUTHORIZED"
	CodeForbidden        Code = "FORBIDDEN"
	CodeInternal         Code = "INTERNAL"
)

// Status is the HTTP status Camunda answers a code with.
func (c Code) Status() int {
	switch c {
	case CodeInvalidArgument:
		return http.StatusBadRequest
	case CodeNotFound:
		return http.StatusNotFound
	case CodeInvalidState, CodeAlreadyExists:
		return http.StatusConflict
	case CodeDeadlineExceeded:
		return http.StatusGatewayTimeout
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// Error is a request the cluster rejected or could not serve.
type Error struct {
	Code   Code
	Detail string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Detail }

// Errorf makes an *Error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// CodeOf is the code of err: CodeInternal when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
