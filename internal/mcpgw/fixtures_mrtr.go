package mcpgw

//lint:file-ignore SA1019 the conformance fixtures exercise logging, roots and sampling, which MCP 2026-07-28 deprecates but still tests

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The fixtures of the 2026-07-28 requirement set of the MCP conformance
// suite (0.2.0-alpha.12 and later): the diagnostic tools of the stateless
// scenario (SEP-2575) and the tools and prompt that ask the client for
// input within a request (multi-round-trip requests, SEP-2322). Orca is
// stateless, so whatever a tool needs across rounds travels in the
// requestState, which it signs (HMAC-SHA256 with a key made at start) and
// checks when it comes back.

// stateSigner signs and checks request states.
type stateSigner struct{ key []byte }

func newStateSigner() *stateSigner {
	k := make([]byte, 32)
	rand.Read(k)
	return &stateSigner{key: k}
}

func (s *stateSigner) mac(v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal is v with its signature.
func (s *stateSigner) seal(v string) string { return v + "." + s.mac(v) }

// open returns the value of a sealed state; ok is false when the state was
// changed on the way.
func (s *stateSigner) open(state string) (string, bool) {
	i := strings.LastIndexByte(state, '.')
	if i < 0 {
		return "", false
	}
	v := state[:i]
	return v, hmac.Equal([]byte(state[i+1:]), []byte(s.mac(v)))
}

var errBadState = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid requestState: it was not issued by this server or was changed"}

// objectSchema is an elicitation schema of required properties of one type.
func objectSchema(typ string, names ...string) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "object", Properties: map[string]*jsonschema.Schema{}, Required: names}
	for _, n := range names {
		s.Properties[n] = &jsonschema.Schema{Type: typ}
	}
	return s
}

// accepted is the content of an accepted elicitation among the responses.
func accepted(rs mcp.InputResponseMap, key string) map[string]any {
	r, ok := rs[key].(*mcp.ElicitResult)
	if !ok || r == nil || r.Action != "accept" {
		return nil
	}
	return r.Content
}

// sampled is the text of a sampling response.
func sampled(rs mcp.InputResponseMap, key string) (string, bool) {
	r, ok := rs[key].(*mcp.CreateMessageWithToolsResult)
	if !ok || r == nil {
		return "", false
	}
	for _, c := range r.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			return t.Text, true
		}
	}
	return "", true
}

func askName() *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: "What is your name?", RequestedSchema: objectSchema("string", "name")}
}

func askConfirm() *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: "Please confirm", RequestedSchema: objectSchema("boolean", "ok")}
}

func askSample(prompt string, max int64) *mcp.CreateMessageParams {
	return &mcp.CreateMessageParams{MaxTokens: max,
		Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: prompt}}}}
}

