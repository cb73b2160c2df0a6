// Drives Orca with Camunda's JS SDK (@camunda8/orchestration-cluster-api)
// with CAMUNDA_SDK_VALIDATION=req:strict,res:fanatical: every request is
// checked against Camunda's schemas before it is sent, and every response
// after it arrives, extra fields included. A job worker completes the
// service tasks; then user tasks, messages, incidents, variables and the
// clock are worked through the API. Exits non-zero on the first failure.
//
// Usage: ORCA_URL=http://127.0.0.1:8080 node run.mjs DIR_WITH_BPMN
import http from 'node:http';
import path from 'node:path';
import createCamundaClient from '@camunda8/orchestration-cluster-api';
import { checker, now, sdkConfig as config } from './common.mjs';

const base = process.env.ORCA_URL;
const bpmnDir = process.argv[2];
if (!base || !bpmnDir) {
  console.error('usage: ORCA_URL=http://host:port node run.mjs BPMN_DIR');
  process.exit(2);
}

const until = (predicate, waitUpToMs = 20000) => ({ consistency: { waitUpToMs, pollIntervalMs: 100, predicate } });
const checks = checker();
const { check } = checks;
async function expectStatus(status, what, fn) {
  try {
    await fn();
  } catch (err) {
    check(err.status === status || err.response?.status === status, `${what}: status ${err.status ?? err.message}, want ${status}`);
    return;
  }
  throw new Error(`${what}: succeeded, want HTTP ${status}`);
}

// 1. The validation is live: a server answering with one field too many fails.
async function selfCheck() {
  const fake = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ brokers: [], clusterId: null, clusterSize: 1, partitionsCount: 1, replicationFactor: 1,
      gatewayVersion: '8.9.0', lastCompletedChangeId: '-1', notInTheSpec: true }));
  });
  await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  const c = createCamundaClient({ config: config(`http://127.0.0.1:${fake.address().port}`) });
  let failed = false;
  try { await c.getTopology(); } catch { failed = true; }
  fake.close();
  check(failed, 'fanatical response validation rejects an undocumented field');
}

