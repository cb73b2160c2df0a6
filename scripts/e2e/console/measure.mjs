// Measures the console's page weight and speed (a benchmark, not a test):
// the bytes of a first load, the time until the instance list of a store
// holding 1,000 instances is shown, and the time until the diagram of a
// 200-element model is drawn with its token overlays (1,000 instances
// waiting in it). Run by hand against `orca start --auth-method none`:
//   ORCA_URL=http://127.0.0.1:8080 node measure.mjs
import { chromium } from 'playwright-core';

const base = process.env.ORCA_URL;
const N = Number(process.env.INSTANCES || 1000);
const TASKS = 99; // start + 99 tasks + end + 100 flows = 201 elements

function bigModel() {
  const el = [];
  const di = [];
  const pos = (i) => ({ x: 100 + (i % 10) * 160, y: 80 + Math.floor(i / 10) * 130 });
  el.push('<bpmn:startEvent id="n0" name="Start" />');
  di.push(`<bpmndi:BPMNShape id="n0_di" bpmnElement="n0"><dc:Bounds x="${pos(0).x + 32}" y="${pos(0).y + 22}" width="36" height="36" /></bpmndi:BPMNShape>`);
  for (let i = 1; i <= TASKS + 1; i++) {
    const last = i === TASKS + 1;
    el.push(last ? `<bpmn:endEvent id="n${i}" name="End" />` : `<bpmn:userTask id="n${i}" name="Step ${i}"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>`);
    const p = pos(i);
    di.push(last ? `<bpmndi:BPMNShape id="n${i}_di" bpmnElement="n${i}"><dc:Bounds x="${p.x + 32}" y="${p.y + 22}" width="36" height="36" /></bpmndi:BPMNShape>`
      : `<bpmndi:BPMNShape id="n${i}_di" bpmnElement="n${i}"><dc:Bounds x="${p.x}" y="${p.y}" width="100" height="80" /></bpmndi:BPMNShape>`);
    el.push(`<bpmn:sequenceFlow id="f${i}" sourceRef="n${i - 1}" targetRef="n${i}" />`);
    const a = pos(i - 1);
    di.push(`<bpmndi:BPMNEdge id="f${i}_di" bpmnElement="f${i}"><di:waypoint x="${a.x + 100}" y="${a.y + 40}" /><di:waypoint x="${p.x}" y="${p.y + 40}" /></bpmndi:BPMNEdge>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="big-defs" targetNamespace="x">
<bpmn:process id="big" name="Two hundred elements" isExecutable="true">${el.join('\n')}</bpmn:process>
<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="big">${di.join('\n')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

async function rest(method, path, body) {
  const res = await fetch(base + '/v2' + path, { method, headers: body instanceof FormData ? {} : { 'Content-Type': 'application/json' }, body: body instanceof FormData ? body : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

const fd = new FormData();
fd.append('resources', new Blob([bigModel()]), 'big.bpmn');
const dep = await rest('POST', '/deployments', fd);
const key = dep.deployments[0].processDefinition.processDefinitionKey;
const t0 = Date.now();
for (let i = 0; i < N; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, j) => rest('POST', '/process-instances', { processDefinitionKey: key, variables: { i: i + j } })));
}
console.log(`created ${N} instances in ${Date.now() - t0} ms`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  // First load: a fresh context (empty cache) opening the console.
  const sizes = [];
  for (let run = 0; run < 3; run++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    let bytes = 0;
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    const start = Date.now();
    await page.goto(base + '/#/processes');
    await page.getByRole('link', { name: 'Two hundred elements' }).waitFor();
    sizes.push({ bytes, ms: Date.now() - start });
    await ctx.close();
  }
  console.log(`first load (processes page, empty cache): ${sizes.map((s) => `${(s.bytes / 1024).toFixed(1)} KiB in ${s.ms} ms`).join('; ')}`);

  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(base + '/#/processes');
  await page.getByRole('link', { name: 'Two hundred elements' }).waitFor();
  const list = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(base + '/#/tasks');
    await page.locator('#tasklist').waitFor();
    const start = Date.now();
    await page.goto(base + '/#/instances');
    await page.locator('#instances', { hasText: `${N} instances` }).waitFor();
    list.push(Date.now() - start);
  }
  console.log(`instance list (${N} instances, 50 a page): interactive after ${median(list)} ms (median of 5: ${list.join(', ')})`);

  const diagram = [];
  let bytes = 0;
  for (let run = 0; run < 5; run++) {
    await page.goto(base + '/#/tasks');
    await page.locator('#tasklist').waitFor();
    const start = Date.now();
    await page.goto(`${base}/#/processes/${key}`);
    await page.locator('#diagram .token[data-element="n1"]', { hasText: String(N) }).waitFor({ timeout: 60000 });
    diagram.push(Date.now() - start);
  }
  const shapes = await page.locator('#diagram .djs-element').count();
  console.log(`process page (diagram of ${shapes} drawn elements, ${N} tokens counted): interactive after ${median(diagram)} ms (median of 5: ${diagram.join(', ')})`);
  await page.screenshot({ path: process.env.SHOT || '/tmp/measure.png' });
} finally {
  await browser.close();
}