func textOnly(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func (g *Gateway) addInputFixtures() {
	st := newStateSigner()
	tool := func(name, desc string, h mcp.ToolHandler) {
		g.addTool(&mcp.Tool{Name: name, Description: desc, InputSchema: emptyObject}, h)
	}

	// SEP-2575 diagnostics.
	tool("test_missing_capability", "Needs the client's sampling capability (else error -32021).",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if c := req.ClientCapabilities(); c != nil && c.Sampling != nil {
				return textOnly("The client declared sampling."), nil
			}
			data, _ := json.Marshal(mcp.MissingRequiredClientCapabilityData{
				RequiredCapabilities: &mcp.ClientCapabilities{Sampling: &mcp.SamplingCapabilities{}}})
			return nil, &jsonrpc.Error{Code: mcp.CodeMissingRequiredClientCapabilities,
				Message: "This tool needs the sampling capability, which the client did not declare.", Data: data}
		})
	tool("test_streaming_elicitation", "Answers on the response stream with its result only.",
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return textOnly("Only the result travels on this stream."), nil
		})
	tool("test_logging_tool", "Logs a message, which reaches only clients that asked for a log level.",
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			_ = req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: "test_logging_tool ran"})
			return textOnly("Logged, if the client asked for it."), nil
		})

	// SEP-2322 multi-round-trip requests.
	tool("test_input_required_result_elicitation", "Asks the user's name, then greets.",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if name, _ := accepted(req.Params.InputResponses, "user_name")["name"].(string); name != "" {
				return textOnly("Hello, " + name + "!"), nil
			}
			return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"user_name": askName()}}, nil
		})
	tool("test_input_required_result_sampling", "Asks the client's model a question.",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if s, ok := sampled(req.Params.InputResponses, "capital_question"); ok {
				return textOnly("Sampling response: " + s), nil
			}
			return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{
				"capital_question": askSample("What is the capital of France?", 100)}}, nil
		})
	tool("test_input_required_result_list_roots", "Asks the client's roots.",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if r, ok := req.Params.InputResponses["client_roots"].(*mcp.ListRootsResult); ok && r != nil {
				uris := make([]string, len(r.Roots))
				for i, x := range r.Roots {
					uris[i] = x.URI
				}
				return textOnly(fmt.Sprintf("Client exposed %d root(s): %s", len(r.Roots), strings.Join(uris, ", "))), nil
			}
			return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"client_roots": &mcp.ListRootsParams{}}}, nil
		})
	confirmWithState := func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if req.Params.RequestState != "" {
			if _, ok := st.open(req.Params.RequestState); !ok {
				return nil, errBadState
			}
			if accepted(req.Params.InputResponses, "confirm") != nil {
				return textOnly("state-ok: the request state came back intact and the confirmation was accepted"), nil
			}
		}
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"confirm": askConfirm()},
			RequestState: st.seal("confirm")}, nil
	}
	tool("test_input_required_result_request_state", "Asks for a confirmation, carrying a signed request state.", confirmWithState)
	tool("test_input_required_result_tampered_state", "Refuses a request state that was changed.", confirmWithState)
	tool("test_input_required_result_multiple_inputs", "Asks for a name, a model's greeting and the roots at once.",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			rs := req.Params.InputResponses
			name, _ := accepted(rs, "user_name")["name"].(string)
			greeting, sampledOK := sampled(rs, "greeting")
			roots, rootsOK := rs["client_roots"].(*mcp.ListRootsResult)
			if name != "" && sampledOK && rootsOK && roots != nil {
				return textOnly(fmt.Sprintf("%s %s: %d root(s) visible", greeting, name, len(roots.Roots))), nil
			}
			return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{
				"user_name":    askName(),
				"greeting":     askSample("Generate a greeting", 50),
				"client_roots": &mcp.ListRootsParams{},
			}, RequestState: st.seal("multiple")}, nil
		})
	tool("test_input_required_result_multi_round", "Asks a name, then a colour, keeping the name in the request state.",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if req.Params.RequestState == "" {
				return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{
					"step1": &mcp.ElicitParams{Message: "Step 1: What is your name?", RequestedSchema: objectSchema("string", "name")}},
					RequestState: st.seal("round1")}, nil
			}
			v, ok := st.open(req.Params.RequestState)
			if !ok {
				return nil, errBadState
			}
			if v == "round1" {
				name, _ := accepted(req.Params.InputResponses, "step1")["name"].(string)
				if name == "" {
					name = "unknown"
				}
				return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{
					"step2": &mcp.ElicitParams{Message: "Step 2: What is your favorite color?", RequestedSchema: objectSchema("string", "color")}},
					RequestState: st.seal("round2:" + name)}, nil
			}
			color, _ := accepted(req.Params.InputResponses, "step2")["color"].(string)
			if color == "" {
				color = "unknown"
			}
			return textOnly(fmt.Sprintf("Multi-round complete: %s likes %s", strings.TrimPrefix(v, "round2:"), color)), nil
		})
	tool("test_input_required_result_capabilities", "Asks only for the kinds of input the client declared.",
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if len(req.Params.InputResponses) > 0 {
				return textOnly("The input the client's capabilities allow arrived."), nil
			}
			c := req.ClientCapabilities()
			asks := mcp.InputRequestMap{}
			if c != nil && c.Elicitation != nil {
				asks["user_name"] = askName()
			}
			if c != nil && c.Sampling != nil {
				asks["greeting"] = askSample("Generate a short greeting", 50)
			}
			if c != nil && (c.RootsV2 != nil || c.Roots.ListChanged) {
				asks["client_roots"] = &mcp.ListRootsParams{}
			}
			if len(asks) == 0 {
				return textOnly("The client declared no capability to ask it for input."), nil
			}
			return &mcp.CallToolResult{InputRequests: asks}, nil
		})

	// A prompt that asks for input too (the non-tool-request scenario).
	g.server.AddPrompt(&mcp.Prompt{Name: "test_input_required_result_prompt", Description: "Asks for context, then answers a prompt with it."},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			if c := accepted(req.Params.InputResponses, "user_context"); c != nil {
				s, _ := c["context"].(string)
				return &mcp.GetPromptResult{Description: "A prompt with the context the user gave",
					Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "Context: " + s}}}}, nil
			}
			return &mcp.GetPromptResult{InputRequests: mcp.InputRequestMap{
				"user_context": &mcp.ElicitParams{Message: "Please provide context for the prompt", RequestedSchema: objectSchema("string", "context")}}}, nil
		})
}
