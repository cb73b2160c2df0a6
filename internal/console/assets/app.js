// The Orca console: a router over the URL fragment and one function per
// page. Pages talk to /v2 only; a page may return a refresh function, run
// when the server's live updates (Server-Sent Events) say that something it
// shows changed (refresh.wants(change) decides; default: any change), or
// every few seconds when the server has no live updates.
import { api, search, h, replace, say, act, state, when, short, table, Diagram, renderForm, countBy, variablesOf, all, session, sso, checkSession, logout, liveAvailable, onLive } from './lib.js';

const main = document.getElementById('main');
const authMethod = document.body.dataset.auth;
const REFRESH_MS = 2000;
let current = { refresh: null, timer: null, unlive: null, seq: 0 };

// coalesce runs fn at most once at a time and at most every gap ms; calls
// meanwhile make one more run afterwards.
function coalesce(fn, gap = 300) {
  let running = false;
  let again = false;
  const go = async () => {
    if (running) { again = true; return; }
    running = true;
    try { await fn(); } finally {
      await new Promise((r) => setTimeout(r, gap));
      running = false;
      if (again) { again = false; go(); }
    }
  };
  return go;
}

const routes = [
  [/^#\/login$/, loginPage],
  [/^#\/processes\/(\d+)$/, processPage],
  [/^#\/(?:processes)?$/, processesPage],
  [/^#\/instances\/(\d+)$/, instancePage],
  [/^#\/instances$/, instancesPage],
  [/^#\/tasks(?:\/(\d+))?$/, tasksPage],
  [/^#\/agents\/(\d+)$/, agentPage],
  [/^#\/agents$/, agentsPage],
];

async function route() {
  clearInterval(current.timer);
  if (current.unlive) { current.unlive(); current.unlive = null; }
  const seq = ++current.seq;
  const [hash, query] = (location.hash || '#/processes').split('?');
  if (authMethod !== 'none' && !session.auth && hash !== '#/login') { location.hash = '#/login'; return; }
  const section = hash.split('/')[1] || 'processes';
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  who();
  const match = routes.map(([re, fn]) => [hash.match(re), fn]).find(([m]) => m) || [[], notFound];
  replace(main, h('p', { class: 'muted' }, 'Loading…'));
  // Changes that arrive while the page loads may be missing from what it
  // read: listen from now on, and refresh once after the load if any came.
  let early = false;
  if (liveAvailable) current.unlive = onLive(() => { early = true; });
  try {
    const refresh = await match[1](...match[0].slice(1), new URLSearchParams(query || ''));
    if (seq !== current.seq) return;
    main.focus({ preventScroll: true });
    if (typeof refresh === 'function') {
      const run = coalesce(async () => {
        if (seq !== current.seq) return;
        try { await refresh(); } catch (e) { say(e.message, true); }
      });
      if (liveAvailable) {
        const wants = refresh.wants || (() => true);
        current.unlive();
        current.unlive = onLive((ev) => {
          if (ev.type === 'resync' || ev.type === 'ready' || (ev.type === 'change' && wants(ev.data))) run();
        });
        if (early) run();
      } else {
        current.timer = setInterval(() => { if (!document.hidden) run(); }, REFRESH_MS);
      }
    }
  } catch (e) {
    if (seq === current.seq && e.status !== 401) replace(main, h('h1', {}, 'Something went wrong'), h('p', { class: 'incident' }, e.message));
  }
}
window.addEventListener('hashchange', route);
if (sso && !session.auth) await checkSession().catch(() => false);
route();

function who() {
  const el = document.getElementById('who');
  if (authMethod === 'none') { replace(el, h('span', { class: 'muted' }, `no authentication · ${document.body.dataset.version || ''}`)); return; }
  if (!session.auth) { replace(el); return; }
  replace(el, h('span', { id: 'user' }, session.user), h('button', { type: 'button', id: 'logout', onclick: () => act(null, logout) }, 'Log out'));
}

function notFound() { replace(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/processes' }, 'Go to the processes'))); }
function title(text) { document.title = `${text} · Orca`; return h('h1', {}, text); }

// --- Login -----------------------------------------------------------------

const loginNotes = {
  expired: 'Your session has ended. Please log in again.',
  loggedOut: 'You are logged out.',
  state: 'The login could not be finished: it did not start in this browser, or it took too long. Please try again.',
  denied: 'The OpenID provider refused the login.',
  provider: 'The OpenID provider cannot be reached. Please try again later.',
  exchange: 'The login was refused: the OpenID provider did not accept the login code.',
  idtoken: 'The login was refused: the OpenID provider\'s ID token did not check out.',
  nonce: 'The login was refused: the ID token was not issued for this login.',
  issuer: 'The login was refused: the answer came from another issuer.',
};

function loginPage(params) {
  const note = params.get('failed') ? loginNotes[params.get('failed')] || 'The login failed.'
    : params.get('expired') ? loginNotes.expired : params.get('loggedOut') ? loginNotes.loggedOut : '';
  if (sso) {
    replace(main, h('div', { class: 'card login' }, title('Log in to Orca'),
      note ? h('p', { class: params.get('failed') ? 'incident' : 'muted', role: 'alert' }, note) : null,
      h('p', {}, 'Orca uses your organisation\'s single sign-on (OpenID Connect).'),
      h('p', {}, h('a', { class: 'button primary', href: 'sso/login', id: 'sso-login' }, 'Log in with single sign-on'))));
    document.getElementById('sso-login').focus();
    return;
  }
  const basic = authMethod === 'basic';
  const err = h('p', { class: 'incident', role: 'alert' });
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const token = h('textarea', { name: 'token', rows: 4, required: true });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Log in');
  const form = h('form', {
    class: 'card login', onsubmit: async (ev) => {
      ev.preventDefault();
      const header = basic ? 'Basic ' + btoa(unescape(encodeURIComponent(`${user.value}:${pass.value}`))) : 'Bearer ' + token.value.trim();
      await act(submit, async () => {
        const res = await fetch('login', { method: 'POST', headers: { Authorization: header } });
        if (res.status !== 204) { err.textContent = basic ? 'The user name or password is wrong.' : 'The token was refused.'; return; }
        session.login(header, basic ? user.value : 'token');
        location.hash = '#/processes';
      });
    },
  }, title('Log in to Orca'),
  basic ? [h('label', {}, 'User name', user), h('label', {}, 'Password', pass)]
    : [h('p', {}, 'Paste an access token of the configured OpenID provider.'), h('label', {}, 'Access token', token)],
  err, submit);
  if (note) err.textContent = note;
  replace(main, form);
  (basic ? user : token).focus();
}

// --- Processes ---------------------------------------------------------------

async function processesPage() {
  const list = h('div');
  const input = h('input', { type: 'file', multiple: true, accept: '.bpmn,.xml,.form', id: 'deploy-files', onchange: () => deploy(input.files) });
  const drop = h('div', { class: 'drop', id: 'drop' }, 'Drop BPMN and form files here to deploy them, or ', h('label', { for: 'deploy-files', class: 'button' }, 'choose files'), input);
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); deploy(e.dataTransfer.files); });
  async function deploy(files) {
    if (!files || !files.length) return;
    const fd = new FormData();
    for (const f of files) fd.append('resources', f, f.name);
    await act(null, async () => {
      const res = await api('POST', '/deployments', fd);
      const names = res.deployments.map((d) => d.processDefinition ? `${d.processDefinition.processDefinitionId} v${d.processDefinition.processDefinitionVersion}` : d.form ? `form ${d.form.formId} v${d.form.version}` : '?');
      say(`Deployed ${names.join(', ')}`);
      await load();
    });
  }
  async function load() {
    const defs = await all('process-definitions', { sort: [{ field: 'processDefinitionId' }, { field: 'version', order: 'DESC' }] }, 2000);
    const byId = new Map();
    for (const d of defs) { if (!byId.has(d.processDefinitionId)) byId.set(d.processDefinitionId, []); byId.get(d.processDefinitionId).push(d); }
    const active = await search('process-instances', { filter: { state: 'ACTIVE' }, page: { limit: 1 } });
    const rows = [...byId.values()].map((vs) => {
      const d = vs[0];
      return h('tr', {},
        h('td', {}, h('a', { href: `#/processes/${d.processDefinitionKey}` }, d.name || d.processDefinitionId)),
        h('td', {}, h('code', {}, d.processDefinitionId)),
        h('td', {}, `v${d.version}`, d.versionTag ? ` (${d.versionTag})` : ''),
        h('td', {}, vs.slice(1, 6).map((o) => [h('a', { href: `#/processes/${o.processDefinitionKey}` }, `v${o.version}`), ' ']), vs.length > 6 ? '…' : ''),
        h('td', {}, d.hasStartForm ? 'start form' : ''));
    });
    replace(list, h('p', { class: 'muted' }, `${byId.size} processes, ${active.page.totalItems}${active.page.hasMoreTotalItems ? '+' : ''} active instances.`),
      table(['Process', 'Id', 'Latest', 'Older versions', ''], rows, 'Deployed processes'));
  }
  replace(main, title('Processes'), drop, h('h2', {}, 'Deployed'), list);
  await load();
  return load;
}

async function processPage(key) {
  const def = await api('GET', `/process-definitions/${key}`);
  const xml = await api('GET', `/process-definitions/${key}/xml`, undefined, { text: true });
  const canvas = h('div', { class: 'diagram', id: 'diagram', role: 'img', 'aria-label': `Diagram of ${def.name || def.processDefinitionId}` });
  const summary = h('div', { id: 'tokens' });
  const starter = h('section', { class: 'card', 'aria-labelledby': 'start-h' }, h('h2', { id: 'start-h' }, 'Start an instance'));
  const instances = h('div');
  replace(main, title(def.name || def.processDefinitionId),
    h('p', { class: 'muted' }, `${def.processDefinitionId} · version ${def.version}${def.versionTag ? ` (${def.versionTag})` : ''} · ${def.resourceName} · key ${key}`),
    canvas, h('h2', {}, 'Tokens and statistics'), summary, h('div', { class: 'row' }, h('div', { class: 'grow' }, h('h2', {}, 'Recent instances'), instances), h('div', { class: 'grow' }, starter)));
  const diagram = new Diagram(canvas, summary);
  await diagram.show(xml);
  await startSection(starter, def);
  const containers = new Set(['bpmn:SubProcess', 'bpmn:AdHocSubProcess', 'bpmn:Transaction']);
  async function load() {
    const [stats, pis] = await Promise.all([
      api('POST', `/process-definitions/${key}/statistics/element-instances`, {}),
      search('process-instances', { filter: { processDefinitionKey: key }, sort: [{ field: 'startDate', order: 'DESC' }], page: { limit: 15 } }),
    ]);
    // Operate's badges: active tokens (not on a sub-process waiting for its
    // children), incidents, completed and canceled element instances.
    const active = {};
    const incidents = {};
    const counts = {};
    for (const s of stats.items) {
      if (!containers.has(diagram.typeOf(s.elementId))) active[s.elementId] = s.active;
      incidents[s.elementId] = s.incidents;
      counts[s.elementId] = s;
    }
    diagram.mark({ active, incidents, counts });
    replace(instances, instanceTable(pis.items), h('p', {}, h('a', { href: `#/instances?processDefinitionKey=${key}` }, `All ${pis.page.totalItems}${pis.page.hasMoreTotalItems ? '+' : ''} instances`)));
  }
  await load();
  return load;
}

// isToken: element instances that hold a token (not the process or a scope
// waiting for its children).
const isToken = (e) => !['PROCESS', 'SUB_PROCESS', 'MULTI_INSTANCE_BODY', 'AD_HOC_SUB_PROCESS', 'EVENT_SUB_PROCESS'].includes(e.type);

async function startSection(box, def) {
  const go = h('button', { class: 'primary', type: 'button', id: 'start' }, 'Start');
  if (def.hasStartForm) {
    const form = await api('GET', `/process-definitions/${def.processDefinitionKey}/form`);
    if (form) {
      const holder = h('div', { id: 'start-form' });
      box.append(holder, go);
      const f = await renderForm(holder, form.schema);
      go.addEventListener('click', () => act(go, async () => {
        const { data, errors } = f.submit();
        if (Object.keys(errors).length) { say('Please correct the form.', true); return; }
        await start(data);
      }));
      return;
    }
    box.append(h('p', { class: 'incident' }, 'The start form is linked but not deployed.'));
  }
  const vars = h('textarea', { id: 'start-variables', rows: 5, 'aria-label': 'Variables (JSON)' }, '{}');
  box.append(h('p', { class: 'muted' }, 'Variables as a JSON object:'), vars, go);
  go.addEventListener('click', () => act(go, async () => {
    let data;
    try { data = JSON.parse(vars.value || '{}'); } catch (e) { throw new Error(`The variables are not JSON: ${e.message}`); }
    await start(data);
  }));
  async function start(variables) {
    const res = await api('POST', '/process-instances', { processDefinitionKey: def.processDefinitionKey, variables });
    say(`Started instance ${res.processInstanceKey}`);
    location.hash = `#/instances/${res.processInstanceKey}`;
  }
}

// --- Instances ---------------------------------------------------------------

function instanceTable(items) {
  return table(['Instance', 'Process', 'State', 'Started', 'Ended'], items.map((p) => h('tr', {},
    h('td', {}, h('a', { href: `#/instances/${p.processInstanceKey}` }, p.processInstanceKey), p.hasIncident ? h('span', { class: 'incident' }, ' incident') : ''),
    h('td', {}, `${p.processDefinitionName || p.processDefinitionId} v${p.processDefinitionVersion}`),
    h('td', {}, state(p.state)), h('td', {}, when(p.startDate)), h('td', {}, when(p.endDate)))), 'Process instances');
}

async function instancesPage(params) {
  const f = {
    state: h('select', { id: 'f-state' }, ['', 'ACTIVE', 'COMPLETED', 'TERMINATED'].map((s) => h('option', { value: s }, s || 'any state'))),
    id: h('input', { id: 'f-process', placeholder: 'process id', value: params.get('processDefinitionId') || '' }),
    incident: h('input', { type: 'checkbox', id: 'f-incident' }),
    varName: h('input', { id: 'f-var-name', placeholder: 'variable', size: 10 }),
    varValue: h('input', { id: 'f-var-value', placeholder: 'value (JSON)', size: 10 }),
    from: h('input', { id: 'f-from', type: 'datetime-local' }),
    to: h('input', { id: 'f-to', type: 'datetime-local' }),
  };
  f.state.value = params.get('state') || '';
  const results = h('div', { id: 'instances' });
  let cursors = [undefined];
  let page = 0;
  const prev = h('button', { type: 'button', onclick: () => { page--; load(); } }, 'Previous');
  const next = h('button', { type: 'button', onclick: () => { page++; load(); } }, 'Next');
  async function load() {
    const filter = {};
    if (f.state.value) filter.state = f.state.value;
    if (f.id.value.trim()) filter.processDefinitionId = f.id.value.trim();
    if (params.get('processDefinitionKey')) filter.processDefinitionKey = params.get('processDefinitionKey');
    if (f.incident.checked) filter.hasIncident = true;
    if (f.from.value || f.to.value) {
      filter.startDate = {};
      if (f.from.value) filter.startDate.$gte = new Date(f.from.value).toISOString();
      if (f.to.value) filter.startDate.$lte = new Date(f.to.value).toISOString();
    }
    if (f.varName.value.trim()) filter.variables = [{ name: f.varName.value.trim(), value: f.varValue.value.trim() || 'null' }];
    const res = await search('process-instances', { filter, sort: [{ field: 'startDate', order: 'DESC' }], page: { limit: 50, ...(cursors[page] ? { after: cursors[page] } : {}) } });
    cursors[page + 1] = res.page.endCursor;
    prev.disabled = page === 0;
    next.disabled = !res.page.endCursor || ((page + 1) * 50 >= res.page.totalItems && !res.page.hasMoreTotalItems);
    replace(results, h('p', { class: 'muted', 'aria-live': 'polite' }, `${res.page.totalItems}${res.page.hasMoreTotalItems ? '+' : ''} instances · page ${page + 1}`), instanceTable(res.items));
  }
  load.wants = (c) => c.processInstanceKeys.length > 0;
  const apply = (e) => { e.preventDefault(); cursors = [undefined]; page = 0; act(null, load); };
  replace(main, title('Instances'),
    h('form', { class: 'filters', onsubmit: apply, role: 'search' },
      h('label', {}, 'State', f.state), h('label', {}, 'Process', f.id), h('label', {}, f.incident, 'with incidents'),
      h('label', {}, 'Started from', f.from), h('label', {}, 'to', f.to),
      h('label', {}, 'Variable', f.varName), h('label', {}, '=', f.varValue), h('button', { type: 'submit' }, 'Filter')),
    results, h('div', { class: 'filters' }, prev, next));
  await load();
  return load;
}

async function instancePage(key) {
  let pi = await api('GET', `/process-instances/${key}`);
  const xml = await api('GET', `/process-definitions/${pi.processDefinitionKey}/xml`, undefined, { text: true });
  const head = h('div');
  const canvas = h('div', { class: 'diagram', id: 'diagram', role: 'img', 'aria-label': 'Diagram of the instance' });
  const summary = h('div', { id: 'tokens' });
  const incidents = h('section', { id: 'incidents' });
  const history = h('section', { id: 'history' });
  const variables = h('section', { id: 'variables' });
  const children = h('section', { id: 'children' });
  const cancel = h('button', { class: 'danger', type: 'button', id: 'cancel' }, 'Cancel instance');
  cancel.addEventListener('click', () => act(cancel, async () => {
    if (!confirm(`Cancel instance ${key}?`)) return;
    await api('POST', `/process-instances/${key}/cancellation`, {});
    say(`Instance ${key} cancelled`);
    await load();
  }));
  replace(main, title(`Instance ${key}`), head, canvas, h('h2', {}, 'Active tokens'), summary, incidents,
    h('div', { class: 'row' }, h('div', { class: 'grow' }, variables), h('div', { class: 'grow' }, history)), children);
  const diagram = new Diagram(canvas, summary);
  await diagram.show(xml);
  const editing = new Set();
  async function load() {
    pi = await api('GET', `/process-instances/${key}`);
    const [els, incs, vars, kids, flows] = await Promise.all([
      all('element-instances', { filter: { processInstanceKey: key }, sort: [{ field: 'startDate' }] }, 5000),
      search('incidents', { filter: { processInstanceKey: key, state: 'ACTIVE' }, page: { limit: 100 } }),
      api('POST', '/variables/search?truncateValues=false', { filter: { processInstanceKey: key }, sort: [{ field: 'name' }], page: { limit: 500 } }),
      search('process-instances', { filter: { parentProcessInstanceKey: key }, page: { limit: 100 } }),
      api('GET', `/process-instances/${key}/sequence-flows`),
    ]);
    replace(head, h('dl', { class: 'facts' },
      h('dt', {}, 'Process'), h('dd', {}, h('a', { href: `#/processes/${pi.processDefinitionKey}` }, `${pi.processDefinitionName || pi.processDefinitionId} v${pi.processDefinitionVersion}`)),
      h('dt', {}, 'State'), h('dd', { id: 'instance-state' }, state(pi.state), pi.hasIncident ? h('span', { class: 'incident' }, ' has incidents') : ''),
      h('dt', {}, 'Started'), h('dd', {}, when(pi.startDate), pi.endDate ? ` · ended ${when(pi.endDate)}` : ''),
      pi.parentProcessInstanceKey ? [h('dt', {}, 'Parent'), h('dd', {}, h('a', { href: `#/instances/${pi.parentProcessInstanceKey}` }, pi.parentProcessInstanceKey))] : null,
      pi.tags && pi.tags.length ? [h('dt', {}, 'Tags'), h('dd', {}, pi.tags.join(', '))] : null),
    pi.state === 'ACTIVE' ? cancel : null);
    const active = els.filter((e) => e.state === 'ACTIVE' && isToken(e));
    const done = els.filter((e) => e.state === 'COMPLETED').map((e) => e.elementId);
    // The path taken: the sequence flows the engine recorded as taken, as
    // Operate draws them.
    const taken = flows.items.map((f) => f.elementId);
    diagram.mark({ active: countBy(active, 'elementId'), incidents: countBy(incs.items, 'elementId'), completed: done, taken });
    replace(incidents, h('h2', {}, `Incidents (${incs.items.length})`), table(['Element', 'Type', 'Message', ''], incs.items.map((i) => {
      const retry = h('button', { type: 'button', class: 'primary', 'data-retry': i.incidentKey }, 'Retry');
      retry.addEventListener('click', () => act(retry, async () => {
        await api('POST', `/incidents/${i.incidentKey}/resolution`, {});
        say(`Incident ${i.incidentKey} resolved; retrying ${i.elementId}`);
        await load();
      }));
      return h('tr', {}, h('td', {}, i.elementId), h('td', {}, i.errorType), h('td', { class: 'incident' }, i.errorMessage), h('td', {}, retry));
    }), 'Incidents'));
    replace(history, h('h2', {}, 'Element instances'), table(['Element', 'Type', 'State', 'Started', 'Ended'], els.map((e) => h('tr', {},
      h('td', {}, e.elementName || e.elementId), h('td', {}, e.type.toLowerCase().replaceAll('_', ' ')), h('td', {}, state(e.state), e.hasIncident ? h('span', { class: 'incident' }, ' !') : ''),
      h('td', {}, when(e.startDate)), h('td', {}, when(e.endDate)))), 'Element instance history'));
    if (!editing.size) {
      replace(variables, h('h2', {}, 'Variables'), table(['Name', 'Value', 'Scope', ''], vars.items.map((v) => variableRow(v)), 'Variables'));
    }
    replace(children, kids.items.length ? [h('h2', {}, 'Called instances'), instanceTable(kids.items)] : null);
    related = new Set([key, ...kids.items.map((k) => k.processInstanceKey)]);
  }
  let related = new Set([key]);
  load.wants = (c) => c.processInstanceKeys.some((k) => related.has(k));
  function variableRow(v) {
    const cell = h('td', {}, h('pre', {}, short(v.value, 400)));
    const edit = h('button', { type: 'button', 'data-edit': v.name }, 'Edit');
    edit.addEventListener('click', () => {
      editing.add(v.variableKey);
      const ta = h('textarea', { rows: 3, 'aria-label': `Value of ${v.name} (JSON)` }, v.value);
      const save = h('button', { type: 'button', class: 'primary' }, 'Save');
      const undo = h('button', { type: 'button', onclick: () => { editing.delete(v.variableKey); load(); } }, 'Cancel');
      save.addEventListener('click', () => act(save, async () => {
        let value;
        try { value = JSON.parse(ta.value); } catch (e) { throw new Error(`The value is not JSON: ${e.message}`); }
        await api('PUT', `/element-instances/${v.scopeKey}/variables`, { variables: { [v.name]: value }, local: true });
        editing.delete(v.variableKey);
        say(`Variable ${v.name} saved`);
        await load();
      }));
      replace(cell, ta, save, ' ', undo);
      ta.focus();
    });
    return h('tr', {}, h('td', {}, h('code', {}, v.name)), cell, h('td', { class: 'muted' }, v.scopeKey === key ? 'instance' : v.scopeKey), h('td', {}, pi.state === 'ACTIVE' ? edit : ''));
  }
  await load();
  return load;
}

// --- Tasks -------------------------------------------------------------------

async function tasksPage(selected, params) {
  const f = {
    mine: h('select', { id: 'f-assignee' }, [['', 'all tasks'], ['me', 'assigned to me'], ['none', 'unassigned']].map(([v, t]) => h('option', { value: v }, t))),
    group: h('input', { id: 'f-group', placeholder: 'candidate group', size: 14 }),
    user: h('input', { id: 'f-user', placeholder: 'candidate user', size: 14 }),
  };
  const list = h('ul', { class: 'tasklist', id: 'tasklist', 'aria-label': 'Open tasks' });
  const detail = h('section', { id: 'task', 'aria-live': 'polite' });
  async function load() {
    const filter = { state: 'CREATED' };
    if (f.mine.value === 'me') filter.assignee = session.user;
    if (f.mine.value === 'none') filter.assignee = { $exists: false };
    if (f.group.value.trim()) filter.candidateGroup = f.group.value.trim();
    if (f.user.value.trim()) filter.candidateUser = f.user.value.trim();
    const res = await search('user-tasks', { filter, sort: [{ field: 'creationDate', order: 'DESC' }], page: { limit: 200 } });
    replace(list, res.items.length ? res.items.map((t) => h('li', {}, h('a', { href: `#/tasks/${t.userTaskKey}`, 'aria-current': t.userTaskKey === selected ? 'true' : 'false' },
      h('strong', {}, t.name || t.elementId), h('br'), h('span', { class: 'muted' }, `${t.processName || t.processDefinitionId} · ${t.assignee ? `assigned to ${t.assignee}` : 'unassigned'} · ${when(t.creationDate)}`))))
      : h('li', { class: 'muted', style: 'padding:8px 12px' }, 'No open tasks.'));
  }
  replace(main, title('Tasks'),
    h('form', { class: 'filters', role: 'search', onsubmit: (e) => { e.preventDefault(); act(null, load); } },
      h('label', {}, 'Show', f.mine), h('label', {}, 'Group', f.group), h('label', {}, 'User', f.user), h('button', { type: 'submit' }, 'Filter')),
    h('div', { class: 'tasks' }, list, detail));
  await load();
  if (selected) await taskDetail(detail, selected, load);
  else replace(detail, h('p', { class: 'muted' }, 'Select a task.'));
  load.wants = (c) => c.userTasks;
  return load;
}

async function taskDetail(box, key, reloadList) {
  const t = await api('GET', `/user-tasks/${key}`);
  const vars = await api('POST', `/user-tasks/${key}/effective-variables/search?truncateValues=false`, { page: { limit: 500 } });
  const data = variablesOf(vars.items);
  const mine = t.assignee === session.user;
  const claim = h('button', { type: 'button', id: 'claim' }, mine ? 'Unclaim' : t.assignee ? `Claim (from ${t.assignee})` : 'Claim');
  claim.addEventListener('click', () => act(claim, async () => {
    if (mine) await api('DELETE', `/user-tasks/${key}/assignee`);
    else await api('POST', `/user-tasks/${key}/assignment`, { assignee: session.user, allowOverride: true });
    say(mine ? 'Task unclaimed' : `Task claimed by ${session.user}`);
    await reloadList();
    await taskDetail(box, key, reloadList);
  }));
  const complete = h('button', { type: 'button', class: 'primary', id: 'complete' }, 'Complete');
  const body = h('div', { id: 'task-form' });
  replace(box, h('div', { class: 'card' },
    h('h2', {}, t.name || t.elementId),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Process'), h('dd', {}, h('a', { href: `#/instances/${t.processInstanceKey}` }, `${t.processName || t.processDefinitionId} · instance ${t.processInstanceKey}`)),
      h('dt', {}, 'Assignee'), h('dd', { id: 'assignee' }, t.assignee || 'nobody'),
      t.candidateGroups.length ? [h('dt', {}, 'Candidate groups'), h('dd', {}, t.candidateGroups.join(', '))] : null,
      t.candidateUsers.length ? [h('dt', {}, 'Candidate users'), h('dd', {}, t.candidateUsers.join(', '))] : null,
      t.dueDate ? [h('dt', {}, 'Due'), h('dd', {}, when(t.dueDate))] : null,
      t.externalFormReference ? [h('dt', {}, 'External form'), h('dd', {}, h('a', { href: t.externalFormReference, rel: 'noopener', target: '_blank' }, t.externalFormReference))] : null),
    h('p', {}, claim), body, h('p', {}, complete)));
  const form = await api('GET', `/user-tasks/${key}/form`);
  let collect;
  if (form) {
    const f = await renderForm(body, form.schema, data);
    collect = () => {
      const { data: out, errors } = f.submit();
      if (Object.keys(errors).length) throw new Error('Please correct the form.');
      return out;
    };
  } else {
    collect = variablesEditor(body, data);
  }
  complete.addEventListener('click', () => act(complete, async () => {
    const variables = collect();
    if (!t.assignee) await api('POST', `/user-tasks/${key}/assignment`, { assignee: session.user, allowOverride: false });
    await api('POST', `/user-tasks/${key}/completion`, { variables });
    say(`Task ${t.name || t.elementId} completed`);
    location.hash = '#/tasks';
  }));
}

// variablesEditor is the form of a task without one: a row per variable
// (JSON values) and rows to add. It answers the function that collects them.
function variablesEditor(box, data) {
  const rows = h('tbody');
  const addRow = (name = '', value = '') => {
    const n = h('input', { value: name, 'aria-label': 'Variable name', size: 16 });
    const v = h('textarea', { rows: 1, 'aria-label': `Value of ${name || 'the new variable'} (JSON)` }, value);
    const tr = h('tr', {}, h('td', {}, n), h('td', {}, v), h('td', {}, h('button', { type: 'button', onclick: () => tr.remove(), 'aria-label': `Remove ${name || 'variable'}` }, '×')));
    rows.append(tr);
    return n;
  };
  for (const [k, v] of Object.entries(data)) addRow(k, JSON.stringify(v));
  replace(box, h('p', { class: 'muted' }, 'This task has no form. Set the variables to complete it with (values are JSON):'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Value'), h('th', {}, ''))), rows),
    h('button', { type: 'button', onclick: () => addRow().focus() }, 'Add a variable'));
  return () => {
    const out = {};
    for (const tr of rows.children) {
      const [n, v] = tr.querySelectorAll('input, textarea');
      if (!n.value.trim()) continue;
      try { out[n.value.trim()] = JSON.parse(v.value || 'null'); } catch (e) { throw new Error(`${n.value}: not JSON: ${e.message}`); }
    }
    return out;
  };
}

// --- Agents ------------------------------------------------------------------

// agentContexts finds the AI agents' memories: agentContext variables (in
// the agent's scope) and agent.context (the sub-process agent's output).
async function agentContexts(filter) {
  const res = await api('POST', '/variables/search?truncateValues=false', { filter: { ...filter, name: { $in: ['agentContext', 'agent'] } }, page: { limit: 1000 } });
  const out = [];
  for (const v of res.items) {
    let val;
    try { val = JSON.parse(v.value); } catch { continue; }
    const ctx = v.name === 'agent' ? val && val.context : val;
    if (ctx && ctx.conversation) out.push({ variable: v, ctx });
  }
  return out;
}

async function agentsPage() {
  const box = h('div', { id: 'agents' });
  async function load() {
    const found = await agentContexts({});
    const byPi = new Map();
    for (const f of found) {
      const k = f.variable.processInstanceKey;
      const prev = byPi.get(k);
      if (!prev || (f.ctx.metrics?.modelCalls || 0) >= (prev.ctx.metrics?.modelCalls || 0)) byPi.set(k, f);
    }
    replace(box, table(['Instance', 'State', 'Messages', 'Model calls', 'Tools'], [...byPi.entries()].map(([k, f]) => h('tr', {},
      h('td', {}, h('a', { href: `#/agents/${k}` }, k)), h('td', {}, f.ctx.state || ''), h('td', {}, String(f.ctx.conversation.messages?.length || 0)),
      h('td', {}, String(f.ctx.metrics?.modelCalls ?? '')), h('td', {}, (f.ctx.toolDefinitions || []).map((t) => t.name).join(', ')))), 'AI agents'));
  }
  replace(main, title('Agents'), h('p', { class: 'muted' }, 'Process instances with an AI agent: their conversations, tool calls and model calls.'), box);
  await load();
  return load;
}

async function agentPage(key) {
  const box = h('div', { id: 'conversation' });
  const facts = h('div');
  replace(main, title(`Agent of instance ${key}`), h('p', {}, h('a', { href: `#/instances/${key}` }, 'Open the instance')), facts, box);
  let shown = -1;
  async function load() {
    const found = await agentContexts({ processInstanceKey: key });
    if (!found.length) { replace(box, h('p', { class: 'muted' }, 'No agent context yet.')); return; }
    found.sort((a, b) => (a.ctx.conversation.messages.length - b.ctx.conversation.messages.length) || ((a.ctx.metrics?.modelCalls || 0) - (b.ctx.metrics?.modelCalls || 0)));
    const { ctx } = found[found.length - 1];
    const limitVar = await api('POST', '/variables/search?truncateValues=false', { filter: { processInstanceKey: key, name: 'data' }, page: { limit: 10 } });
    let limit = '';
    for (const v of limitVar.items) { try { limit = JSON.parse(v.value)?.limits?.maxModelCalls ?? limit; } catch { /* not JSON */ } }
    replace(facts, h('dl', { class: 'facts' },
      h('dt', {}, 'State'), h('dd', {}, ctx.state || ''),
      h('dt', {}, 'Model calls'), h('dd', { id: 'model-calls' }, `${ctx.metrics?.modelCalls ?? 0}${limit !== '' ? ` of ${limit}` : ''}`),
      h('dt', {}, 'Tokens'), h('dd', {}, `${ctx.metrics?.tokenUsage?.inputTokenCount ?? 0} in, ${ctx.metrics?.tokenUsage?.outputTokenCount ?? 0} out`),
      h('dt', {}, 'Tools'), h('dd', {}, (ctx.toolDefinitions || []).map((t) => h('code', { title: t.description || '' }, t.name, ' ')))));
    const msgs = ctx.conversation.messages || [];
    if (msgs.length === shown) return;
    shown = msgs.length;
    replace(box, h('h2', {}, `Conversation (${msgs.length} messages)`), h('ol', { style: 'list-style:none;padding:0', 'aria-label': 'Conversation' }, msgs.map((m, i) => h('li', { class: `msg ${m.role}`, 'data-role': m.role },
      h('h3', {}, `${i + 1}. ${m.role.replaceAll('_', ' ')}`),
      (m.content || []).map((c) => c.type === 'text' ? h('pre', {}, c.text) : h('pre', {}, JSON.stringify(c, null, 2))),
      (m.toolCalls || []).map((c) => h('div', { class: 'tool-call', 'data-tool': c.name }, h('strong', {}, `→ ${c.name}`), h('pre', {}, JSON.stringify(c.arguments, null, 2)))),
      (m.results || []).map((r) => h('div', { class: 'tool-result', 'data-tool': r.name }, h('strong', {}, `← ${r.name}`), h('pre', {}, typeof r.content === 'string' ? r.content : JSON.stringify(r.content, null, 2))))))));
  }
  await load();
  load.wants = (c) => c.processInstanceKeys.length > 0;
  return load;
}
