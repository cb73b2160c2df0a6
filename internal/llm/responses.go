package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
)

// chatResponses is one call of the Responses API (POST {base}/responses).
// Nothing is stored at OpenAI (store: false): the whole conversation goes
// with every call, as with Chat Completions.
func (c *OpenAI) chatResponses(ctx context.Context, req *Request, names *toolNames) (*Response, error) {
	params, err := c.responsesParams(req, names)
	if err != nil {
		return nil, c.unsupported(err)
	}
	start := time.Now()
	out, err := c.responses.New(ctx, params)
	if err != nil {
		e := c.error(ctx, err)
		c.log.DebugContext(ctx, "responses call failed", "model", req.Model, "error", e, "took", time.Since(start))
		return nil, e
	}
	resp, err := c.responsesAnswer(out, names)
	if err != nil {
		return nil, err
	}
	c.log.DebugContext(ctx, "responses call", "model", req.Model, "status", out.Status,
		"toolCalls", len(resp.Message.ToolCalls), "inputTokens", resp.Usage.InputTokens,
		"outputTokens", resp.Usage.OutputTokens, "took", time.Since(start))
	return resp, nil
}

func (c *OpenAI) responsesParams(req *Request, names *toolNames) (responses.ResponseNewParams, error) {
	p := responses.ResponseNewParams{Model: shared.ResponsesModel(req.Model), Store: openai.Bool(false)}
	var system []string
	var items responses.ResponseInputParam
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			text, err := textOnly(m.Content)
			if err != nil {
				return p, fmt.Errorf("message %d: %w", i, err)
			}
			system = append(system, text)
		case RoleUser:
			msg := &responses.EasyInputMessageParam{Role: responses.EasyInputMessageRoleUser}
			if len(m.Content) == 1 && m.Content[0].Type == ContentText {
				msg.Content.OfString = openai.String(m.Content[0].Text)
			} else {
				for _, ct := range m.Content {
					part, err := responsesPart(ct)
					if err != nil {
						return p, fmt.Errorf("message %d: %w", i, err)
					}
					msg.Content.OfInputItemContentList = append(msg.Content.OfInputItemContentList, part)
				}
			}
			items = append(items, responses.ResponseInputItemUnionParam{OfMessage: msg})
		case RoleAssistant:
			text, err := textOnly(m.Content)
			if err != nil {
				return p, fmt.Errorf("message %d: %w", i, err)
			}
			if text != "" {
				items = append(items, responses.ResponseInputItemUnionParam{OfMessage: &responses.EasyInputMessageParam{
					Role: responses.EasyInputMessageRoleAssistant, Content: responses.EasyInputMessageContentUnionParam{OfString: openai.String(text)},
				}})
			}
			for _, tc := range m.ToolCalls {
				args := string(tc.Arguments)
				if args == "" {
					args = "{}"
				}
				items = append(items, responses.ResponseInputItemUnionParam{OfFunctionCall: &responses.ResponseFunctionToolCallParam{
					CallID: tc.ID, Name: names.vendor(tc.Name), Arguments: args,
				}})
			}
		case RoleTool:
			for _, r := range m.ToolResults {
				text, err := textOnly(r.Content)
				if err != nil {
					return p, fmt.Errorf("tool result %q: %w", r.ID, err)
				}
				items = append(items, responses.ResponseInputItemUnionParam{OfFunctionCallOutput: &responses.ResponseInputItemFunctionCallOutputParam{
					CallID: openai.String(r.ID),
					Output: responses.ResponseInputItemFunctionCallOutputOutputUnionParam{OfString: openai.String(text)},
				}})
			}
		default:
			return p, fmt.Errorf("message %d: unknown role %q", i, m.Role)
		}
	}
	if len(system) > 0 {
		p.Instructions = openai.String(strings.Join(system, "\n\n"))
	}
	p.Input = responses.ResponseNewParamsInputUnion{OfInputItemList: items}
	for _, t := range req.Tools {
		fn := &responses.FunctionToolParam{Name: names.vendor(t.Name), Strict: openai.Bool(false),
			Parameters: map[string]any{"type": "object", "properties": map[string]any{}}}
		if t.Description != "" {
			fn.Description = openai.String(t.Description)
		}
		if len(t.InputSchema) > 0 {
			var schema map[string]any
			if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
				return p, fmt.Errorf("tool %q: input schema: %w", t.Name, err)
			}
			fn.Parameters = schema
		}
		p.Tools = append(p.Tools, responses.ToolUnionParam{OfFunction: fn})
	}
	if v := req.Params.MaxTokens; v != nil {
		p.MaxOutputTokens = openai.Int(*v)
	}
	if v := req.Params.Temperature; v != nil {
		p.Temperature = openai.Float(*v)
	}
	if v := req.Params.TopP; v != nil {
		p.TopP = openai.Float(*v)
	}
	if e := req.Params.Effort; e != "" {
		p.Reasoning = shared.ReasoningParam{Effort: shared.ReasoningEffort(e)}
	}
	switch rf := req.ResponseFormat; rf.Type {
	case "", FormatText:
	case FormatJSONObject:
		p.Text.Format.OfJSONObject = &shared.ResponseFormatJSONObjectParam{}
	case FormatJSONSchema:
		if len(rf.Schema) == 0 {
			return p, errors.New("response format json_schema needs a schema")
		}
		var schema map[string]any
		if err := json.Unmarshal(rf.Schema, &schema); err != nil {
			return p, fmt.Errorf("response schema: %w", err)
		}
		js := &responses.ResponseFormatTextJSONSchemaConfigParam{Name: schemaName(rf.Name), Schema: schema}
		if rf.Strict {
			js.Strict = openai.Bool(true)
		}
		p.Text.Format.OfJSONSchema = js
	default:
		return p, fmt.Errorf("unknown response format %q", rf.Type)
	}
	return p, nil
}

