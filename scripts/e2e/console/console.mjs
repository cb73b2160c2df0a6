// Drives Orca's web console in headless Chromium (Debian's chromium, through
// playwright-core) as a person would: log in, deploy a model and its start
// form by file choice, start it from its start form, see the incident of
// the user task's missing form, deploy that form by drag and drop and retry,
// see the token on the diagram, edit a variable, complete the task through
// its form (validation first), and cancel another instance. Screenshots of
// each page go to the artefacts directory. Exits non-zero on the first
// failure.
//
// Usage: ORCA_URL=http://127.0.0.1:8080 ORCA_USER=demo ORCA_PASSWORD=demo \
//        node console.mjs FORMS_DIR ARTEFACTS_DIR
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.ORCA_URL;
const [formsDir, out] = process.argv.slice(2);
if (!base || !formsDir || !out) {
  console.error('usage: ORCA_URL=... node console.mjs FORMS_DIR ARTEFACTS_DIR');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const timeout = 20000;
let shots = 0;
let steps = 0;
const step = (what) => { steps++; console.log(`console e2e: ${what}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const errors = [];
let page;
try {
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  const streams = [];
  page.on('request', (r) => { if (r.url().endsWith('/events')) streams.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
  const shot = async (name) => { await page.screenshot({ path: path.join(out, `${String(++shots).padStart(2, '0')}-${name}.png`), fullPage: true }); };
  const text = async (sel) => (await page.locator(sel).first().textContent()) ?? '';
  const check = (cond, what) => { if (!cond) throw new Error(`check failed: ${what}`); };

  // 1. Log in (a wrong password first).
  await page.goto(base + '/');
  await page.waitForURL(/#\/login$/);
  await page.getByLabel('User name').fill(process.env.ORCA_USER);
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong' }).waitFor();
  await shot('login-refused');
  await page.getByLabel('Password').fill(process.env.ORCA_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Processes' }).waitFor();
  // The refused login is a 401 that Chromium logs; nothing else may fail.
  errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('status of 401')));
  step('logged in (a wrong password refused first)');

  // 2. Deploy the model and its start form (not the task's form yet).
  await page.locator('#deploy-files').setInputFiles([path.join(formsDir, 'e2e-forms.bpmn'), path.join(formsDir, 'e2e-start.form')]);
  await page.getByRole('link', { name: 'E2E forms' }).waitFor();
  check((await text('#status')).includes('form e2e-start v1'), 'deployment message names the form');
  await shot('processes');
  step('deployed a model and its start form');

  // 3. Start it from its start form; the required field is checked first.
  await page.getByRole('link', { name: 'E2E forms' }).click();
  await page.locator('#diagram[data-ready]').waitFor();
  await page.locator('#start-form[data-ready]').waitFor();
  await page.locator('#start').click();
  await page.locator('#start-form .fjs-form-field-error').first().waitFor();
  await page.locator('#start-form').getByLabel('Customer').fill('Ada Lovelace');
  await page.locator('#start-form').getByLabel('Amount').fill('1200');
  await shot('start-form');
  await page.locator('#start').click();
  await page.waitForURL(/#\/instances\/\d+$/);
  const first = page.url().split('/').pop();
  step(`started instance ${first} from the start form (empty required field refused first)`);

  // 4. The task's form is not deployed: an incident on the task, on the diagram too.
  await page.locator('#incidents td.incident', { hasText: "Expected to find a form with id 'e2e-review'" }).waitFor();
  await page.locator('#diagram .token.incident-badge[data-incident="review"]').waitFor();
  await shot('instance-incident');
  step('saw the FORM_NOT_FOUND incident on the diagram and in the list');

  // 5. Deploy the missing form by drag and drop, then retry.
  await page.getByRole('link', { name: 'Processes', exact: true }).click();
  await page.locator('#drop').waitFor();
  const form = fs.readFileSync(path.join(formsDir, 'e2e-review.form'), 'utf8');
  const dt = await page.evaluateHandle((content) => {
    const d = new DataTransfer();
    d.items.add(new File([content], 'e2e-review.form', { type: 'application/json' }));
    return d;
  }, form);
  await page.locator('#drop').dispatchEvent('dragover', { dataTransfer: dt });
  await page.locator('#drop').dispatchEvent('drop', { dataTransfer: dt });
  await page.locator('#status', { hasText: 'form e2e-review v1' }).waitFor();
  step('deployed the task form by drag and drop');
  await page.goto(`${base}/#/instances/${first}`);
  await page.locator('[data-retry]').click();
  await page.locator('#diagram .token[data-element="review"]').waitFor();
  await page.locator('#incidents', { hasText: 'Incidents (0)' }).waitFor();
  check((await text('#tokens')).includes('Review the order: 1 active'), 'the token is listed for screen readers');
  await shot('instance-token');
  step('retried the incident; the token waits on the user task in the diagram');

  // 6. Edit a variable.
  await page.locator('[data-edit="amount"]').click();
  await page.getByLabel('Value of amount (JSON)').fill('1250');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#variables pre', { hasText: /^1250$/ }).waitFor();
  step('edited a variable');

  // 7. Complete the task through its form.
  await page.getByRole('link', { name: 'Tasks', exact: true }).click();
  await page.locator('#tasklist a', { hasText: 'Review the order' }).first().click();
  await page.locator('#task-form[data-ready]').waitFor();
  await page.locator('#claim').click();
  await page.locator('#assignee', { hasText: process.env.ORCA_USER }).waitFor();
  await page.locator('#task-form[data-ready]').waitFor();
  await page.locator('#complete').click();
  await page.locator('#status', { hasText: 'Please correct the form' }).waitFor();
  await page.locator('#task-form').getByLabel('Approve the order').check();
  await page.locator('#task-form').getByLabel('Comment').fill('Checked by the console test');
  // A date field opens flatpickr's calendar, styled (hidden until opened,
  // a fixed width), and the picked day becomes the field's value.
  const calendar = page.locator('.flatpickr-calendar').first();
  check(await calendar.evaluate((el) => getComputedStyle(el).visibility) === 'hidden', 'the closed calendar is unstyled (visible)');
  await page.locator('#task-form').getByLabel('Follow up on').click();
  await page.locator('.flatpickr-calendar.open').waitFor();
  const look = await calendar.evaluate((el) => ({ width: el.getBoundingClientRect().width, position: getComputedStyle(el).position, visibility: getComputedStyle(el).visibility }));
  check(look.visibility === 'visible' && look.position === 'absolute' && look.width > 250 && look.width < 400, `the open calendar looks unstyled: ${JSON.stringify(look)}`);
  await shot('date-picker');
  await page.locator('.flatpickr-calendar.open .flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)', { hasText: /^15$/ }).click();
  const picked = await page.locator('#task-form').getByLabel('Follow up on').inputValue();
  check(/15/.test(picked), `the picked date: ${picked}`);
  await shot('task-form');
  await page.locator('#complete').click();
  await page.locator('#status', { hasText: 'completed' }).waitFor();
  await page.goto(`${base}/#/instances/${first}`);
  await page.locator('#instance-state .state', { hasText: 'COMPLETED' }).waitFor();
  check((await text('#variables')).includes('Checked by the console test'), 'the form data became variables');
  check(/"\d{4}-\d{2}-15"/.test(await text('#variables')), 'the picked date became a variable');
  await page.locator('#diagram .token').first().waitFor({ state: 'detached' });
  // The path taken is drawn: both sequence flows.
  await page.locator('#diagram .djs-element.orca-taken[data-element-id="f2"]').waitFor({ state: 'attached' });
  check(await page.locator('#diagram .djs-element.orca-taken[data-element-id="f1"]').count() === 1, 'the first flow is drawn as taken');
  await shot('instance-completed');
  step('completed the task through its form (an empty required field refused first); the instance completed');

  // 7b. Live updates: another client (this script, through the REST API)
  // starts an instance and completes its task while the page shows it; the
  // page follows over Server-Sent Events, without a reload.
  const authz = 'Basic ' + Buffer.from(`${process.env.ORCA_USER}:${process.env.ORCA_PASSWORD}`).toString('base64');
  const rest = async (method, p, body) => {
    const res = await fetch(base + '/v2' + p, { method, headers: { Authorization: authz, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  await page.goto(`${base}/#/instances`);
  await page.locator('#instances table').waitFor();
  await page.waitForFunction(() => document.body.dataset.liveConnected === 'true');
  await page.evaluate(() => { window.orcaNoReload = true; });
  const third = (await rest('POST', '/process-instances', { processDefinitionId: 'e2e-forms', variables: { customer: 'Live update', amount: 5 } })).processInstanceKey;
  await page.locator('#instances a', { hasText: third }).waitFor();
  await page.locator(`#instances a[href="#/instances/${third}"]`).click();
  await page.locator('#diagram .token[data-element="review"]').waitFor();
  const task = (await rest('POST', '/user-tasks/search', { filter: { processInstanceKey: third } })).items[0];
  await rest('POST', `/user-tasks/${task.userTaskKey}/assignment`, { assignee: 'someone-else' });
  await rest('POST', `/user-tasks/${task.userTaskKey}/completion`, { variables: { approved: true, comment: 'from another client' } });
  await page.locator('#instance-state .state', { hasText: 'COMPLETED' }).waitFor();
  await page.locator('#diagram .token').first().waitFor({ state: 'detached' });
  check(await page.evaluate(() => window.orcaNoReload === true), 'the page was reloaded');
  check(streams.length >= 1, 'no event stream was opened');
  await shot('live-update');
  step(`saw instance ${third} appear in the list and complete on its page, both by another client, without a reload (live updates over SSE)`);

  // 7c. The path drawn is the flows the engine took: in a model whose
  // gateway may loop back to the task, an instance that went straight on
  // has its loop-back flow not drawn as taken, though the flow's source
  // completed and its target was reached; one that looped has it drawn.
  const loopModel = fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'loopback.bpmn'));
  const fd = new FormData();
  fd.append('resources', new Blob([loopModel], { type: 'text/xml' }), 'loopback.bpmn');
  const dep = await fetch(base + '/v2/deployments', { method: 'POST', headers: { Authorization: authz }, body: fd });
  check(dep.ok, `deploy loopback.bpmn: ${dep.status}`);
  const finishTask = async (pi, vars) => {
    let items = [];
    for (let i = 0; i < 100 && !items.length; i++) {
      items = (await rest('POST', '/user-tasks/search', { filter: { processInstanceKey: pi, state: 'CREATED' } })).items;
    }
    check(items.length === 1, `a task of ${pi}`);
    await rest('POST', `/user-tasks/${items[0].userTaskKey}/completion`, { variables: vars });
  };
  const straight = (await rest('POST', '/process-instances', { processDefinitionId: 'e2e-loopback', variables: { again: false } })).processInstanceKey;
  await finishTask(straight, {});
  await page.goto(`${base}/#/instances/${straight}`);
  await page.locator('#instance-state .state', { hasText: 'COMPLETED' }).waitFor();
  await page.locator('#diagram .djs-element.orca-taken[data-element-id="out"]').waitFor({ state: 'attached' });
  for (const id of ['in', 'decide']) check(await page.locator(`#diagram .djs-element.orca-taken[data-element-id="${id}"]`).count() === 1, `flow ${id} drawn as taken`);
  check(await page.locator('#diagram .djs-element.orca-taken[data-element-id="back"]').count() === 0, 'the loop-back flow was never taken but is drawn as taken');
  await shot('path-straight');
  const looped = (await rest('POST', '/process-instances', { processDefinitionId: 'e2e-loopback', variables: { again: true } })).processInstanceKey;
  await finishTask(looped, {});
  await finishTask(looped, { again: false });
  await page.goto(`${base}/#/instances/${looped}`);
  await page.locator('#instance-state .state', { hasText: 'COMPLETED' }).waitFor();
  await page.locator('#diagram .djs-element.orca-taken[data-element-id="back"]').waitFor({ state: 'attached' });
  await shot('path-looped');
  step(`drew the path the engine took: loop-back flow not taken by instance ${straight}, taken by instance ${looped}`);

  // 8. Start another instance and cancel it.
  await page.goto(`${base}/#/processes`);
  await page.getByRole('link', { name: 'E2E forms' }).click();
  await page.locator('#start-form[data-ready]').waitFor();
  await page.locator('#start-form').getByLabel('Customer').fill('Grace Hopper');
  await page.locator('#start').click();
  await page.waitForURL(/#\/instances\/\d+$/);
  const second = page.url().split('/').pop();
  check(second !== first, 'a new instance');
  await page.locator('#diagram .token[data-element="review"]').waitFor();
  page.once('dialog', (d) => d.accept());
  await page.locator('#cancel').click();
  await page.locator('#instance-state .state', { hasText: 'TERMINATED' }).waitFor();
  await shot('instance-cancelled');
  step(`cancelled instance ${second}`);

  // 8b. The process's diagram shows the statistics of all its instances.
  await page.getByRole('link', { name: 'Processes', exact: true }).click();
  await page.getByRole('link', { name: 'E2E forms' }).click();
  await page.locator('#diagram[data-ready]').waitFor();
  await page.locator('#diagram .token.done-badge[data-completed="end"]', { hasText: /^2$/ }).waitFor();
  await page.locator('#diagram .token.canceled-badge[data-canceled="review"]', { hasText: /^1$/ }).waitFor();
  check((await text('#tokens')).includes('Review the order: 1 canceled'), 'the statistics are listed for screen readers');
  await shot('process-statistics');
  step('saw the process statistics on the diagram: 2 completed at the end, 1 canceled at the task');

  // 9. The instance list filters by state.
  await page.getByRole('link', { name: 'Instances', exact: true }).click();
  await page.locator('#f-state').selectOption('TERMINATED');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('#instances', { hasText: '1 instances' }).waitFor();
  check((await text('#instances')).includes(second), 'the cancelled instance is listed');
  await page.locator('#f-state').selectOption('');
  await page.locator('#f-from').fill('2000-01-01T00:00');
  await page.locator('#f-to').fill('2000-12-31T23:59');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('#instances', { hasText: '0 instances' }).waitFor();
  await page.locator('#f-from').fill('');
  await page.locator('#f-to').fill('');
  await shot('instances');
  step('filtered the instance list');

  // 10. Camunda's "AI agent chat with tools" pattern with a stub LLM:
  // deploy the model and both forms, ask from the start form, watch the
  // agent's turns and its tool call, answer the feedback form.
  if (process.env.ORCA_E2E_AGENT === '1') {
    const agentDir = path.join(path.dirname(new URL(import.meta.url).pathname), 'agent');
    await page.goto(`${base}/#/processes`);
    await page.locator('#deploy-files').setInputFiles(['ai-chat.bpmn', 'ai-chat-initial-request.form', 'ai-chat-user-feedback.form'].map((f) => path.join(agentDir, f)));
    await page.getByRole('link', { name: 'AI chat with tools' }).click();
    await page.locator('#start-form[data-ready]').waitFor();
    await page.locator('#start-form').getByLabel('How can I help you today?').fill('What time is it?');
    await page.locator('#start').click();
    await page.waitForURL(/#\/instances\/\d+$/);
    const chat = page.url().split('/').pop();
    step(`asked the agent from the start form (instance ${chat})`);
    await page.locator('#diagram .token[data-element="User_Feedback"]').waitFor();
    await shot('agent-instance');
    await page.getByRole('link', { name: 'Agents', exact: true }).click();
    await page.locator(`#agents a[href="#/agents/${chat}"]`).click();
    await page.locator('#conversation .tool-call[data-tool="GetDateAndTime"]').waitFor();
    await page.locator('#conversation .tool-result[data-tool="GetDateAndTime"]').waitFor();
    await page.locator('#conversation li[data-role="assistant"]', { hasText: 'Anything else?' }).waitFor();
    check((await text('#model-calls')) === '2 of 10', `model calls: ${await text('#model-calls')}`);
    await shot('agent-conversation');
    step('saw the conversation turn by turn: the tool call, its result, the answer; 2 of 10 model calls');
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.locator('#tasklist a', { hasText: 'User feedback' }).first().click();
    await page.locator('#task-form[data-ready]').waitFor();
    check((await page.locator('#task-form').getByLabel('The agent answered').inputValue()).includes('Anything else?'), 'the feedback form shows the answer');
    await page.locator('#task-form').getByLabel('I am satisfied with the answer').check();
    await shot('agent-feedback');
    await page.locator('#complete').click();
    await page.locator('#status', { hasText: 'completed' }).waitFor();
    await page.goto(`${base}/#/instances/${chat}`);
    await page.locator('#instance-state .state', { hasText: 'COMPLETED' }).waitFor();
    step('answered the feedback form; the chat instance completed');
  }

  if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
  console.log(`console e2e: ${steps} steps passed; ${shots} screenshots in ${out}`);
} catch (e) {
  console.error('console e2e failed:', e?.stack ?? e);
  if (errors.length) console.error(errors.join('\n'));
  // What the page said last, and how it looked, to tell why.
  const status = page && await page.locator('#status').textContent({ timeout: 1000 }).catch(() => null);
  if (status) console.error(`the page's last status: ${status}`);
  await page?.screenshot({ path: path.join(out, 'failure.png'), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
