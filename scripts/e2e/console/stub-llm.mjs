// A stub LLM speaking OpenAI's chat completions wire format on loopback (the
// real vendor cannot run here). Each request is answered by the shape of the
// conversation: after a tool result, a text answer that quotes it; else a
// call of the first tool offered. Prints its base URL on stdout.
import http from 'node:http';

let calls = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) { res.writeHead(404).end(); return; }
    const r = JSON.parse(body);
    calls++;
    const last = r.messages[r.messages.length - 1];
    let message;
    let finish;
    if (last.role === 'tool') {
      message = { role: 'assistant', content: `The tool ${last.tool_call_id} says: ${last.content}. Anything else?` };
      finish = 'stop';
    } else {
      const tool = (r.tools || [])[0];
      if (!tool) { message = { role: 'assistant', content: 'I have no tools.' }; finish = 'stop'; } else {
        message = { role: 'assistant', content: null, tool_calls: [{ id: `call_${calls}`, type: 'function', function: { name: tool.function.name, arguments: '{}' } }] };
        finish = 'tool_calls';
      }
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ id: `chatcmpl-${calls}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: r.model,
      choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
      usage: { prompt_tokens: 20 * calls, completion_tokens: 7, total_tokens: 20 * calls + 7 } }));
  });
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}/v1`));
