// The web UI (/ui/) with authentication on, in a real browser: Debian's
// chromium driven by playwright-core (tests/ui's npm packages, from its
// committed lock file) against the server under test over HTTPS with an
// authfile. Issue 13 asks that the browser's own basic-auth prompt be
// enough; playwright's httpCredentials answer that prompt the way a person
// would: only when the registry challenges (401 + WWW-Authenticate).
//
//   - with a wrong password the UI still loads (its files are open) and shows
//     the registry's 40101, and the 401 carries the challenge that makes a
//     browser ask for a password;
//   - a reader sees only the subjects it may read, and /v1/principal tells
//     the page what it may do; whatever its register page offers, nothing it
//     tries is written (the registry stays the judge);
//   - a writer registers through the UI over TLS (the UI's own Origin is
//     accepted), and the audit line names it.
// Chromium trusts the test's server certificate through
// --ignore-certificate-errors-spki-list with that key's hash, and nothing
// else. Screenshots go to build/ui-screenshots/auth/. Prints TAP lines;
// exits non-zero on a failure.
//
// Run: node tests/security/test_ui_auth.mjs  (AVRO_REGISTRY_BIN, AVROREG pick the binaries)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect, isDeepStrictEqual } from 'node:util';

import { CHROMIUM, CHROMIUM_FLAGS, freePort, loadDeps } from '../ui/lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const AVROREG = path.resolve(process.env.AVROREG || path.join(ROOT, 'bin', 'avroreg'));
const MEDIA = 'application/vnd.schemaregistry.v1+json';
const SHOTS = path.join(ROOT, 'build', 'ui-screenshots', 'auth');

let failures = 0;
process.stdout.on('error', () => {});

function ok(name, cond, detail = '') {
  console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
  if (!cond) {
    failures += 1;
    for (const line of String(detail).split('\n').slice(0, 30)) console.log(`    ${line}`);
  }
  return cond;
}

function eq(name, got, want) {
  return ok(name, isDeepStrictEqual(got, want), `got:  ${inspect(got)}\nwant: ${inspect(want)}`);
}

// ---- certificates, users --------------------------------------------------------

function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function makeCerts(dir) {
  const p = (n) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2',
    '-subj', '/CN=ui test CA']);
  fs.writeFileSync(p('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  openssl(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'),
    '-CAcreateserial', '-out', p('server.pem'), '-days', '1', '-extfile', p('server.ext')]);
  // The base64 SHA-256 of the server key's SubjectPublicKeyInfo, for chromium.
  const spki = openssl(['pkey', '-pubout', '-outform', 'der', '-in', p('server.key')]);
  return { ca: p('ca.pem'), server: p('server.pem'), serverKey: p('server.key'),
    spki: crypto.createHash('sha256').update(spki).digest('base64') };
}