async function main() {
  await selfCheck();
  const camunda = createCamundaClient({ config: config(base) });

  const topology = await camunda.getTopology();
  check(topology.gatewayVersion.startsWith('8.9'), 'topology gatewayVersion');
  await camunda.getStatus();

  const dep = await camunda.deployResourcesFromFiles([path.join(bpmnDir, 'e2e.bpmn'), path.join(bpmnDir, 'review.bpmn')]);
  check(dep.deployments.length === 2, 'deployed two processes');
  const defs = await camunda.searchProcessDefinitions({ filter: { processDefinitionId: 'e2e-order', isLatestVersion: true } }, now);
  check(defs.items.length === 1, 'process definition search');
  const pdKey = defs.items[0].processDefinitionKey;
  const def = await camunda.getProcessDefinition({ processDefinitionKey: pdKey }, now);
  check(def.name === 'E2E order', 'process definition get');
  const xml = await camunda.getProcessDefinitionXml({ processDefinitionKey: pdKey }, now);
  check(String(xml).includes('e2e-charge'), 'process definition XML');

  // 2. Instances, and a job worker completing their service tasks.
  const n = 5;
  const created = [];
  for (let i = 0; i < n; i++) {
    const pi = await camunda.createProcessInstance({ processDefinitionId: 'e2e-order', variables: { orderId: `o-${i}`, total: 10 * i },
      tags: ['e2e'] });
    created.push(pi.processInstanceKey);
  }
  let handled = 0;
  const worker = camunda.createJobWorker({
    jobType: 'e2e-charge', workerName: 'e2e-worker', maxParallelJobs: 4, jobTimeoutMs: 30000, pollIntervalMs: 100,
    jobHandler: (job) => {
      handled++;
      return job.complete({ charged: true, receipt: `r-${job.variables.orderId}` });
    },
  });
  const tasks = await camunda.searchUserTasks({ filter: { processDefinitionId: 'e2e-order', state: 'CREATED' } },
    until((r) => r.items.length >= n));
  check(tasks.items.length === n, `${n} user tasks after the worker (${tasks.items.length})`);
  worker.stop();
  check(handled >= n, `the worker completed ${handled} jobs`);

  const jobs = await camunda.searchJobs({ filter: { type: 'e2e-charge', state: 'COMPLETED' } }, now);
  check(jobs.items.length === n, 'completed jobs');
  const elements = await camunda.searchElementInstances({ filter: { processInstanceKey: created[0] }, sort: [{ field: 'startDate' }] }, now);
  check(elements.items.map((e) => e.elementId).join() === 'received,charge,review', `element instances ${elements.items.map((e) => e.elementId)}`);
  const element = await camunda.getElementInstance({ elementInstanceKey: elements.items[1].elementInstanceKey }, now);
  check(element.type === 'SERVICE_TASK' && element.state === 'COMPLETED', 'element instance get');
  const vars = await camunda.searchVariables({ filter: { processInstanceKey: created[0] }, sort: [{ field: 'name' }] }, now);
  check(vars.items.map((v) => v.name).join() === 'charged,orderId,receipt,total', `variables ${vars.items.map((v) => v.name)}`);
  const variable = await camunda.getVariable({ variableKey: vars.items[2].variableKey }, now);
  check(variable.value === '"r-o-0"', 'variable get');
  const pis = await camunda.searchProcessInstances({ filter: { tags: ['e2e'], state: 'ACTIVE',
    variables: [{ name: 'total', value: { $in: ['0', '10'] } }] }, page: { limit: 1 } }, now);
  check(pis.page.totalItems === 2 && pis.items.length === 1 && pis.page.endCursor, 'instance search with a variable filter');
  const next = await camunda.searchProcessInstances({ filter: { tags: ['e2e'] }, page: { limit: 3, after: pis.page.endCursor } }, now);
  check(next.items.length === 3, 'cursor paging');

  // 3. User tasks.
  for (const t of tasks.items) {
    const task = await camunda.getUserTask({ userTaskKey: t.userTaskKey }, now);
    check(task.candidateGroups.includes('sales'), 'user task candidate groups');
    await camunda.assignUserTask({ userTaskKey: t.userTaskKey, assignee: 'demo', allowOverride: true });
    await camunda.updateUserTask({ userTaskKey: t.userTaskKey, changeset: { priority: 70 } });
    await camunda.createElementInstanceVariables({ elementInstanceKey: t.elementInstanceKey, variables: { note: 'ok' }, local: true });
    // Both searches see the task's scope chain (Camunda's docs): every scope's
    // variables, and the effective ones, one per name.
    await camunda.createElementInstanceVariables({ elementInstanceKey: t.elementInstanceKey, variables: { orderId: 'local' }, local: true });
    const tv = await camunda.searchUserTaskVariables({ userTaskKey: t.userTaskKey }, now);
    const names = tv.items.map((v) => v.name);
    check(names.includes('note') && names.includes('total') && names.filter((n) => n === 'orderId').length === 2, `user task variables ${names}`);
    const ev = await camunda.searchUserTaskEffectiveVariables({ userTaskKey: t.userTaskKey }, now);
    const orderIds = ev.items.filter((v) => v.name === 'orderId');
    check(orderIds.length === 1 && orderIds[0].value === '"local"' && ev.items.some((v) => v.name === 'note'), 'user task effective variables');
    await camunda.unassignUserTask({ userTaskKey: t.userTaskKey });
    await camunda.completeUserTask({ userTaskKey: t.userTaskKey, variables: { approved: true } });
  }
  await expectStatus(404, 'complete a completed user task', () =>
    camunda.completeUserTask({ userTaskKey: tasks.items[0].userTaskKey }));

  // 4. Messages: one correlated, the rest published.
  const subs = await camunda.searchMessageSubscriptions({ filter: { messageName: 'e2e-paid', messageSubscriptionState: 'CREATED' } },
    until((r) => r.items.length >= n));
  check(subs.items.length === n, 'message subscriptions');
  const corr = await camunda.correlateMessage({ name: 'e2e-paid', correlationKey: 'o-0', variables: { paid: true } });
  check(corr.processInstanceKey === created[0], 'message correlation');
  for (let i = 1; i < n; i++) {
    await camunda.publishMessage({ name: 'e2e-paid', correlationKey: `o-${i}`, timeToLive: 0 });
  }
  const done = await camunda.searchProcessInstances({ filter: { processDefinitionId: 'e2e-order', state: 'COMPLETED' } },
    until((r) => r.items.length >= n));
  check(done.items.length === n, 'all instances completed');
  await expectStatus(404, 'correlate a message nobody waits for', () =>
    camunda.correlateMessage({ name: 'e2e-paid', correlationKey: 'nobody' }));

  // 5. Incidents: a job failing without retries, resolved after new retries.
  const pi = await camunda.createProcessInstance({ processDefinitionId: 'e2e-order', variables: { orderId: 'o-x' } });
  const act = await camunda.activateJobs({ type: 'e2e-charge', worker: 'e2e', timeout: 30000, maxJobsToActivate: 1, requestTimeout: 5000 });
  check(act.jobs.length === 1 && act.jobs[0].processInstanceKey === pi.processInstanceKey, 'job activation');
  const jobKey = act.jobs[0].jobKey;
  await camunda.failJob({ jobKey, retries: 0, errorMessage: 'card declined' });
  const incs = await camunda.searchIncidents({ filter: { processInstanceKey: pi.processInstanceKey, state: 'ACTIVE' } },
    until((r) => r.items.length >= 1));
  check(incs.items[0].errorType === 'JOB_NO_RETRIES', 'incident');
  const inc = await camunda.getIncident({ incidentKey: incs.items[0].incidentKey }, now);
  check(inc.errorMessage === 'card declined', 'incident get');
  const piIncs = await camunda.searchProcessInstanceIncidents({ processInstanceKey: pi.processInstanceKey }, now);
  check(piIncs.items.length === 1, 'process instance incidents');
  await camunda.updateJob({ jobKey, changeset: { retries: 1 } });
  await camunda.resolveIncident({ incidentKey: inc.incidentKey });
  const again = await camunda.activateJobs({ type: 'e2e-charge', worker: 'e2e', timeout: 30000, maxJobsToActivate: 1, requestTimeout: 5000 });
  check(again.jobs.length === 1, 'job back after resolution');
  await camunda.throwJobError({ jobKey, errorCode: 'DECLINED', errorMessage: 'no' });
  const unhandled = await camunda.searchIncidents({ filter: { errorType: 'UNHANDLED_ERROR_EVENT' } }, until((r) => r.items.length >= 1));
  check(unhandled.items.length === 1, 'unhandled error incident');
  await camunda.cancelProcessInstance({ processInstanceKey: pi.processInstanceKey });
  const cancelled = await camunda.getProcessInstance({ processInstanceKey: pi.processInstanceKey }, now);
  check(cancelled.state === 'TERMINATED', 'cancelled instance');
  await expectStatus(404, 'get an unknown process instance', () => camunda.getProcessInstance({ processInstanceKey: '1' }, now));

  // 6. The clock.
  await camunda.pinClock({ timestamp: Date.parse('2030-01-01T00:00:00Z') });
  const pinned = await camunda.createProcessInstance({ processDefinitionId: 'e2e-review' });
  const got = await camunda.getProcessInstance({ processInstanceKey: pinned.processInstanceKey }, now);
  check(got.startDate.startsWith('2030-01-01T00:00:00'), `start date under a pinned clock: ${got.startDate}`);
  await camunda.resetClock();

  // 7. Camunda Forms: deployed beside BPMN, a start form, a user task's
  // linked form, and none for a process without one (204).
  const formsDir = path.join(bpmnDir, 'forms');
  const fdep = await camunda.deployResourcesFromFiles(['e2e-forms.bpmn', 'e2e-start.form', 'e2e-review.form'].map((f) => path.join(formsDir, f)));
  const deployedForms = fdep.deployments.filter((d) => d.form).map((d) => d.form);
  check(deployedForms.length === 2 && deployedForms.every((f) => f.version === 1 && f.formKey), `deployed forms ${JSON.stringify(deployedForms)}`);
  const formsDef = fdep.deployments.find((d) => d.processDefinition).processDefinition;
  const fdef = await camunda.getProcessDefinition({ processDefinitionKey: formsDef.processDefinitionKey }, now);
  check(fdef.hasStartForm === true, 'hasStartForm');
  const startForm = await camunda.getStartProcessForm({ processDefinitionKey: formsDef.processDefinitionKey }, now);
  check(startForm.formId === 'e2e-start' && JSON.parse(startForm.schema).components.length === 2, `start form ${JSON.stringify(startForm)}`);
  // The SDK (9.1.5) validates a 204 No Content against FormResult and fails
  // even against Camunda, so the 204 is checked with validation off.
  const lax = createCamundaClient({ config: { ...config(base), CAMUNDA_SDK_VALIDATION: 'none' } });
  const noForm = await lax.getStartProcessForm({ processDefinitionKey: pdKey }, now);
  check(!noForm, `no start form: ${JSON.stringify(noForm)}`);
  const fpi = await camunda.createProcessInstance({ processDefinitionId: 'e2e-forms', variables: { customer: 'Ada', amount: 3 } });
  const ftasks = await camunda.searchUserTasks({ filter: { processInstanceKey: fpi.processInstanceKey } }, until((r) => r.items.length === 1));
  const reviewForm = deployedForms.find((f) => f.formId === 'e2e-review');
  check(ftasks.items[0].formKey === reviewForm.formKey, `user task formKey ${ftasks.items[0].formKey}`);
  const taskForm = await camunda.getUserTaskForm({ userTaskKey: ftasks.items[0].userTaskKey }, now);
  check(taskForm.formKey === reviewForm.formKey && taskForm.formId === 'e2e-review', `user task form ${JSON.stringify(taskForm)}`);
  await camunda.completeUserTask({ userTaskKey: ftasks.items[0].userTaskKey, variables: { approved: true, comment: 'fine' } });

  // 8. Element statistics of a definition (Operate's diagram badges), over
  // the instance just completed: every element completed once.
  const fstats = await camunda.getProcessDefinitionStatistics({ processDefinitionKey: formsDef.processDefinitionKey, filter: { processInstanceKey: fpi.processInstanceKey } },
    until((r) => r.items.some((i) => i.elementId === 'end' && i.completed === 1)));
  const byEl = Object.fromEntries(fstats.items.map((i) => [i.elementId, i]));
  check(['start', 'review', 'end'].every((id) => byEl[id] && byEl[id].completed === 1 && byEl[id].active === 0 && byEl[id].incidents === 0 && byEl[id].canceled === 0),
    `element statistics ${JSON.stringify(fstats)}`);

  // 9. The sequence flows an instance took (Operate's completed path), each
  // once: Camunda's record id is "<processInstanceKey>_<flow id>".
  const flows = await camunda.getProcessInstanceSequenceFlows({ processInstanceKey: created[0] }, now);
  check(flows.items.map((f) => f.elementId).join() === 'f1,f2,f3,f4' &&
    flows.items.every((f) => f.sequenceFlowId === `${created[0]}_${f.elementId}` && f.processInstanceKey === created[0] &&
      f.rootProcessInstanceKey === created[0] && f.processDefinitionId === 'e2e-order' && f.tenantId === '<default>'),
  `sequence flows ${JSON.stringify(flows)}`);
  const waiting = await camunda.getProcessInstanceSequenceFlows({ processInstanceKey: pinned.processInstanceKey }, now);
  check(Array.isArray(waiting.items), 'sequence flows of a waiting instance');

  // 10. Listeners: a process's start execution listener, a task listener's
  // denial in job search (isDenied, deniedReason), and updating listeners
  // run by variables set on the task's element instance.
  await camunda.deployResourcesFromFiles([path.join(bpmnDir, 'listeners.bpmn')]);
  const lpi = await camunda.createProcessInstance({ processDefinitionId: 'e2e-listened' });
  const activate = async (type) => {
    const r = await camunda.activateJobs({ type, worker: 'e2e', timeout: 30000, maxJobsToActivate: 1, requestTimeout: 5000 });
    check(r.jobs.length === 1 && r.jobs[0].processInstanceKey === lpi.processInstanceKey, `a ${type} job`);
    return r.jobs[0];
  };
  const pstart = await activate('e2e-process-start');
  check(pstart.kind === 'EXECUTION_LISTENER' && pstart.listenerEventType === 'START' && pstart.elementId === 'e2e-listened',
    `process start listener job ${JSON.stringify(pstart)}`);
  await camunda.completeJob({ jobKey: pstart.jobKey, variables: { fromListener: 1 } });
  const ltasks = await camunda.searchUserTasks({ filter: { processInstanceKey: lpi.processInstanceKey } }, until((r) => r.items.length === 1));
  const lt = ltasks.items[0];
  await camunda.assignUserTask({ userTaskKey: lt.userTaskKey, assignee: 'demo' });
  const assignJob = await activate('e2e-tl-assign');
  await camunda.completeJob({ jobKey: assignJob.jobKey, result: { type: 'userTask', denied: true, deniedReason: 'demo is away' } });
  const denied = await camunda.searchJobs({ filter: { processInstanceKey: lpi.processInstanceKey, isDenied: true } }, until((r) => r.items.length === 1));
  check(denied.items[0].deniedReason === 'demo is away' && denied.items[0].kind === 'TASK_LISTENER', `denied job ${JSON.stringify(denied.items[0])}`);
  const allowed = await camunda.searchJobs({ filter: { processInstanceKey: lpi.processInstanceKey, isDenied: false } }, now);
  check(allowed.items.length === 1 && allowed.items[0].type === 'e2e-process-start', `jobs not denied ${JSON.stringify(allowed.items)}`);
  await camunda.createElementInstanceVariables({ elementInstanceKey: lt.elementInstanceKey, variables: { comment: 'ok' }, local: true });
  const updateJob = await activate('e2e-tl-update');
  check(JSON.parse(updateJob.customHeaders['io.camunda.zeebe:changedAttributes']).includes('variables'), `updating listener headers ${JSON.stringify(updateJob.customHeaders)}`);
  await camunda.completeJob({ jobKey: updateJob.jobKey });
  await camunda.completeUserTask({ userTaskKey: lt.userTaskKey });
  const ldone = await camunda.getProcessInstance({ processInstanceKey: lpi.processInstanceKey }, until((r) => r.state === 'COMPLETED'));
  check(ldone.state === 'COMPLETED', 'the listened instance completed');
  const lvars = await camunda.searchVariables({ filter: { processInstanceKey: lpi.processInstanceKey }, sort: [{ field: 'name' }] }, now);
  check(lvars.items.map((v) => v.name).join() === 'comment,fromListener', `listened instance variables ${lvars.items.map((v) => v.name)}`);

  console.log(`JS SDK e2e: ${checks.passed} checks passed (validation ${config(base).CAMUNDA_SDK_VALIDATION})`);
}

main().then(() => process.exit(0), (err) => {
  console.error('JS SDK e2e failed:', err?.stack ?? err);
  if (err?.cause) console.error('cause:', err.cause);
  process.exit(1);
});
