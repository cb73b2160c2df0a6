package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Camunda's AI Agent error codes (AgentErrorCodes).
const (
	ErrInvalidRequest                = "INVALID_REQUEST"
	ErrMaxModelCallsReached          = "MAXIMUM_NUMBER_OF_MODEL_CALLS_REACHED"
	ErrMaxTokensReached              = "MAXIMUM_NUMBER_OF_TOKENS_REACHED"
	ErrMaxToolCallsReached           = "MAXIMUM_NUMBER_OF_TOOL_CALLS_REACHED"
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

// shapeError says in the model's terms why a variable does not fit:
// "data.memory.contextWindowSize must be a number, not a string", never
// the Go types of the decoder.
func shapeError(variable string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := variable
		if te.Field != "" {
			field += "." + te.Field
		}
		return fmt.Sprintf("%s must be %s, not %s", field, jsonKind(te.Type.Kind()), article(te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s is not valid JSON", variable)
	}
	return fmt.Sprintf("%s cannot be read", variable)
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "a context"
}

func article(jsonValue string) string {
	switch jsonValue {
	case "object":
		return "a context"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "true or false"
	}
	if strings.HasPrefix(jsonValue, "number") {
		return "the number " + strings.TrimPrefix(jsonValue, "number ")
	}
	return jsonValue
}
