// Drives Orca's decision endpoints with Camunda's JS SDK
// (@camunda8/orchestration-cluster-api) with
// CAMUNDA_SDK_VALIDATION=req:strict,res:fanatical: a DMN model deployed
// beside nothing else, decision definitions and requirements (search, get,
// XML), evaluations by id and by key (a graph with required decisions, and
// one that fails), and the decision instances they recorded. Exits non-zero
// on the first failure.
//
// Usage: ORCA_URL=http://127.0.0.1:8080 node dmn.mjs E2E_DIR
import path from 'node:path';
import { checker, connect, now } from './common.mjs';

const { camunda, dir } = connect('dmn.mjs');
const checks = checker();
const { check } = checks;

async function main() {
  const dmnDir = path.join(dir, 'dmn');
  const dep = await camunda.deployResourcesFromFiles([path.join(dmnDir, 'dinner.dmn'), path.join(dmnDir, 'risk.dmn')]);
  const decisions = dep.deployments.filter((d) => d.decisionDefinition).map((d) => d.decisionDefinition);
  const graphs = dep.deployments.filter((d) => d.decisionRequirements).map((d) => d.decisionRequirements);
  check(decisions.length === 4 && graphs.length === 2, `deployed ${decisions.length} decisions in ${graphs.length} graphs`);
  const bev = decisions.find((d) => d.decisionDefinitionId === 'beverages');
  const dinner = graphs.find((g) => g.decisionRequirementsId === 'dinnerDecisions');
  check(bev && bev.decisionRequirementsKey === dinner.decisionRequirementsKey, 'beverages belongs to the dinner graph');

  const again = await camunda.deployResourcesFromFiles([path.join(dmnDir, 'dinner.dmn')]);
  const bev2 = again.deployments.find((d) => d.decisionDefinition?.decisionDefinitionId === 'beverages').decisionDefinition;
  check(bev2.decisionDefinitionKey === bev.decisionDefinitionKey && bev2.version === bev.version, 'an unchanged redeployment keeps the version');

  // Definitions and requirements.
  const defs = await camunda.searchDecisionDefinitions({
    filter: { decisionRequirementsKey: dinner.decisionRequirementsKey, isLatestVersion: true },
    sort: [{ field: 'name', order: 'ASC' }], page: { limit: 10 } }, now);
  check(defs.items.map((d) => d.decisionDefinitionId).join() === 'beverages,dish,season', `definitions ${JSON.stringify(defs.items)}`);
  const def = await camunda.getDecisionDefinition({ decisionDefinitionKey: bev.decisionDefinitionKey }, now);
  check(def.name === 'Beverages' && def.decisionRequirementsName === 'Dinner Decisions', `definition ${JSON.stringify(def)}`);
  const xml = await camunda.getDecisionDefinitionXml({ decisionDefinitionKey: bev.decisionDefinitionKey }, now);
  check(String(xml).includes('id="dinnerDecisions"'), 'decision definition XML');
  const reqs = await camunda.searchDecisionRequirements({ filter: { decisionRequirementsId: 'riskDecisions' } }, now);
  check(reqs.items.length === 1 && reqs.items[0].resourceName === 'risk.dmn', `requirements ${JSON.stringify(reqs.items)}`);
  const req = await camunda.getDecisionRequirements({ decisionRequirementsKey: dinner.decisionRequirementsKey }, now);
  check(req.decisionRequirementsName === 'Dinner Decisions' && req.version === dinner.version, `requirements ${JSON.stringify(req)}`);
  const rxml = await camunda.getDecisionRequirementsXml({ decisionRequirementsKey: dinner.decisionRequirementsKey }, now);
  check(String(rxml).includes('<decision id="beverages"'), 'decision requirements XML');

  // Evaluation of a graph with required decisions, by key.
  const ev = await camunda.evaluateDecision({ decisionDefinitionKey: bev.decisionDefinitionKey,
    variables: { month: 1, guestCount: 4, guestsWithChildren: true } });
  check(ev.output === '["Red Wine","Apple Juice","Water"]', `output ${ev.output}`);
  check(ev.evaluatedDecisions.map((d) => d.decisionDefinitionId).join() === 'season,dish,beverages', 'required decisions first');
  const dish = ev.evaluatedDecisions[1];
  check(dish.matchedRules[0].ruleId === 'r1' && dish.evaluatedInputs[0].inputValue === '"Winter"', `dish ${JSON.stringify(dish)}`);
  // By id.
  const byId = await camunda.evaluateDecision({ decisionDefinitionId: 'dish', variables: { month: 7, guestCount: 6 } });
  check(byId.output === '"Salad for 6"' && byId.decisionDefinitionKey !== bev.decisionDefinitionKey, `by id ${byId.output}`);
  // A failed evaluation is a result that names the decision and the reason.
  const failed = await camunda.evaluateDecision({ decisionDefinitionId: 'risk', variables: { score: 5 } });
  check(failed.failedDecisionDefinitionId === 'risk' && failed.failureMessage.includes('UNIQUE'), `failure ${JSON.stringify(failed)}`);
  // An unknown decision is a 404.
  let status = 0;
  try { await camunda.evaluateDecision({ decisionDefinitionId: 'nope' }); } catch (err) { status = err.status ?? err.response?.status; }
  check(status === 404, `unknown decision: ${status}`);

  // Decision instances.
  const inst = await camunda.searchDecisionInstances({ filter: { decisionEvaluationKey: ev.decisionEvaluationKey },
    sort: [{ field: 'decisionEvaluationInstanceKey' }] }, now);
  check(inst.items.length === 3 && inst.items.every((i) => i.state === 'EVALUATED' && i.rootDecisionDefinitionKey === bev.decisionDefinitionKey),
    `instances ${JSON.stringify(inst.items)}`);
  const one = await camunda.getDecisionInstance({ decisionEvaluationInstanceKey: dish.decisionEvaluationInstanceKey }, now);
  check(one.decisionDefinitionId === 'dish' && one.matchedRules.length === 1 && one.evaluatedInputs.length === 2, `instance ${JSON.stringify(one)}`);
  const fails = await camunda.searchDecisionInstances({ filter: { state: 'FAILED', decisionDefinitionId: 'risk' } }, now);
  check(fails.items.length === 1 && fails.items[0].evaluationFailure === failed.failureMessage, `failed instances ${JSON.stringify(fails.items)}`);

  // Business rule tasks: a graph with required decisions, a failing
  // decision raising an incident that is resolved after setting a variable,
  // and a business rule task worked as a job.
  const until = (predicate) => ({ consistency: { waitUpToMs: 20000, pollIntervalMs: 100, predicate } });
  const bdep = await camunda.deployResourcesFromFiles(['decisions.bpmn', 'dinner.dmn', 'risk.dmn'].map((f) => path.join(dmnDir, f)));
  check(bdep.deployments.some((d) => d.processDefinition?.processDefinitionId === 'dinner-order'), 'deployed the process beside its decisions');
  const pi = await camunda.createProcessInstance({ processDefinitionId: 'dinner-order',
    variables: { month: 1, guestCount: 4, guestsWithChildren: true, score: 5, riskDecision: 'risk' } });
  const incs = await camunda.searchIncidents({ filter: { processInstanceKey: pi.processInstanceKey, state: 'ACTIVE' } },
    until((r) => r.items.length >= 1));
  check(incs.items[0].errorType === 'DECISION_EVALUATION_ERROR' && incs.items[0].elementId === 'assessRisk', `incident ${JSON.stringify(incs.items[0])}`);
  await camunda.createElementInstanceVariables({ elementInstanceKey: pi.processInstanceKey, variables: { score: 70 } });
  await camunda.resolveIncident({ incidentKey: incs.items[0].incidentKey });
  const jobs = await camunda.activateJobs({ type: 'legacy-rules', worker: 'e2e', timeout: 30000, maxJobsToActivate: 1, requestTimeout: 5000 });
  check(jobs.jobs.length === 1 && jobs.jobs[0].variables.risk === 'high', `legacy rules job ${JSON.stringify(jobs.jobs)}`);
  await camunda.completeJob({ jobKey: jobs.jobs[0].jobKey });
  const done = await camunda.getProcessInstance({ processInstanceKey: pi.processInstanceKey }, until((r) => r.state === 'COMPLETED'));
  check(done.state === 'COMPLETED', `instance ${done.state}`);
  const pinst = await camunda.searchDecisionInstances({ filter: { processInstanceKey: pi.processInstanceKey },
    sort: [{ field: 'decisionEvaluationInstanceKey' }], page: { limit: 20 } }, now);
  check(pinst.items.map((i) => `${i.decisionDefinitionId}:${i.state}`).join() ===
    'season:EVALUATED,dish:EVALUATED,beverages:EVALUATED,season:EVALUATED,dish:EVALUATED,risk:FAILED,risk:EVALUATED',
  `decision instances of the process ${pinst.items.map((i) => i.decisionDefinitionId + ':' + i.state)}`);

  console.log(`JS SDK decisions: ${checks.passed} checks passed (fanatical validation)`);
}

main().catch((err) => {
  console.error('JS SDK decisions FAILED:', err?.stack ?? err);
  if (err?.response) console.error('response:', JSON.stringify(err.response));
  process.exit(1);
});
