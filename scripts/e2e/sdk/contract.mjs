// Checks Orca's REST client of a remote cluster (internal/cluster.Remote)
// against Camunda's own schemas, those the JS SDK
// (@camunda8/orchestration-cluster-api) generates from the OpenAPI spec:
// every request the client sent must validate against the operation's
// request schema (body, path and query), and every answer it read against
// the operation's response schema, with no property the schema does not
// know (the SDK's "fanatical" mode); error answers against ProblemDetail.
//
// Input: the JSON Lines file TestRemoteParity and TestRemoteErrors write
// with ORCA_CONTRACT_LOG set. Exits non-zero on the first mismatch.
//
// Usage: node contract.mjs EXCHANGES.jsonl
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ZodObject } from 'zod';

const file = process.argv[2];
if (!file) {
  console.error('usage: node contract.mjs EXCHANGES.jsonl');
  process.exit(2);
}

// The SDK's generated code: the operations (method, URL template) and
// their Zod schemas (z<Operation>Data, z<Operation>Response).
const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve('@camunda8/orchestration-cluster-api'));
const zodFile = fs.readdirSync(dist).find((f) => /^zod\.gen-.*\.js$/.test(f));
if (!zodFile) throw new Error(`no zod.gen-*.js in ${dist}`);
const schemas = await import(path.join(dist, zodFile));
const operations = [];
for (const f of fs.readdirSync(dist).filter((f) => f.endsWith('.js'))) {
  const src = fs.readFileSync(path.join(dist, f), 'utf8');
  const re = /var (\w+) = \(options\) => \{\s*return \(options\??\.client \?\? client\)\.(get|post|put|patch|delete)\(\{[^}]*?url: "([^"]+)"/g;
  for (const m of src.matchAll(re)) {
    const [, name, method, url] = m;
    const names = [];
    const pattern = new RegExp('^' + url.replace(/\{(\w+)\}/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
    const op = name[0].toUpperCase() + name.slice(1);
    operations.push({ name, method: method.toUpperCase(), url, pattern, names, data: schemas[`z${op}Data`], response: schemas[`z${op}Response`] });
  }
}
if (operations.length < 100) throw new Error(`only ${operations.length} operations found in the SDK: its layout changed`);

// shapeOf is the properties an object schema allows, through optional,
// nullable, default and pipe wrappers and across intersections (allOf)
// and unions (oneOf: any member's properties); null if not an object.
function shapeOf(schema, depth = 0) {
  if (!schema || depth > 20) return null;
  if (schema instanceof ZodObject) return schema.shape;
  const d = schema._zod?.def ?? schema._def;
  if (!d) return null;
  switch (d.type) {
    case 'intersection': {
      const l = shapeOf(d.left, depth + 1), r = shapeOf(d.right, depth + 1);
      return l || r ? { ...(l ?? {}), ...(r ?? {}) } : null;
    }
    case 'union': {
      const all = d.options.map((o) => shapeOf(o, depth + 1)).filter(Boolean);
      return all.length ? Object.assign({}, ...all) : null;
    }
    case 'lazy':
      return shapeOf(d.getter(), depth + 1);
    case 'pipe':
      return shapeOf(d.in, depth + 1) ?? shapeOf(d.out, depth + 1);
  }
  return d.innerType ? shapeOf(d.innerType, depth + 1) : null;
}
// elementOf is an array schema's element schema (through wrappers).
function elementOf(schema, depth = 0) {
  if (!schema || depth > 20) return null;
  const d = schema._zod?.def ?? schema._def;
  if (!d) return null;
  if (d.type === 'array') return d.element;
  if (d.type === 'union') {
    for (const o of d.options) {
      const e = elementOf(o, depth + 1);
      if (e) return e;
    }
  }
  return d.innerType ? elementOf(d.innerType, depth + 1) : null;
}
// unknownProperties lists the properties of value its schema does not
// know, deep, as the SDK's fanatical mode does. Records (free-form maps
// such as variables and custom headers) are not objects with a shape.
function unknownProperties(value, schema, at = '') {
  if (!value || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    const el = elementOf(schema);
    return el ? value.flatMap((v, i) => unknownProperties(v, el, `${at}[${i}]`)) : [];
  }
  const shape = shapeOf(schema);
  if (!shape) return [];
  const out = [];
  for (const k of Object.keys(value)) {
    if (!(k in shape)) out.push(`${at || '/'}: ${k}`);
    else out.push(...unknownProperties(value[k], shape[k], at ? `${at}.${k}` : k));
  }
  return out;
}

// Properties of Camunda 8.10 that Orca answers and the SDK (9.1.5, the
// newest on npm, generated from 8.9) does not know yet.
const camunda810 = {
  searchMessageSubscriptions: ['messageSubscriptionType', 'processDefinitionName', 'processDefinitionVersion', 'toolName', 'toolProperties', 'inboundConnectorType'],
  // The inbound channel of an audited operation (camunda/camunda#56687).
  searchAuditLogs: ['inboundChannelType', 'inboundChannelToolName'],
  getAuditLog: ['inboundChannelType', 'inboundChannelToolName'],
};

// Endpoints Orca serves that Camunda's API has not: checked as problem
// details when they fail, and named in the summary.
const orcaOnly = [{ method: 'GET', pattern: /^\/forms\/[^/]+$/, name: 'GET /forms/{formKey} (Orca)' }];

// Endpoints of Camunda 8.10 the SDK (9.1.5) does not know: agent
// instances. Checked as problem details when they fail, else for the
// properties 8.10's OpenAPI (agent-instances.yaml) requires of the answer.
const agentInstance = ['agentInstanceKey', 'agentDefinitionKey', 'status', 'definition', 'metrics', 'limits', 'tools', 'elementId',
  'processInstanceKey', 'rootProcessInstanceKey', 'processDefinitionKey', 'processDefinitionId', 'processDefinitionVersion',
  'processDefinitionVersionTag', 'tenantId', 'creationDate', 'lastUpdatedDate', 'completionDate', 'elementInstanceKeys'];
const historyItem = ['historyItemKey', 'historyItemId', 'agentInstanceKey', 'elementInstanceKey', 'jobKey', 'jobLease', 'loopIteration',
  'role', 'content', 'toolCalls', 'metrics', 'commitStatus', 'producedAt', 'tools', 'model', 'provider', 'limits', 'systemPrompt'];
const camunda810Only = [
  { method: 'POST', pattern: /^\/agent-instances$/, name: 'createAgentInstance (8.10)', required: (r) => [[r, ['agentInstanceKey', 'createdHistory']]] },
  { method: 'GET', pattern: /^\/agent-instances\/[^/]+$/, name: 'getAgentInstance (8.10)', required: (r) => [[r, agentInstance]] },
  { method: 'PATCH', pattern: /^\/agent-instances\/[^/]+$/, name: 'updateAgentInstance (8.10)', required: (r) => [[r, ['createdHistory']]] },
  { method: 'POST', pattern: /^\/agent-instances\/search$/, name: 'searchAgentInstances (8.10)', required: (r) => [[r, ['items', 'page']], ...r.items.map((i) => [i, agentInstance])] },
  { method: 'POST', pattern: /^\/agent-instances\/[^/]+\/history$/, name: 'createAgentInstanceHistoryItem (8.10)', required: (r) => [[r, ['historyItemKey']]] },
  { method: 'POST', pattern: /^\/agent-instances\/[^/]+\/history\/search$/, name: 'searchAgentInstanceHistory (8.10)', required: (r) => [[r, ['items', 'page']], ...r.items.map((i) => [i, historyItem])] },
];

const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
if (lines.length === 0) throw new Error(`${file} is empty: the Go tests recorded nothing`);
let checked = 0;
const seen = new Set();
for (const line of lines) {
  const x = JSON.parse(line);
  const own = orcaOnly.find((o) => o.method === x.method && o.pattern.test(x.path));
  if (own) {
    seen.add(own.name);
    if (x.status >= 400 && !schemas.zProblemDetail.safeParse(x.response).success) throw new Error(`${own.name}: the ${x.status} answer is not a problem detail`);
    checked++;
    continue;
  }
  const newer = camunda810Only.find((o) => o.method === x.method && o.pattern.test(x.path));
  if (newer) {
    seen.add(newer.name);
    if (x.status >= 400) {
      if (!schemas.zProblemDetail.safeParse(x.response).success) throw new Error(`${newer.name}: the ${x.status} answer is not a problem detail`);
    } else {
      for (const [obj, keys] of newer.required(x.response)) {
        const missing = keys.filter((k) => !(k in obj));
        if (missing.length) throw new Error(`${newer.name}: the answer lacks ${missing.join(', ')}: ${JSON.stringify(obj).slice(0, 500)}`);
      }
    }
    checked++;
    continue;
  }
  const op = operations.find((o) => o.method === x.method && o.pattern.test(x.path));
  if (!op) throw new Error(`${x.method} ${x.path}: not an operation of Camunda's REST API`);
  seen.add(op.name);
  const what = `${op.name} (${x.method} ${x.path})`;
  // The request.
  if (op.data && !(x.contentType ?? '').startsWith('multipart/')) {
    const values = x.path.match(op.pattern).slice(1);
    const pathParams = op.names.length ? Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(values[i])])) : undefined;
    let query;
    if (x.query) {
      query = {};
      for (const [k, v] of new URLSearchParams(x.query)) query[k] = v === 'true' ? true : v === 'false' ? false : v;
    }
    const req = { body: x.request ?? undefined, path: pathParams, query };
    const r = op.data.safeParse(req);
    if (!r.success) throw new Error(`${what}: the request does not validate:\n${JSON.stringify(x.request)}\n${r.error.message}`);
    const extra = unknownProperties(req, op.data);
    if (extra.length) throw new Error(`${what}: the request has properties Camunda's schema does not know: ${extra.join('; ')}`);
  }
  // The answer.
  if (x.status >= 400) {
    const r = schemas.zProblemDetail.safeParse(x.response);
    if (!r.success) throw new Error(`${what}: the ${x.status} answer is not a problem detail: ${JSON.stringify(x.response)}`);
  } else if (x.response !== undefined && op.response) {
    const r = op.response.safeParse(x.response);
    if (!r.success) throw new Error(`${what}: the answer does not validate:\n${JSON.stringify(x.response).slice(0, 2000)}\n${r.error.message}`);
    const newer = new Set(camunda810[op.name] ?? []);
    const extra = unknownProperties(x.response, op.response).filter((e) => !newer.has(e.slice(e.lastIndexOf(': ') + 2)));
    if (extra.length) throw new Error(`${what}: the answer has properties Camunda's schema does not know: ${extra.join('; ')}`);
  }
  checked++;
}
console.log(`contract: ${checked} exchanges of ${seen.size} operations validate against Camunda's schemas (${[...seen].sort().join(', ')})`);
