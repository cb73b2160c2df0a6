package agent

import (
	"fmt"
)

// Camunda's AI Agent error codes (AgentErrorCodes).
const (
	ErrInvalidRequest                = "INVALID_REQUEST"
	ErrMaxModelCallsReached          = "MAXIMUM_NUMBER_OF_MODEL_CALLS_REACHED"
	ErrContentFiltered               = "MODEL_RESPONSE_CONTENT_FILTERED"
	ErrFailedModelCall               = "FAILED_MODEL_CALL"
	ErrFailedToParseResponse         = "FAILED_TO_PARSE_RESPONSE_CONTENT"
	ErrToolCallResultsOnEmptyContext = "TOOL_CALL_RESULTS_ON_EMPTY_CONTEXT"
	ErrNoUserMessageContent          = "NO_USER_MESSAGE_CONTENT"
	ErrToolDefinitionInvalid         = "AD_HOC_TOOL_DEFINITION_INVALID"
	ErrGatewayInvalidToolDefinitions = "MCP_GATEWAY_INVALID_TOOL_DEFINITIONS"
)

// Error is an agent failure with Camunda's error code; the worker fails the
// job with it (an errorExpression can turn it into a BPMN error).
type Error struct {
	Code    string
	Message string
	// Retryable marks failures worth a retry (a model that is overloaded).
	Retryable bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode lets the worker hand the code to an errorExpression.
func (e *Error) ErrorCode() string { return e.Code }

func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
