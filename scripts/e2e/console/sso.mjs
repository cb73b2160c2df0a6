// Logs in to Orca's web console through single sign-on in headless
// Chromium: the console sends the browser to the OpenID provider (the
// loopback issuer of scripts/e2e/issuer), the person signs in there, the
// provider redirects back, and the console shows who is logged in. Checks
// that no token reached the page (URL, storage, readable cookies), that the
// API answers through the session, and that logging out ends it at the
// provider too.
//
// Usage: ORCA_URL=... ORCA_ISSUER=... ORCA_USER=alice ORCA_PASSWORD=... node sso.mjs ARTEFACTS_DIR
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.ORCA_URL;
const issuer = process.env.ORCA_ISSUER;
const out = process.argv[2];
if (!base || !issuer || !out) {
  console.error('usage: ORCA_URL=... ORCA_ISSUER=... node sso.mjs ARTEFACTS_DIR');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
let page;
const check = (cond, what) => { if (!cond) throw new Error(`check failed: ${what}`); };
try {
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  const urls = [];
  page.on('request', (r) => { if (r.isNavigationRequest()) urls.push(r.url()); });

  await page.goto(base + '/');
  await page.waitForURL(/#\/login$/);
  await page.getByRole('link', { name: 'Log in with single sign-on' }).click();
  await page.waitForURL((u) => u.href.startsWith(issuer + '/authorize?'));
  const auth = new URL(page.url());
  check(auth.searchParams.get('code_challenge_method') === 'S256' && auth.searchParams.get('nonce') && auth.searchParams.get('state'), `authorization request ${auth}`);
  await page.screenshot({ path: path.join(out, '20-sso-provider.png'), fullPage: true });
  await page.getByLabel('Username').fill(process.env.ORCA_USER);
  await page.getByLabel('Password').fill(process.env.ORCA_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Processes' }).waitFor();
  await page.locator('#user', { hasText: process.env.ORCA_USER }).waitFor();
  await page.locator('main', { hasText: 'processes,' }).waitFor(); // the list came through the API
  check(!page.url().includes('code=') && !page.url().includes('state='), `the console's URL keeps the code: ${page.url()}`);
  const stored = await page.evaluate(() => JSON.stringify({ s: { ...sessionStorage }, l: { ...localStorage }, c: document.cookie }));
  check(!/eyJ[\w-]{10,}/.test(stored + urls.join(' ')), `a token reached the page: ${stored} ${urls.join(' ')}`);
  check(!stored.includes('orca_console_session'), 'the session cookie is readable by scripts');
  await page.screenshot({ path: path.join(out, '21-sso-logged-in.png'), fullPage: true });
  console.log(`console e2e: logged in as ${process.env.ORCA_USER} through the OpenID provider (code flow, PKCE S256); no token in the page`);

  await page.locator('#logout').click();
  await page.getByRole('link', { name: 'Log in with single sign-on' }).waitFor();
  check(urls.some((u) => u.startsWith(issuer + '/logout?')), `logout did not reach the provider: ${urls.join(' ')}`);
  const after = await page.evaluate(async () => (await fetch('session/v2/topology', { headers: { 'X-Orca-Console': '1' } })).status);
  check(after === 401, `the API after logout: ${after}`);
  await page.screenshot({ path: path.join(out, '22-sso-logged-out.png'), fullPage: true });
  console.log('console e2e: logged out (at the provider too); the session is gone');
  if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
} catch (e) {
  console.error('console e2e (single sign-on) failed:', e?.stack ?? e);
  if (errors.length) console.error(errors.join('\n'));
  await page?.screenshot({ path: path.join(out, 'sso-failure.png'), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
