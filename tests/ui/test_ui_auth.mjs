// The web UI with the security edge on, in Debian's chromium: the registry
// serves HTTPS (a CA and a server certificate made here by openssl), checks
// Basic credentials against an authfile (entries made by `avroreg passwd`,
// argon2id), and answers only Host 127.0.0.1 (--allowed-hosts). The UI's
// files are open; its first API request is answered 401 with the Basic
// challenge, and playwright answers it as a person answers the browser's
// login prompt (httpCredentials: sent only after the challenge).
//
//   * reader (Read on everything): every page reads; no register, delete or
//     settings control is offered anywhere; the compatibility check works;
//   * writer (Read on everything, Write on Subject:orders-.*): offered the
//     actions on orders-* and not on payments-*; registers, changes a level
//     and deletes through the UI (same-origin writes over HTTPS that pass the
//     edge's Origin and Host checks), confirmed through the API;
//   * nobody logged in (a wrong password, then the prompt cancelled): the
//     registry's 401 shows as its error, and nothing is offered;
//   * the Origin and Host checks were on all along: a foreign Origin's write
//     is refused (403) and another Host name is refused (421).
// Prints TAP lines; exits non-zero on a failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect, isDeepStrictEqual } from 'node:util';
import { ROOT, loadDeps, request, startServer, stopServer, launchBrowser } from './lib.mjs';

const BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const AVROREG = path.resolve(process.env.AVROREG || path.join(ROOT, 'bin', 'avroreg'));
const SHOTS = path.join(ROOT, 'build', 'ui-screenshots');

let failures = 0;
process.stdout.on('error', () => {});

function ok(name, cond, detail = '') {
  if (cond) {
    console.log(`ok - ${name}`);
  } else {
    failures += 1;
    console.log(`not ok - ${name}`);
    for (const line of String(detail).split('\n').slice(0, 60)) console.log(`    ${line}`);
  }
  return cond;
}

function eq(name, got, want) {
  return ok(name, isDeepStrictEqual(got, want), `got:  ${inspect(got, { depth: 6 })}\nwant: ${inspect(want, { depth: 6 })}`);
}

// ---- certificates, users ---------------------------------------------------------

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

// A CA and a server certificate for 127.0.0.1 signed by it, in dir.
function makeCerts(dir) {
  const f = (n) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2',
    '-subj', '/CN=avro-registry UI test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run('openssl', ['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-out', f('server.pem'), '-days', '1', '-extfile', f('server.ext')]);
  return { ca: fs.readFileSync(f('ca.pem'), 'utf8'), cert: f('server.pem'), key: f('server.key') };
}

const PW = { admin: 'admin-pw', reader: 'reader-pw', writer: 'writer-pw' };

function makeAuthfile(file) {
  const users = Object.entries(PW).map(([name, pw]) => JSON.parse(run(AVROREG, ['passwd', name], `${pw}\n`)));
  const permissions = [
    { username: 'admin', operation: 'Write', resource: '.*' },
    { username: 'reader', operation: 'Read', resource: '.*' },
    { username: 'writer', operation: 'Read', resource: '.*' },
    { username: 'writer', operation: 'Write', resource: 'Subject:orders-.*' },
  ];
  fs.writeFileSync(file, JSON.stringify({ users, permissions }, null, 1));
}

// ---- the data ----------------------------------------------------------------------

const rec = (name, fields) => JSON.stringify({ type: 'record', name, namespace: 'com.acme', fields });
const V1 = rec('Order', [{ name: 'id', type: 'long' }]);
const V2 = rec('Order', [{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }]);
const NEW_FIELD = rec('Order', [{ name: 'id', type: 'long' }, { name: 'note', type: 'string', default: '' }, { name: 'x', type: 'int' }]);
const PAY = rec('Payment', [{ name: 'amount', type: 'long' }]);

async function seed(admin) {
  for (const [subject, schema] of [['orders-value', V1], ['orders-value', V2], ['payments-value', PAY], ['orders-scratch', V1], ['orders-scratch', V2]]) {
    const r = await request(admin, 'POST', `/subjects/${subject}/versions`, { schema });
    if (r.status !== 200) throw new Error(`seeding ${subject}: ${r.status} ${r.raw}`);
  }
}

