// Shared helpers: the REST API v2 client, DOM building, the BPMN diagram
// (bpmn-js) and Camunda Forms (form-js), both loaded on first use.

const authKey = 'orca.auth';
const userKey = 'orca.user';
// With single sign-on the console's back end holds the tokens: the page
// only knows that it has a session (an HttpOnly cookie it cannot read) and
// sends its calls to {base}session/v2 with the X-Orca-Console header.
export const sso = document.body.dataset.sso === 'true';
const apiBase = document.body.dataset.api || '/v2';
export const session = {
  get auth() { return sessionStorage.getItem(authKey); },
  get user() { return sessionStorage.getItem(userKey) || localStorage.getItem(userKey) || 'demo'; },
  login(header, user) { sessionStorage.setItem(authKey, header); sessionStorage.setItem(userKey, user); },
  logout() { sessionStorage.removeItem(authKey); sessionStorage.removeItem(userKey); },
};

// checkSession asks the back end whether the single sign-on session is
// alive (after the login's redirect, or a reload).
export async function checkSession() {
  const res = await fetch('session', { headers: { Accept: 'application/json' } });
  if (!res.ok) { session.logout(); return false; }
  const s = await res.json();
  session.login('session', s.user);
  return true;
}

// logout ends the session and goes where the back end says (the provider's
// logout page with single sign-on).
export async function logout() {
  session.logout();
  stopLive();
  if (!sso) { location.hash = '#/login'; return; }
  const res = await fetch('logout', { method: 'POST', headers: { 'X-Orca-Console': '1' } });
  const out = res.ok ? await res.json() : {};
  location.href = out.redirect || '#/login';
}

export class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function authHeaders(headers) {
  if (sso) headers['X-Orca-Console'] = '1';
  else if (session.auth) headers.Authorization = session.auth;
  return headers;
}

// api calls /v2 as any client does; a JSON body is sent as JSON, FormData
// as multipart. It answers the decoded JSON (null for 204).
export async function api(method, path, body, { text = false } = {}) {
  const headers = authHeaders({ Accept: text ? '*/*' : 'application/json' });
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const res = await fetch(apiBase + path, { method, headers, body: payload });
  if (res.status === 401 && document.body.dataset.auth !== 'none') {
    const had = session.auth;
    session.logout();
    stopLive();
    location.hash = had ? '#/login?expired=1' : '#/login';
    throw new APIError(401, 'Please log in.');
  }
  if (res.status === 204) return null;
  const out = await res.text();
  if (!res.ok) {
    let p = null;
    try { p = JSON.parse(out); } catch { /* not JSON */ }
    throw new APIError(res.status, (p && (p.detail || p.title)) || out || res.statusText);
  }
  if (text) return out;
  return out ? JSON.parse(out) : null;
}
export const search = (what, body = {}) => api('POST', `/${what}/search`, body);

// h builds an element: attributes (on* are listeners, class, dataset via
// data-*), then children (strings become text, never HTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}
export function replace(el, ...children) { el.replaceChildren(); append(el, children); return el; }

export function say(message, error = false) {
  const s = document.getElementById('status');
  s.className = error ? 'status error' : 'status';
  s.textContent = message;
  clearTimeout(say.t);
  say.t = setTimeout(() => { s.textContent = ''; }, error ? 10000 : 4000);
}

// act runs an action of a button, showing failures.
export async function act(button, fn) {
  if (button) button.disabled = true;
  try { return await fn(); } catch (e) { say(e.message, true); return undefined; } finally { if (button) button.disabled = false; }
}

export const state = (s) => h('span', { class: `state ${s}` }, s);
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
export const short = (s, n = 120) => (s && s.length > n ? s.slice(0, n) + '…' : s);

export function table(headers, rows, caption) {
  return h('table', {}, caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'None.'))));
}

const loaded = {};
function script(src) {
  loaded[src] ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => { delete loaded[src]; reject(new Error(`cannot load ${src}`)); };
    document.head.append(s);
  });
  return loaded[src];
}

