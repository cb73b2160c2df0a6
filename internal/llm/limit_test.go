package llm_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/llm"
)

// hugeAnswer is a loopback model API that answers every request with a text
// of size bytes between prefix and suffix, written as it is generated.
func hugeAnswer(t *testing.T, size int64, prefix, suffix string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, prefix)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for sent := int64(0); sent < size; sent += int64(len(chunk)) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, suffix)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHugeAnswer: a 150 MB answer fails the call with an error that is not
// retryable and names the limit, after reading about the limit.
func TestHugeAnswer(t *testing.T) {
	const size = 150 << 20
	clients := map[string]func(t *testing.T) llm.Client{
		"openai": func(t *testing.T) llm.Client {
			url := hugeAnswer(t, size, `{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"`, `"}}]}`)
			c, err := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: url + "/v1", APIKey: testKey, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		"anthropic": func(t *testing.T) llm.Client {
			url := hugeAnswer(t, size, `{"id":"m1","type":"message","role":"assistant","model":"m","stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1},"content":[{"type":"text","text":"`, `"}]}`)
			c, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: url, APIKey: testKey, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
	}
	for name, mk := range clients {
		t.Run(name, func(t *testing.T) {
			c := mk(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{{Type: llm.ContentText, Text: "hi"}}}}})
			runtime.ReadMemStats(&after)
			var e *llm.Error
			if !errors.As(err, &e) || e.Kind != llm.KindInvalidResponse || e.Retryable || !errors.Is(err, llm.ErrAnswerTooLarge) {
				t.Fatalf("err = %#v, want a non-retryable invalid_response caused by ErrAnswerTooLarge", err)
			}
			if !strings.Contains(err.Error(), "MaxAnswerBytes") {
				t.Errorf("error %q does not name the limit", err)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 8*llm.MaxAnswerBytes {
				t.Errorf("the call allocated %d MiB for a 150 MB answer", grown>>20)
			}
			t.Logf("allocated %d MiB while refusing a 150 MiB answer", (after.TotalAlloc-before.TotalAlloc)>>20)
		})
	}
}