// ---- watching the browser ------------------------------------------------------------

function watch(page) {
  const w = { problems: [], expected: [] };
  page.on('response', (r) => {
    if (r.status() < 400) return;
    if (w.expected.some((e) => e.status === r.status() && e.re.test(r.url()))) return;
    w.problems.push(`unexpected answer ${r.status()} to ${r.request().method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => w.problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure() && r.failure().errorText}`));
  page.on('pageerror', (e) => w.problems.push(`page error: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    const m = /status of (\d+)/.exec(msg.text());
    if (m && w.expected.some((e) => e.status === Number(m[1]))) return;
    w.problems.push(`console ${msg.type()}: ${msg.text()} (${msg.location() && msg.location().url})`);
  });
  w.check = (name) => {
    const p = w.problems.splice(0);
    ok(`${name}: no console errors, failed requests or unexpected errors`, p.length === 0, p.join('\n'));
  };
  return w;
}

async function shoot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function axeCheck(page, axeSource, name) {
  await page.evaluate(axeSource);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const serious = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] }))
      .violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`));
    ok(`axe-core: ${name} (${scheme}) has no serious or critical violations`, serious.length === 0, serious.join('\n'));
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const text = (page, sel) => page.locator(sel).first().textContent({ timeout: 10_000 });
const count = (page, sel) => page.locator(sel).count();

// What a subject page offers once it is complete.
async function subjectPage(page, server, subject) {
  await page.goto(`${server.url}/ui/#/subjects/${encodeURIComponent(subject)}`);
  await page.waitForSelector('section[aria-labelledby="h-actions"]');
  await page.waitForSelector('form[data-setting="level"] select');
  return {
    deleteButtons: await count(page, 'button[data-action^="delete"]'),
    saveButtons: await count(page, 'form[data-setting] button[type=submit]'),
    settingsDisabled: await page.$$eval('form[data-setting] select', (s) => s.map((x) => x.disabled)),
    registerLink: await count(page, 'section[aria-labelledby="h-actions"] a[href^="#/register"]'),
    compatLink: await count(page, 'section[aria-labelledby="h-actions"] a[href^="#/compat"]'),
    readonlyNote: (await page.locator('[data-readonly]').count()) ? (await text(page, '[data-readonly]')) : null,
  };
}

const registerNavShown = (page) => page.locator('nav a[data-nav="register"]').isVisible();

// ---- the walks ---------------------------------------------------------------------------

async function asReader(page, server, admin, axeSource) {
  const w = watch(page);
  w.expected.push({ status: 404, re: /\/(config|mode)\/[^/?]+$/ }); // no level or mode of its own
  await page.goto(`${server.url}/ui/`);
  await page.waitForSelector('table.subjects tbody tr[data-subject]');
  eq('reader: the login answered, the subjects are listed', await page.$$eval('table.subjects tbody tr', (r) => r.map((x) => x.dataset.subject)),
    ['orders-scratch', 'orders-value', 'payments-value']);
  eq('reader: the header names the user', (await text(page, '#principal')).trim(), 'Signed in as reader');
  eq('reader: no Register in the navigation', await registerNavShown(page), false);
  w.check('reader, subjects page');

  const offered = await subjectPage(page, server, 'orders-value');
  eq('reader: a subject page offers no delete, no save, no register; the check stays', offered, {
    deleteButtons: 0, saveButtons: 0, settingsDisabled: [true, true], registerLink: 0, compatLink: 1,
    readonlyNote: 'reader may read this subject but not change it: registering, deleting and changing its settings are not offered.',
  });
  ok('reader: the settings are still shown (the global level as the one in force)',
    (await text(page, 'form[data-setting="level"] .note')).includes('BACKWARD'), await text(page, 'form[data-setting="level"] .note'));
  await shoot(page, 'auth-reader-subject');
  await axeCheck(page, axeSource, 'read-only subject page');
  w.check('reader, subject page');

  await page.goto(`${server.url}/ui/#/register?subject=orders-value`);
  await page.waitForSelector('[data-readonly]');
  eq('reader: the register page says why there is no form', [await text(page, '[data-readonly]'), await count(page, 'textarea')],
    ['reader may not register schemas in this registry: no subject may be written with these credentials.', 0]);
  w.check('reader, register page');

  await page.goto(`${server.url}/ui/#/compat?subject=orders-value&level=FORWARD`);
  await page.waitForFunction(() => /FORWARD, not at/.test(document.querySelector('.note')?.textContent || ''));
  await page.fill('textarea.schema-text', NEW_FIELD);
  await page.click('button:text("Check compatibility")');
  await page.waitForSelector('.result .verdict');
  ok('reader: the compatibility check (a POST, same origin, over HTTPS) answers', (await text(page, '.result .verdict')).startsWith('Compatible.'),
    await text(page, '.result'));
  w.check('reader, compatibility check');
  eq('reader: nothing changed in the registry', [(await request(admin, 'GET', '/subjects/orders-value/versions')).json,
    (await request(admin, 'GET', '/config/orders-value')).status], [[1, 2], 404]);
}

async function asWriter(page, server, admin) {
  const w = watch(page);
  await page.goto(`${server.url}/ui/`);
  await page.waitForSelector('table.subjects tbody tr[data-subject]');
  eq('writer: the header names the user', (await text(page, '#principal')).trim(), 'Signed in as writer');
  eq('writer: Register is in the navigation', await registerNavShown(page), true);

  w.expected.push({ status: 404, re: /\/(config|mode)\/[^/?]+$/ }); // no level or mode of its own
  const orders = await subjectPage(page, server, 'orders-value');
  eq('writer: on orders-value (Write on Subject:orders-.*) every action is offered', orders, {
    deleteButtons: 3, saveButtons: 2, settingsDisabled: [false, false], registerLink: 1, compatLink: 1, readonlyNote: null,
  });
  const level = 'form[data-setting="level"]';
  await page.selectOption(`${level} select`, 'FULL');
  await page.click(`${level} button[type=submit]`);
  await page.waitForFunction((s) => document.querySelector(`${s} .note`).textContent.startsWith('Saved'), level);
  eq('writer: the level set through the UI (PUT, same origin) is the registry\'s', (await request(admin, 'GET', '/config/orders-value')).json,
    { compatibilityLevel: 'FULL' });

  const payments = await subjectPage(page, server, 'payments-value');
  eq('writer: on payments-value (Read only) nothing that writes is offered', payments, {
    deleteButtons: 0, saveButtons: 0, settingsDisabled: [true, true], registerLink: 0, compatLink: 1,
    readonlyNote: 'writer may read this subject but not change it: registering, deleting and changing its settings are not offered.',
  });
  await shoot(page, 'auth-writer-readonly-subject');
  w.check('writer, subject pages');

  await page.goto(`${server.url}/ui/#/register?subject=payments-value`);
  await page.waitForFunction(() => /may not write/.test(document.querySelector('form .note')?.textContent || ''));
  eq('writer: registering under payments-value is not offered, and the page says why',
    [await text(page, 'form .note'), await page.locator('form button[type=submit]').isVisible()],
    ['writer may not write subject "payments-value": registering under it is not offered.', false]);
  await page.fill('form input[type=text]', 'orders-ui');
  await page.waitForFunction(() => !document.querySelector('form button[type=submit]').hidden);
  await page.fill('textarea.schema-text', V1);
  await page.click('form button:text("Register")');
  await page.waitForSelector('.verdict.ok');
  eq('writer: the version registered through the UI (POST, same origin) is in the registry',
    (await request(admin, 'GET', '/subjects/orders-ui/versions')).json, [1]);
  w.check('writer, register page');

  await subjectPage(page, server, 'orders-scratch');
  await page.click('button[data-action="delete-version"][data-version="2"]');
  await page.waitForSelector('dialog.confirm[open]');
  await page.click('dialog.confirm button.danger');
  await page.waitForSelector('button[data-action="delete-version-permanently"][data-version="2"]');
  eq('writer: the version deleted through the UI (DELETE, same origin) is soft-deleted',
    [(await request(admin, 'GET', '/subjects/orders-scratch/versions')).json, (await request(admin, 'GET', '/subjects/orders-scratch/versions?deleted=true')).json],
    [[1], [1, 2]]);
  w.check('writer, deleting');
}

async function anonymous(page, server) {
  const w = watch(page);
  w.expected.push({ status: 401, re: /./ });
  await page.goto(`${server.url}/ui/`);
  await page.waitForSelector('main .error');
  eq('nobody logged in: the registry\'s 401 shows as its error', [await text(page, 'main .error-code'), await text(page, 'main .error-status'),
    await text(page, 'main .error-message')], ['error_code 40101', ' (HTTP 401)', 'Unknown user or wrong password']);
  eq('nobody logged in: no Register in the navigation, no user named', [await registerNavShown(page), (await text(page, '#principal')).trim()], [false, '']);
  w.check('nobody logged in');
}

async function main() {
  let deps;
  try {
    deps = await loadDeps();
  } catch (err) {
    ok('npm ci: playwright-core and axe-core', false, err.message);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-ui-auth-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  let server;
  try {
    const certs = makeCerts(dir);
    makeAuthfile(path.join(dir, 'auth.json'));
    server = await startServer(BIN, {
      ca: certs.ca,
      args: ['--tls-cert', certs.cert, '--tls-key', certs.key, '--auth-file', path.join(dir, 'auth.json'), '--allowed-hosts', '127.0.0.1'],
    });
  } catch (err) {
    ok('the registry starts with TLS, an authfile and --allowed-hosts', false, err.stack || err);
    return;
  }
  const admin = { port: server.port, ca: server.target.ca, auth: ['admin', PW.admin] };
  let browser = null;
  try {
    await seed(admin);
    const r = await request({ ...server.target }, 'GET', '/subjects');
    ok('the API asks for credentials (401 with the Basic challenge)', r.status === 401 && /^Basic realm=/.test(r.headers['www-authenticate'] || ''), inspect(r));
    const ui = await request({ ...server.target }, 'GET', '/ui/');
    eq('the UI\'s files need none', ui.status, 200);

    browser = await launchBrowser(deps.chromium);
    for (const [who, walk] of [['reader', asReader], ['writer', asWriter], [null, anonymous]]) {
      // chromium does not know the test CA; TLS is still real
      const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } };
      // Nobody: a wrong password, refused; playwright then cancels the
      // prompt, as a person who gives up does. (With no answer at all,
      // headless chromium would wait for a prompt it never shows.)
      contextOptions.httpCredentials = who ? { username: who, password: PW[who], origin: server.url }
        : { username: 'reader', password: 'not-the-password', origin: server.url };
      const context = await browser.newContext(contextOptions);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      try {
        await walk(page, server, admin, deps.axeSource);
      } catch (err) {
        const where = await page.evaluate(() => `${location.hash}\n${document.querySelector('main').innerText.slice(0, 1500)}`).catch(() => '');
        ok(`the walk as ${who || 'nobody'} finished`, false, `${err.stack || err}\n--- the page (${where})`);
      }
      await context.close();
    }

    const foreign = await request(admin, 'PUT', '/config/orders-value', { compatibility: 'NONE' }, { Origin: 'https://evil.example' });
    eq('the Origin check was on: a foreign origin\'s write is refused', foreign.status, 403);
    const host = await request(admin, 'GET', '/subjects', undefined, { Host: 'rebind.example' });
    eq('the Host check was on: another Host name is refused', host.status, 421);
    eq('...and neither changed anything', (await request(admin, 'GET', '/config/orders-value')).json, { compatibilityLevel: 'FULL' });
  } catch (err) {
    ok('the UI suite with authentication finished', false, err.stack || err);
  } finally {
    if (browser) await browser.close().catch(() => {});
    const st = await stopServer(server);
    ok(`server on port ${server.port} shut down cleanly (exit 0, no sanitizer report)`, st.clean,
      `exit ${st.code} signal ${st.signal}\n${server.log.slice(-3000)}`);
  }
}

const started = Date.now();
await main();
console.log(`# UI suite with authentication took ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures ? 1 : 0);