// Diagram draws a BPMN model with overlays: active tokens, incidents and the
// completed path. It keeps a list of the same facts for screen readers.
export class Diagram {
  constructor(container, summary) { this.container = container; this.summary = summary; }
  async show(xml) {
    await script('assets/vendor/bpmn-navigated-viewer.production.min.js');
    this.viewer = new window.BpmnJS({ container: this.container });
    await this.viewer.importXML(xml);
    this.viewer.get('canvas').zoom('fit-viewport', 'auto');
    this.container.setAttribute('data-ready', 'true');
  }
  // typeOf is an element's BPMN type (bpmn:UserTask), or ''.
  typeOf(id) {
    const el = this.viewer && this.viewer.get('elementRegistry').get(id);
    return el ? el.type : '';
  }
  // mark sets the overlays: active {id: n}, incidents {id: n}, completed
  // [ids] (elements drawn as done), taken [sequence flow ids], and counts
  // {id: {completed, canceled}} (badges, as Operate's statistics).
  mark({ active = {}, incidents = {}, completed = [], taken = [], counts = {} }) {
    if (!this.viewer) return;
    const overlays = this.viewer.get('overlays');
    const canvas = this.viewer.get('canvas');
    const registry = this.viewer.get('elementRegistry');
    overlays.remove({ type: 'orca' });
    for (const m of ['orca-active', 'orca-incident', 'orca-completed', 'orca-taken']) {
      for (const el of registry.getAll()) canvas.removeMarker(el.id, m);
    }
    const lines = [];
    for (const id of completed) if (registry.get(id)) canvas.addMarker(id, 'orca-completed');
    for (const id of taken) if (registry.get(id)) canvas.addMarker(id, 'orca-taken');
    for (const [id, n] of Object.entries(active)) {
      if (!registry.get(id) || !n) continue;
      canvas.addMarker(id, 'orca-active');
      overlays.add(id, 'orca', { position: { bottom: 8, left: -8 }, scale: { min: 1 }, html: h('span', { class: 'token', 'data-element': id, title: `${n} active` }, String(n)) });
      lines.push(h('li', { 'data-active': id }, `${name(registry, id)}: ${n} active`));
    }
    for (const [id, n] of Object.entries(incidents)) {
      if (!registry.get(id) || !n) continue;
      canvas.addMarker(id, 'orca-incident');
      overlays.add(id, 'orca', { position: { top: -10, right: 10 }, scale: { min: 1 }, html: h('span', { class: 'token incident-badge', 'data-incident': id, title: `${n} incidents` }, `${n} !`) });
      lines.push(h('li', { 'data-incident': id }, `${name(registry, id)}: ${n} incident${n > 1 ? 's' : ''}`));
    }
    for (const [id, c] of Object.entries(counts)) {
      if (!registry.get(id)) continue;
      if (c.completed) {
        overlays.add(id, 'orca', { position: { bottom: 8, right: 16 }, scale: { min: 1 }, html: h('span', { class: 'token done-badge', 'data-completed': id, title: `${c.completed} completed` }, String(c.completed)) });
        lines.push(h('li', { 'data-completed': id }, `${name(registry, id)}: ${c.completed} completed`));
      }
      if (c.canceled) {
        overlays.add(id, 'orca', { position: { top: -10, left: -8 }, scale: { min: 1 }, html: h('span', { class: 'token canceled-badge', 'data-canceled': id, title: `${c.canceled} canceled` }, String(c.canceled)) });
        lines.push(h('li', { 'data-canceled': id }, `${name(registry, id)}: ${c.canceled} canceled`));
      }
    }
    if (this.summary) replace(this.summary, lines.length ? h('ul', {}, lines) : h('p', { class: 'muted' }, 'No active tokens.'));
  }
}
function name(registry, id) { const el = registry.get(id); return (el && el.businessObject && el.businessObject.name) || id; }

// renderForm shows a Camunda Form (form-js) with initial data; the result's
// submit() validates and answers {data, errors}.
export async function renderForm(container, schema, data = {}) {
  await script('assets/vendor/form-viewer.umd.js');
  // No debounce: a value typed just before Complete must be in the submission
  // (form-js waits 300 ms by default before it takes typed text).
  const form = new window.FormViewer.Form({ container, debounce: false });
  await form.importSchema(typeof schema === 'string' ? JSON.parse(schema) : schema, data);
  container.setAttribute('data-ready', 'true');
  return form;
}

// countBy counts items by a field.
export function countBy(items, field) {
  const out = {};
  for (const it of items) out[it[field]] = (out[it[field]] || 0) + 1;
  return out;
}

// variablesOf turns a variable search into an object of decoded values.
export function variablesOf(items) {
  const out = {};
  for (const v of items) {
    try { out[v.name] = JSON.parse(v.value); } catch { out[v.name] = v.value; }
  }
  return out;
}

// all pages through a search (up to max items).
export async function all(what, body, max = 5000) {
  const items = [];
  let after;
  while (items.length < max) {
    const res = await search(what, { ...body, page: { limit: Math.min(1000, max - items.length), ...(after ? { after } : {}) } });
    items.push(...res.items);
    if (!res.items.length || !res.page.endCursor || (items.length >= res.page.totalItems && !res.page.hasMoreTotalItems)) break;
    after = res.page.endCursor;
  }
  return items;
}

// live follows the console's event stream ({base}events, Server-Sent
// Events read with fetch so that it carries the same credentials as the API
// calls) and hands each event ({type, data}) to the listener. It reconnects
// after a failure, a little later each time, and says 'resync' after a
// reconnect (what happened in between is unknown). It answers false when
// the server has no live updates (the pages then poll).
export const liveAvailable = document.body.dataset.live === 'true';
const liveListeners = new Set();
let liveStarted = false;
let liveAbort = null;
// stopLive closes the stream (at logout: it was opened with the old
// credentials); it opens again after the next login.
function stopLive() { if (liveAbort) liveAbort.abort(); }
export function onLive(fn) {
  liveListeners.add(fn);
  if (liveAvailable && !liveStarted) { liveStarted = true; follow(); }
  return () => liveListeners.delete(fn);
}
function emit(type, data) { for (const fn of [...liveListeners]) { try { fn({ type, data }); } catch (e) { say(e.message, true); } } }
async function follow() {
  let delay = 1000;
  let first = true;
  for (;;) {
    if (document.body.dataset.auth !== 'none' && !session.auth) { await new Promise((r) => setTimeout(r, 1000)); continue; }
    try {
      liveAbort = new AbortController();
      const res = await fetch('events', { headers: authHeaders({ Accept: 'text/event-stream' }), signal: liveAbort.signal });
      if (res.status === 401) { session.logout(); location.hash = '#/login?expired=1'; throw new Error('logged out'); }
      if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
      document.body.dataset.liveConnected = 'true';
      if (!first) emit('resync', {});
      first = false;
      delay = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (block.startsWith(':')) continue;
          if (type === 'expired') { session.logout(); location.hash = '#/login?expired=1'; }
          let parsed = {};
          try { parsed = JSON.parse(data || '{}'); } catch { /* not JSON */ }
          emit(type, parsed);
        }
      }
    } catch { /* reconnect below */ }
    delete document.body.dataset.liveConnected;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 30000);
  }
}
