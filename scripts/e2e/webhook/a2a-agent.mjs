// A loopback remote A2A agent for scripts/e2e/webhook.sh (Node, no
// dependencies): its agent card at /.well-known/agent-card.json and the
// JSON-RPC binding at /a2a. message/send answers a submitted task; tasks/get
// answers it working on the first read and completed afterwards; a message
// sent with a pushNotificationConfig is answered, then the completed task is
// pushed to its webhook with the token and the Bearer credentials, as an
// A2A server does. Prints the port it listens on; logs each push's status.
import http from 'node:http';

const tasks = new Map();
let n = 0;
const task = (id, state) => ({ kind: 'task', id, contextId: 'ctx-e2e', status: { state },
  ...(state === 'completed' ? { artifacts: [{ artifactId: 'answer', parts: [{ kind: 'text', text: `echo: ${tasks.get(id).text}` }] }] } : {}) });

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const json = (v) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(v)); };
    if (req.method === 'GET' && req.url === '/.well-known/agent-card.json') {
      const { port } = server.address();
      return json({ protocolVersion: '0.3.0', name: 'E2E agent', description: 'Echoes', url: `http://127.0.0.1:${port}/a2a`, version: '1.0.0',
        capabilities: { pushNotifications: true }, defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'], skills: [] });
    }
    if (req.method !== 'POST' || req.url !== '/a2a') { res.writeHead(404); return res.end(); }
    const rpc = JSON.parse(body);
    if (rpc.method === 'message/send') {
      const id = `e2e-task-${++n}`;
      tasks.set(id, { text: rpc.params.message.parts[0].text, reads: 0 });
      json({ jsonrpc: '2.0', id: rpc.id, result: task(id, 'submitted') });
      const push = rpc.params.configuration?.pushNotificationConfig;
      if (push) {
        setTimeout(async () => {
          const headers = { 'Content-Type': 'application/json', 'X-A2A-Notification-Token': push.token ?? '' };
          if (push.authentication?.schemes?.length) headers.Authorization = `${push.authentication.schemes[0]} ${push.authentication.credentials}`;
          const r = await fetch(push.url, { method: 'POST', headers, body: JSON.stringify(task(id, 'completed')) });
          console.log(`pushed ${id}: ${r.status}`);
        }, 200);
      }
      return;
    }
    if (rpc.method === 'tasks/get') {
      const t = tasks.get(rpc.params.id);
      if (!t) return json({ jsonrpc: '2.0', id: rpc.id, error: { code: -32001, message: 'Task not found' } });
      t.reads++;
      return json({ jsonrpc: '2.0', id: rpc.id, result: task(rpc.params.id, t.reads > 1 ? 'completed' : 'working') });
    }
    json({ jsonrpc: '2.0', id: rpc.id, error: { code: -32601, message: 'Method not found' } });
  });
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
