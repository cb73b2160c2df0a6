// What the JS SDK e2e scripts share: the SDK's configuration for an Orca
// without authentication, validating requests strictly and answers
// fanatically (CAMUNDA_SDK_VALIDATION overrides it), and a counter of the
// checks that passed.
import createCamundaClient from '@camunda8/orchestration-cluster-api';

// sdkConfig configures the SDK for the Orca at url.
export const sdkConfig = (url) => ({
  CAMUNDA_REST_ADDRESS: url,
  CAMUNDA_AUTH_STRATEGY: 'NONE',
  CAMUNDA_SDK_VALIDATION: process.env.CAMUNDA_SDK_VALIDATION ?? 'req:strict,res:fanatical',
  CAMUNDA_SDK_HTTP_RETRY_MAX_ATTEMPTS: 1,
  CAMUNDA_SDK_LOG_LEVEL: 'error',
});

// now asks a search or get not to wait for eventual consistency.
export const now = { consistency: { waitUpToMs: 0 } };

// checker counts passed checks; a failed one throws.
export function checker() {
  const c = {
    passed: 0,
    check(cond, what) {
      if (!cond) throw new Error(`check failed: ${what}`);
      c.passed++;
    },
  };
  return c;
}

// connect reads ORCA_URL and the e2e directory argument of script (its
// usage line names it) and returns a client of that Orca.
export function connect(script) {
  const base = process.env.ORCA_URL;
  const dir = process.argv[2];
  if (!base || !dir) {
    console.error(`usage: ORCA_URL=http://host:port node ${script} E2E_DIR`);
    process.exit(2);
  }
  return { camunda: createCamundaClient({ config: sdkConfig(base) }), dir };
}