func responsesPart(c Content) (responses.ResponseInputContentUnionParam, error) {
	switch c.Type {
	case ContentText, "":
		return responses.ResponseInputContentUnionParam{OfInputText: &responses.ResponseInputTextParam{Text: c.Text}}, nil
	case ContentImage:
		u := c.URL
		if u == "" {
			if len(c.Data) == 0 || c.MediaType == "" {
				return responses.ResponseInputContentUnionParam{}, errors.New("image needs a URL or data with a media type")
			}
			u = dataURL(c.MediaType, c.Data)
		}
		return responses.ResponseInputContentUnionParam{OfInputImage: &responses.ResponseInputImageParam{
			ImageURL: openai.String(u), Detail: responses.ResponseInputImageDetailAuto,
		}}, nil
	case ContentDocument:
		if strings.HasPrefix(c.MediaType, "text/") || c.MediaType == "application/json" {
			return responses.ResponseInputContentUnionParam{OfInputText: &responses.ResponseInputTextParam{Text: string(c.Data)}}, nil
		}
		if len(c.Data) == 0 || c.MediaType == "" {
			return responses.ResponseInputContentUnionParam{}, errors.New("document needs data with a media type")
		}
		f := &responses.ResponseInputFileParam{FileData: openai.String(dataURL(c.MediaType, c.Data))}
		if c.Filename != "" {
			f.Filename = openai.String(c.Filename)
		}
		return responses.ResponseInputContentUnionParam{OfInputFile: f}, nil
	}
	return responses.ResponseInputContentUnionParam{}, fmt.Errorf("unknown content type %q", c.Type)
}

func (c *OpenAI) responsesAnswer(out *responses.Response, names *toolNames) (*Response, error) {
	resp := &Response{
		ID:              out.ID,
		Model:           string(out.Model),
		Message:         Message{Role: RoleAssistant},
		Usage:           Usage{InputTokens: out.Usage.InputTokens, OutputTokens: out.Usage.OutputTokens},
		RawFinishReason: string(out.Status),
	}
	var text strings.Builder
	for _, item := range out.Output {
		switch item.Type {
		case "message":
			for _, part := range item.Content {
				switch part.Type {
				case "output_text":
					text.WriteString(part.Text)
				case "refusal":
					text.WriteString(part.Refusal)
				}
			}
		case "function_call":
			args := item.Arguments.OfString
			if strings.TrimSpace(args) == "" {
				args = "{}"
			}
			if !json.Valid([]byte(args)) {
				return nil, &Error{Provider: c.provider, Kind: KindInvalidResponse, Retryable: true,
					Message: fmt.Sprintf("tool call %q has arguments that are not JSON", item.CallID)}
			}
			resp.Message.ToolCalls = append(resp.Message.ToolCalls, ToolCall{
				ID: item.CallID, Name: names.original(item.Name), Arguments: json.RawMessage(args),
			})
		}
	}
	if text.Len() > 0 {
		resp.Message.Content = []Content{Text(text.String())}
	}
	switch {
	case out.Status == responses.ResponseStatusIncomplete && out.IncompleteDetails.Reason == "content_filter":
		resp.FinishReason, resp.RawFinishReason = FinishContentFilter, "content_filter"
	case out.Status == responses.ResponseStatusIncomplete:
		resp.FinishReason, resp.RawFinishReason = FinishLength, string(out.IncompleteDetails.Reason)
	case out.Status == responses.ResponseStatusFailed:
		msg := out.Error.Message
		if msg == "" {
			msg = "the response failed"
		}
		return nil, &Error{Provider: c.provider, Kind: KindServer, Retryable: true, Type: string(out.Error.Code), Message: c.red.apply(msg)}
	case len(resp.Message.ToolCalls) > 0:
		resp.FinishReason = FinishToolCalls
	default:
		resp.FinishReason = FinishStop
	}
	return resp, nil
}
