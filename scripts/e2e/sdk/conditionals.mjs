// Drives POST /v2/conditionals/evaluation (root-level conditional start
// events, Camunda 8.9) with Camunda's JS SDK
// (@camunda8/orchestration-cluster-api) with
// CAMUNDA_SDK_VALIDATION=req:strict,res:fanatical: a process with two
// conditional start events, evaluated for the tenant and for one
// definition; each true condition starts an instance with the variables.
// Exits non-zero on the first failure.
//
// Usage: ORCA_URL=http://127.0.0.1:8080 node conditionals.mjs E2E_DIR
import path from 'node:path';
import { checker, connect, now } from './common.mjs';

const { camunda, dir } = connect('conditionals.mjs');
const checks = checker();
const { check } = checks;

async function main() {
  const dep = await camunda.deployResourcesFromFiles([path.join(dir, 'conditional', 'e2e-conditional.bpmn')]);
  const def = dep.deployments.find((d) => d.processDefinition).processDefinition;

  // Both conditions hold: two instances, each with the variables.
  const both = await camunda.evaluateConditionals({ variables: { orderTotal: 1500, customer: { vip: true } } });
  check(both.conditionalEvaluationKey && both.tenantId === '<default>', `evaluation ${JSON.stringify(both)}`);
  check(both.processInstances.length === 2 && both.processInstances.every((p) => p.processDefinitionKey === def.processDefinitionKey),
    `started ${JSON.stringify(both.processInstances)}`);
  for (const p of both.processInstances) {
    const pi = await camunda.getProcessInstance({ processInstanceKey: p.processInstanceKey }, now);
    check(pi.state === 'ACTIVE' && pi.processDefinitionId === 'e2e-conditional', `instance ${JSON.stringify(pi)}`);
    const vars = await camunda.searchVariables({ filter: { processInstanceKey: p.processInstanceKey, name: 'orderTotal' } }, now);
    check(vars.items.length === 1 && vars.items[0].value === '1500', `orderTotal ${JSON.stringify(vars.items)}`);
  }

  // One definition, one condition; then none.
  const one = await camunda.evaluateConditionals({ processDefinitionKey: def.processDefinitionKey, variables: { orderTotal: 5000 } });
  check(one.processInstances.length === 1, `by key ${JSON.stringify(one)}`);
  const none = await camunda.evaluateConditionals({ variables: { orderTotal: 10 } });
  check(none.processInstances.length === 0, `none ${JSON.stringify(none)}`);

  // An unknown definition is a 404 problem.
  let status = 0;
  try {
    await camunda.evaluateConditionals({ processDefinitionKey: '2251799813685999', variables: {} });
  } catch (err) {
    status = err?.status ?? err?.response?.status ?? err?.cause?.status ?? 0;
    if (!status) throw err;
  }
  check(status === 404, `unknown definition answered ${status}`);

  console.log(`JS SDK conditionals e2e: ${checks.passed} checks passed`);
}

main().then(() => process.exit(0), (err) => {
  console.error('JS SDK conditionals e2e failed:', err?.stack ?? err);
  process.exit(1);
});
