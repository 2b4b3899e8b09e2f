// The kafkajs registry client (@kafkajs/confluent-schema-registry 3.9.0, from
// tests/clients' package-lock.json) against the server over real TLS, with
// Basic credentials (its `auth` option) and a client certificate (an
// https.Agent). Certificates are made here with openssl; the authfile's
// entries are Karapace's PBKDF2-HMAC-SHA512, computed with node's crypto.
// Good credentials work; wrong, missing or forbidden ones are refused with
// 401/403 and write nothing. Prints TAP-style lines.
//
// Run: node tests/security/test_kafkajs_tls.mjs  (AVRO_REGISTRY_BIN picks the binary)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { inspect, isDeepStrictEqual } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CLIENTS = path.join(ROOT, 'tests', 'clients');
const BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const PKG = '@kafkajs/confluent-schema-registry';

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

async function rejects(name, fn, status) {
  try {
    const got = await fn();
    return ok(name, false, `resolved with ${inspect(got)}`);
  } catch (err) {
    return ok(name, err && err.status === status, `${err && err.name}: ${err && err.message} ` +
      `(status ${err && err.status})`);
  }
}

// --- npm dependencies, certificates, the authfile -----------------------------
function loadClient() {
  const manifest = path.join(CLIENTS, 'node_modules', ...PKG.split('/'), 'package.json');
  if (!fs.existsSync(manifest)) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: CLIENTS, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) {
      ok('npm ci in tests/clients', false, `${r.stdout}${r.stderr}`);
      return null;
    }
  }
  return createRequire(path.join(CLIENTS, 'package.json'))(PKG);
}

function openssl(...args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function makeCerts(dir) {
  const p = (n) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2',
    '-subj', '/CN=kafkajs test CA');
  const sign = (name, cn, ext) => {
    fs.writeFileSync(p(`${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'),
      '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '1', '-extfile', p(`${name}.ext`));
  };
  sign('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('alice', 'alice', 'extendedKeyUsage=clientAuth\n');
  return { ca: p('ca.pem'), server: p('server.pem'), serverKey: p('server.key'),
    alice: p('alice.pem'), aliceKey: p('alice.key') };
}

function karapaceUser(username, password) {
  const salt = crypto.randomBytes(12).toString('base64url');
  const hash = crypto.pbkdf2Sync(password, salt, 5000, 64, 'sha512').toString('base64');
  return { username, algorithm: 'sha512', salt, password_hash: hash };
}

// --- the server ---------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

function request(server, method, urlPath, auth) {
  return new Promise((resolve, reject) => {
    const headers = auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
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
    req.end();
  });
}

async function startServer(dir, certs) {
  const port = await freePort();
  const proc = spawn(BIN, ['--listen', '127.0.0.1', '--port', String(port), '--db',
    path.join(dir, 'registry.db'), '--log-level', 'warn', '--tls-cert', certs.server, '--tls-key',
    certs.serverKey, '--tls-client-ca', certs.ca, '--auth-file', path.join(dir, 'auth.json')],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { port, proc, certs, log: '', exited: null };
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
    code === 0 && !server.log.includes('Sanitizer'), `exit ${code}\n${server.log.slice(-2000)}`);
}

// --- the checks ---------------------------------------------------------------
async function checks({ SchemaRegistry, SchemaType }, server) {
  const host = `https://127.0.0.1:${server.port}`;
  const ca = fs.readFileSync(server.certs.ca);
  const agent = new https.Agent({ ca, servername: 'localhost' });
  const registry = (auth, extra = {}) => new SchemaRegistry({ host, agent: extra.agent || agent,
    retry: { retries: 0 }, ...(auth ? { auth } : {}) });
  const writer = registry({ username: 'writer', password: 'writer-pw' });
  const ORDER = { type: 'record', name: 'Order', namespace: 'kjs', fields: [{ name: 'id', type: 'long' }] };
  const schema = { type: SchemaType.AVRO, schema: JSON.stringify(ORDER) };
  const subjects = async () => (await request(server, 'GET', '/subjects', 'admin:admin-pw')).json;

  const { id } = await writer.register(schema, { subject: 'orders-value' });
  ok('register over TLS with auth {username, password} -> an id', Number.isInteger(id) && id >= 1, id);
  eq('getLatestSchemaId as the writer', await writer.getLatestSchemaId('orders-value'), id);
  const reader = registry({ username: 'reader', password: 'reader-pw' });
  const buf = await writer.encode(id, { id: 42 });
  eq('encode, then decode as the reader (schema fetched by id)', { ...(await reader.decode(buf)) },
    { id: 42 });
  eq('getSchema(id) as the reader', (await reader.getSchema(id)).name, 'kjs.Order');

  const before = await subjects();
  await rejects('a wrong password: 401', () => registry({ username: 'writer', password: 'x' })
    .register(schema, { subject: 'orders-bad' }), 401);
  await rejects('no credentials: 401', () => registry(null).register(schema, { subject: 'orders-bad' }), 401);
  await rejects('the reader registering: 403', () => reader.register(schema, { subject: 'orders-bad' }), 403);
  await rejects('the writer outside its subjects: 403', () =>
    writer.register(schema, { subject: 'payments-value' }), 403);
  eq('...none of them wrote anything', await subjects(), before);

  const certAgent = new https.Agent({ ca, servername: 'localhost',
    cert: fs.readFileSync(server.certs.alice), key: fs.readFileSync(server.certs.aliceKey) });
  const alice = registry(null, { agent: certAgent });
  eq('a client certificate on the agent (CN alice): decode works', { ...(await alice.decode(buf)) },
    { id: 42 });
  await rejects('...and alice may not write', () => alice.register(schema, { subject: 'orders-x' }), 403);
  const untrusted = registry({ username: 'writer', password: 'writer-pw' },
    { agent: new https.Agent({ servername: 'localhost' }) });
  try {
    await untrusted.getLatestSchemaId('orders-value');
    ok('without our CA the server certificate is refused', false, 'resolved');
  } catch (err) {
    ok('without our CA the server certificate is refused', /certificate/i.test(String(err && err.message)),
      String(err && err.message));
  }
}

async function main() {
  const lib = loadClient();
  if (!lib) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-kafkajs-tls-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const certs = makeCerts(dir);
  fs.writeFileSync(path.join(dir, 'auth.json'), JSON.stringify({
    users: [karapaceUser('writer', 'writer-pw'), karapaceUser('reader', 'reader-pw'),
      karapaceUser('admin', 'admin-pw')],
    permissions: [
      { username: 'writer', operation: 'Write', resource: 'Subject:orders-.*' },
      { username: 'reader', operation: 'Read', resource: 'Subject:orders-.*' },
      { username: 'admin', operation: 'Write', resource: '.*' },
      { username: 'alice', operation: 'Read', resource: 'Subject:orders-.*' },
    ],
  }));
  let server;
  try {
    server = await startServer(dir, certs);
  } catch (err) {
    ok('server starts', false, err.stack || String(err));
    return;
  }
  try {
    await checks(lib, server);
  } catch (err) {
    ok('kafkajs TLS checks ran to the end', false, err.stack || String(err));
  } finally {
    await stopServer(server);
  }
}

await main();
process.exitCode = failures ? 1 : 0;