function argon2User(name, password) {
  const r = spawnSync(AVROREG, ['passwd', name], { input: `${password}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`avroreg passwd: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function karapaceUser(username, password) {
  const salt = crypto.randomBytes(12).toString('base64url');
  const hash = crypto.pbkdf2Sync(password, salt, 5000, 64, 'sha512').toString('base64');
  return { username, algorithm: 'sha512', salt, password_hash: hash };
}

// ---- the server ---------------------------------------------------------------------

function request(server, method, urlPath, { auth, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
    if (data !== undefined) Object.assign(headers, { 'Content-Type': MEDIA, 'Content-Length': Buffer.byteLength(data) });
    const req = https.request({ host: '127.0.0.1', port: server.port, method, path: urlPath, headers,
      ca: fs.readFileSync(server.certs.ca), servername: 'localhost', timeout: 10_000 }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { raw += c; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(raw); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, raw, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

async function startServer(dir, certs, authfile) {
  const port = await freePort();
  const proc = spawn(BIN, ['--listen', '127.0.0.1', '--port', String(port), '--db',
    path.join(dir, 'registry.db'), '--log-level', 'warn', '--tls-cert', certs.server, '--tls-key',
    certs.serverKey, '--auth-file', authfile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { port, proc, certs, log: '', exited: null, url: `https://127.0.0.1:${port}` };
  process.on('exit', () => { if (!server.exited) proc.kill('SIGKILL'); });
  proc.stdout.on('data', (c) => { server.log += c; });
  proc.stderr.on('data', (c) => { server.log += c; });
  server.exit = new Promise((resolve) => proc.on('exit', (code, signal) => {
    server.exited = { code, signal };
    resolve(server.exited);
  }));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`server exited: ${server.log}`);
    try {
      if ((await request(server, 'GET', '/health/ready')).status === 200) return server;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server not ready: ${server.log}`);
}

async function stopServer(server) {
  if (server.exited) return;
  server.proc.kill('SIGTERM');
  const { code } = await server.exit;
  ok('server shut down cleanly (exit 0, no sanitizer report)',
    code === 0 && !server.log.includes('Sanitizer') && !server.log.includes('runtime error'),
    `exit ${code}\n${server.log.slice(-2000)}`);
}

// ---- the browser ----------------------------------------------------------------------

const record = (name, ...fields) => JSON.stringify({ type: 'record', name, namespace: 'ui.auth',
  fields: fields.map((f) => ({ name: f, type: 'string', default: '' })) });

// A fresh browser context as one person: credentials given to the browser,
// answered only when the registry asks. Records every answer and page error.
async function personWith(browser, credentials) {
  const context = await browser.newContext(credentials ? { httpCredentials: credentials } : {});
  const page = await context.newPage();
  const seen = { answers: [], errors: [] };
  page.on('response', (r) => seen.answers.push({ url: r.url(), method: r.request().method(),
    status: r.status(), challenge: r.headers()['www-authenticate'] || null }));
  page.on('pageerror', (e) => seen.errors.push(e.message));
  return { context, page, seen };
}

// The subjects the subjects page lists (data-subject of its rows), once it has some.
async function listedSubjects(page) {
  await page.waitForSelector('table.subjects tbody tr[data-subject]', { timeout: 15_000 }).catch(() => {});
  return page.evaluate(() => [...document.querySelectorAll('table.subjects tbody tr[data-subject]')]
    .map((tr) => tr.dataset.subject).sort());
}

async function main() {
  const { chromium } = await loadDeps();
  fs.mkdirSync(SHOTS, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-ui-auth-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const certs = makeCerts(dir);
  const authfile = path.join(dir, 'auth.json');
  fs.writeFileSync(authfile, JSON.stringify({
    users: [argon2User('writer', 'writer-pw'), karapaceUser('reader', 'reader-pw'),
      karapaceUser('admin', 'admin-pw')],
    permissions: [
      { username: 'writer', operation: 'Write', resource: 'Subject:orders-.*' },
      { username: 'reader', operation: 'Read', resource: 'Subject:orders-.*' },
      { username: 'admin', operation: 'Write', resource: '.*' },
    ],
  }));
  const server = await startServer(dir, certs, authfile);
  const admin = { auth: 'admin:admin-pw' };
  for (const subject of ['orders-value', 'payments-value']) {
    const r = await request(server, 'POST', `/subjects/${subject}/versions`,
      { ...admin, body: { schema: record('Seed', 'id') } });
    if (r.status !== 200) throw new Error(`seeding ${subject}: ${r.status} ${r.raw}`);
  }
  const versions = async (s) => (await request(server, 'GET', `/subjects/${s}/versions`, admin)).json;

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000,
    args: [...CHROMIUM_FLAGS, `--ignore-certificate-errors-spki-list=${certs.spki}`] });
  try {
    // -- a wrong password: the page loads, the API says 401 and asks again;
    // the person gives up (playwright cancels a second challenge, as the
    // prompt's Cancel does; headless chromium could not show a prompt to a
    // person who gave nothing) --
    const nobody = await personWith(browser, { username: 'reader', password: 'wrong' });
    await nobody.page.goto(`${server.url}/ui/`);
    const shown = await nobody.page.waitForFunction(() => document.body.innerText.includes('40101'),
      null, { timeout: 15_000 }).then(() => true, () => false);
    ok('with a wrong password (the prompt then cancelled) the UI loads and shows the registry\'s 40101',
      shown, await nobody.page.evaluate(() => document.body.innerText.slice(0, 500)));
    const challenged = nobody.seen.answers.filter((a) => a.status === 401);
    ok('...from a 401 carrying WWW-Authenticate: Basic realm="avro-registry" (the browser\'s prompt)',
      challenged.length > 0 && challenged.every((a) => /^Basic realm="avro-registry"/.test(a.challenge || '')),
      inspect(nobody.seen.answers));
    await nobody.page.screenshot({ path: path.join(SHOTS, 'no-credentials.png'), fullPage: true });
    ok('...while the UI\'s own files are served without credentials',
      nobody.seen.answers.some((a) => a.url.endsWith('/ui/') && a.status === 200), inspect(nobody.seen.answers));
    await nobody.context.close();

    // -- the reader --
    const reader = await personWith(browser, { username: 'reader', password: 'reader-pw' });
    await reader.page.goto(`${server.url}/ui/`);
    eq('the reader, logged in through the prompt, sees only the subjects it may read',
      await listedSubjects(reader.page), ['orders-value']);
    await reader.page.screenshot({ path: path.join(SHOTS, 'reader-subjects.png'), fullPage: true });
    eq('/v1/principal from the page tells the UI what the reader may do',
      await reader.page.evaluate(async () => (await fetch('../v1/principal?subject=orders-value')).json()),
      { principal: 'reader', authentication: true, config: { read: false, write: false },
        permissions: [{ operation: 'Read', resource: 'Subject:orders-.*' }],
        subject: { name: 'orders-value', read: true, write: false } });
    await reader.page.goto(`${server.url}/ui/#/register?subject=orders-value`);
    const form = await reader.page.waitForSelector('textarea.schema-text', { timeout: 5_000 }).catch(() => null);
    let outcome = 'the register form is hidden';
    if (form) {
      await reader.page.fill('textarea.schema-text', record('Seed', 'id', 'note'));
      await reader.page.click('form button:text("Register")');
      await reader.page.waitForSelector('.result .error-code', { timeout: 10_000 }).catch(() => {});
      outcome = await reader.page.evaluate(() => (document.querySelector('.result .error-code') || {}).textContent || '');
    }
    ok('the reader cannot register through the UI: the form is hidden, or the registry\'s 40301 is shown',
      outcome === 'the register form is hidden' || outcome === 'error_code 40301', outcome);
    eq('...and nothing was written', await versions('orders-value'), [1]);
    eq('...no script error on the reader\'s pages', reader.seen.errors, []);
    await reader.context.close();

    // -- the writer registers over TLS: same-origin writes pass the Origin check --
    const writer = await personWith(browser, { username: 'writer', password: 'writer-pw' });
    await writer.page.goto(`${server.url}/ui/#/register?subject=orders-ui`);
    await writer.page.fill('textarea.schema-text', record('Made', 'id'));
    await writer.page.click('form button:text("Register")');
    const registered = await writer.page.waitForSelector('.verdict.ok', { timeout: 15_000 }).then(() => true, () => false);
    ok('the writer registers through the UI over HTTPS',
      registered, await writer.page.evaluate(() => document.body.innerText.slice(0, 500)));
    eq('...as the API sees it', await versions('orders-ui'), [1]);
    const post = writer.seen.answers.find((a) => a.method === 'POST' && a.url.endsWith('/subjects/orders-ui/versions'));
    eq('...in one request, answered 200 (the UI\'s Origin is the registry\'s own)', post && post.status, 200);
    const audit = server.log.split('\n').filter((l) => l.startsWith('audit '))
      .map((l) => JSON.parse(l.slice(6))).filter((a) => a.subject === 'orders-ui')
      .map((a) => [a.principal, a.route, a.outcome]);
    // The browser sends the password once the registry has asked for it: on
    // this POST (one unauthenticated attempt first), or already on the UI's
    // first call (/v1/principal), which needs a principal too.
    const written = audit.filter((a) => a[2] !== 'unauthenticated');
    const unasked = audit.filter((a) => a[2] === 'unauthenticated');
    eq('...the audit names the writer, once, for the one write', written,
      [['writer', '/subjects/{subject}/versions', 'ok']]);
    ok('...any attempt before it carried no password and was refused as unauthenticated',
      unasked.length <= 1 && unasked.every((a) => a[0] === ''), audit);
    eq('...no script error on the writer\'s pages', writer.seen.errors, []);
    await writer.context.close();
  } finally {
    await browser.close();
  }
  await stopServer(server);
}

main().then(() => process.exit(failures ? 1 : 0), (err) => {
  ok('the suite ran to the end', false, err && err.stack);
  process.exit(1);
});
