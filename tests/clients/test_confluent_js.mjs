// The official Confluent JavaScript client, npm's @confluentinc/schemaregistry
// (pinned in package.json), against the real server: every method of its
// SchemaRegistryClient, and its Avro serializer and deserializer. Starts its
// own server on a free loopback port with a fresh database, prints TAP-style
// "ok - name" / "not ok - name" lines, and exits non-zero when a check fails.
//
// The expectations are Confluent 8.x's answers (full register response with
// version and guid, "schemaType":"AVRO", GUIDs, ts/deleted on stored
// entities, data-contract metadata, contexts), read from the client's own
// source and Confluent's server sources.
//
// Run: node tests/clients/test_confluent_js.mjs
// AVRO_REGISTRY_BIN picks the binary (default: bin/avro-registry). When the
// package is missing from tests/clients/node_modules it runs `npm ci` there.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const PKG = '@confluentinc/schemaregistry';
const PKG_VERSION = JSON.parse(fs.readFileSync(path.join(HERE, 'package.json'), 'utf8')).dependencies[PKG];
const STARTED = Date.now();

let failures = 0;
process.stdout.on('error', () => {}); // a closed pipe (| head) is not a test failure

const show = (v) => inspect(v, { depth: 8, breakLength: 120 });

// What a call that threw returns from call(): the checks that receive it fail
// and print the error.
class Thrown {
  constructor(err) { this.err = err; }

  [inspect.custom]() {
    const e = this.err;
    return `<threw ${e && e.name}: ${e && e.message}` +
      `${e && e.status !== undefined ? ` (status ${e.status}, error_code ${e.errorCode})` : ''}>`;
  }
}

async function call(fn) {
  try {
    return await fn();
  } catch (err) {
    return new Thrown(err);
  }
}

function ok(name, cond, detail = '') {
  if (cond) {
    console.log(`ok - ${name}`);
  } else {
    failures += 1;
    console.log(`not ok - ${name}`);
    for (const line of String(detail).split('\n').slice(0, 40)) console.log(`    ${line}`);
  }
  return cond;
}

function eq(name, got, want) {
  return ok(name, isDeepStrictEqual(got, want), `got:  ${show(got)}\nwant: ${show(want)}`);
}

// Runs fn() and reports it as one failed check when it throws, so one broken
// call does not hide the checks after it.
async function attempt(name, fn) {
  try {
    return await fn();
  } catch (err) {
    ok(name, false, `threw ${err && err.name}: ${err && err.message}` +
      (err && err.status !== undefined ? ` (status ${err.status}, error_code ${err.errorCode})` : ''));
    return undefined;
  }
}

// eq() on the value fn() resolves to; a rejection is a failure of that check.
async function eqAsync(name, fn, want) {
  let got;
  try {
    got = await fn();
  } catch (err) {
    return ok(name, false, `threw ${err && err.name}: ${err && err.message}` +
      (err && err.status !== undefined ? ` (status ${err.status}, error_code ${err.errorCode})` : ''));
  }
  return eq(name, got, want);
}

// Passes when fn() rejects and check(err) holds.
async function rejects(name, fn, check) {
  let got;
  try {
    got = await fn();
  } catch (err) {
    ok(name, check(err), `rejected with ${err && err.name}: ${err && err.message}` +
      (err && err.status !== undefined ? ` (status ${err.status}, error_code ${err.errorCode})` : ''));
    return err;
  }
  ok(name, false, `resolved with ${show(got)}`);
  return null;
}

// The client turns a Confluent error body into RestError(message, status,
// error_code); its message is "<server message>; Error code: <code>".
let RestError;
const restError = (status, code, text) => (e) => e instanceof RestError && e.status === status
  && e.errorCode === code && (text === undefined || e.message === `${text}; Error code: ${code}`);

// A stored entity (GET version/latest/metadata, /schemas/ids, /schemas/guids)
// carries exactly `want` plus 8.x's ts (ms since the epoch) and deleted; a
// response built from the request (register, lookup) may carry them.
function entity(name, got, want, { stored = false, deleted = false } = {}) {
  if (got instanceof Thrown) {
    ok(name, false, `got:  ${show(got)}\nwant: ${show(want)}`);
    return;
  }
  const isObj = got !== null && typeof got === 'object' && !Array.isArray(got);
  const core = isObj ? Object.fromEntries(Object.keys(want).map((k) => [k, got[k]])) : got;
  const extra = isObj ? Object.keys(got).filter((k) => !(k in want) && k !== 'ts' && k !== 'deleted') : [];
  ok(name, isObj && isDeepStrictEqual(core, want) && extra.length === 0,
    `got:  ${show(got)}\nwant: ${show(want)}${extra.length ? `\nunexpected keys: ${extra.join(', ')}` : ''}`);
  if (stored) {
    ok(`${name}: 8.x ts (registration time, ms) and deleted:${deleted}`,
      isObj && Number.isInteger(got.ts) && got.ts >= STARTED - 2000 && got.ts <= Date.now() + 2000
        && got.deleted === deleted,
      `ts ${isObj ? show(got.ts) : '-'} (test started ${STARTED}), deleted ${isObj ? show(got.deleted) : '-'}`);
  }
}

// --- Confluent's GUID ----------------------------------------------------------
// MD5 over the schema text, each reference (name, subject, 4-byte big-endian
// version), then 0x01 + metadata (sorted tags, properties, sensitive) and
// 0x01 + rules, printed as a UUID with no version bits
// (io.confluent.kafka.schemaregistry.client.rest.entities.Schema.updateHash).
function confluentGuid(schema, { references = [], metadata = null } = {}) {
  const md = crypto.createHash('md5');
  md.update(Buffer.from(schema, 'utf8'));
  for (const r of references) {
    md.update(r.name);
    md.update(r.subject);
    const v = Buffer.alloc(4);
    v.writeInt32BE(r.version);
    md.update(v);
  }
  if (metadata) {
    md.update(Buffer.from([1]));
    const sorted = (o) => Object.keys(o || {}).sort();
    for (const k of sorted(metadata.tags)) {
      md.update(k);
      for (const t of [...metadata.tags[k]].sort()) md.update(t);
    }
    for (const k of sorted(metadata.properties)) {
      md.update(k);
      md.update(metadata.properties[k]);
    }
    for (const s of [...(metadata.sensitive || [])].sort()) md.update(s);
  }
  const h = md.digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- npm dependencies --------------------------------------------------------
function ensureDeps() {
  const manifest = path.join(HERE, 'node_modules', ...PKG.split('/'), 'package.json');
  if (!fs.existsSync(manifest)) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: HERE, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0 || !fs.existsSync(manifest)) {
      ok('npm install', false,
        `npm ci in ${HERE} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})\n` +
        `${r.stdout || ''}${r.stderr || ''}`);
      return false;
    }
  }
  const version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  return ok(`${PKG} is ${PKG_VERSION} (got ${version})`, version === PKG_VERSION);
}

// --- the server --------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A raw request, for what the client does not expose (mode, /contexts).
function request(port, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath, timeout: 10_000,
      headers: data === undefined ? {} : {
        'Content-Type': 'application/vnd.schemaregistry.v1+json',
        'Content-Length': Buffer.byteLength(data),
      },
    }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { raw += c; });
      res.on('end', () => {
        let json = null;
        try { json = raw ? JSON.parse(raw) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, raw, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-confluent-js-'));
  const port = await freePort();
  const proc = spawn(BIN, ['--listen', '127.0.0.1', '--port', String(port),
    '--db', path.join(dir, 'registry.db'), '--log-level', 'warn'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { dir, port, proc, log: '', exited: null };
  // Never leave the server behind, however this process ends.
  process.on('exit', () => {
    if (!server.exited) proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  proc.stdout.on('data', (c) => { server.log += c; });
  proc.stderr.on('data', (c) => { server.log += c; });
  server.exit = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { server.exited = { code, signal }; resolve(server.exited); });
    proc.on('error', (err) => { server.log += `spawn error: ${err.message}\n`; server.exited = { code: -1 }; resolve(server.exited); });
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`server exited early (${show(server.exited)}): ${server.log}`);
    try {
      if ((await request(port, 'GET', '/health/ready')).status === 200) return server;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not become ready: ${server.log}`);
}

async function stopServer(server) {
  if (!server.exited) {
    server.proc.kill('SIGTERM');
    const timer = setTimeout(() => server.proc.kill('SIGKILL'), 30_000);
    await server.exit;
    clearTimeout(timer);
  }
  const { code, signal } = server.exited;
  ok(`server on port ${server.port} shut down cleanly (exit 0, no sanitizer report)`,
    code === 0 && !server.log.includes('Sanitizer') && !server.log.includes('runtime error'),
    `exit ${code} signal ${signal}\n${server.log.slice(-3000)}`);
  fs.rmSync(server.dir, { recursive: true, force: true });
}

// --- schemas -----------------------------------------------------------------
const V1 = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }],
};
const V2 = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' },
    { name: 'email', type: ['null', 'string'], default: null }],
};
const V3 = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' },
    { name: 'email', type: ['null', 'string'], default: null },
    { name: 'age', type: 'int', default: 0 }],
};
// "id" changes from long to string: incompatible with V1/V2 either way.
const BAD = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'string' }, { name: 'name', type: 'string' }],
};
const BAD2 = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'string' }, { name: 'name', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null }],
};
const ADDRESS = {
  type: 'record', name: 'Address', namespace: 'com.example',
  fields: [{ name: 'city', type: 'string' }],
};
const PERSON = {
  type: 'record', name: 'Person', namespace: 'com.example',
  fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'com.example.Address' }],
};
// Two spellings of one schema that differ only in the order of custom
// properties: the same schema once normalized, different ones otherwise.
const PROPS_ZA = '{"type":"record","name":"Prop","namespace":"com.example",'
  + '"fields":[{"name":"f","type":"string"}],"zeta":"1","alpha":"2"}';
const PROPS_AZ = '{"type":"record","name":"Prop","namespace":"com.example",'
  + '"fields":[{"name":"f","type":"string"}],"alpha":"2","zeta":"1"}';

const CANON_V1 = '{"type":"record","name":"User","namespace":"com.example","fields":'
  + '[{"name":"id","type":"long"},{"name":"name","type":"string"}]}';
const CANON_V2 = '{"type":"record","name":"User","namespace":"com.example","fields":'
  + '[{"name":"id","type":"long"},{"name":"name","type":"string"},'
  + '{"name":"email","type":["null","string"],"default":null}]}';
const CANON_BAD = '{"type":"record","name":"User","namespace":"com.example","fields":'
  + '[{"name":"id","type":"string"},{"name":"name","type":"string"}]}';
const CANON_BAD2 = '{"type":"record","name":"User","namespace":"com.example","fields":'
  + '[{"name":"id","type":"string"},{"name":"name","type":"string"},'
  + '{"name":"note","type":["null","string"],"default":null}]}';
const CANON_ADDRESS = '{"type":"record","name":"Address","namespace":"com.example","fields":'
  + '[{"name":"city","type":"string"}]}';
// Avro prints a named type by its short name inside its own namespace.
const CANON_PERSON = '{"type":"record","name":"Person","namespace":"com.example","fields":'
  + '[{"name":"name","type":"string"},{"name":"home","type":"Address"}]}';
const GUID_V1 = confluentGuid(CANON_V1);
const GUID_V2 = confluentGuid(CANON_V2);

// The schema as a client sends it: pretty-printed, so the server must
// canonicalize before it compares, stores and hashes.
const avro = (schema, extra = {}) => ({ schemaType: 'AVRO', schema: JSON.stringify(schema, null, 2), ...extra });
const plain = (v) => JSON.parse(JSON.stringify(v));
const prefix = (id) => {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(id, 1);
  return b;
};
const str = (s) => Buffer.concat([Buffer.from([Buffer.byteLength(s) * 2]), Buffer.from(s)]);
const guidBytes = (guid) => Buffer.from(guid.replace(/-/g, ''), 'hex');

// --- the checks --------------------------------------------------------------
// Each section is independent of the others' outcomes except for what it
// registers itself; a section that throws is reported and the next one runs.
async function registerAndLookup(t) {
  const { c, fresh } = t;
  const s = 'users-value';
  entity('registerFullResponse(users-value, v1) -> 8.x {id 1, version 1, guid, schemaType AVRO, canonical schema}',
    await call(() => c.registerFullResponse(s, avro(V1))),
    { id: 1, version: 1, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 });
  await eqAsync('register(users-value, v1) again, fresh client -> 1', () => fresh().register(s, avro(V1)), 1);
  entity('registerFullResponse(users-value, v1) again, fresh client -> the same full object',
    await call(() => fresh().registerFullResponse(s, avro(V1))),
    { id: 1, version: 1, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 });
  await eqAsync('register(users-value, v2) -> 2', () => c.register(s, avro(V2)), 2);
  await eqAsync('getAllSubjects() -> [users-value]', () => c.getAllSubjects(), ['users-value']);
  await eqAsync('getAllVersions(users-value) -> [1, 2]', () => c.getAllVersions(s), [1, 2]);

  // GET /schemas/ids/{id}?subject=: 8.x adds the subject and version found.
  entity('getBySubjectAndId(users-value, 1) -> v1 with subject, version, guid, schemaType',
    await call(() => fresh().getBySubjectAndId(s, 1)),
    { subject: s, version: 1, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 }, { stored: true });
  entity('getBySubjectAndId(other-value, 2) resolves id 2 under users-value (what the deserializer needs)',
    await call(() => fresh().getBySubjectAndId('other-value', 2)),
    { subject: s, version: 2, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 }, { stored: true });
  await rejects('getBySubjectAndId(users-value, 999) -> 404 / 40403 "Schema 999 not found"',
    () => fresh().getBySubjectAndId(s, 999), restError(404, 40403, 'Schema 999 not found'));

  // GET /schemas/guids/{guid}: no subject or version.
  entity('getByGuid(guid of v1) -> v1 without subject or version',
    await call(() => fresh().getByGuid(GUID_V1)),
    { guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 }, { stored: true });
  entity('getByGuid(guid of v2 as 32 plain hex digits) -> v2',
    await call(() => fresh().getByGuid(GUID_V2.replace(/-/g, ''))),
    { guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 }, { stored: true });
  await rejects('getByGuid(unknown well-formed guid) -> 404 / 40403',
    () => fresh().getByGuid('01234567-89ab-cdef-0123-456789abcdef'),
    restError(404, 40403));
  await rejects('getByGuid(malformed guid) -> a Confluent-shaped 4xx, never a 5xx',
    () => fresh().getByGuid('not-a-guid'),
    (e) => e instanceof RestError && e.status >= 400 && e.status < 500 && e.errorCode > 0);

  // POST /subjects/{s}: the schema's identity under a subject.
  await eqAsync('getId(users-value, v1) -> 1', () => fresh().getId(s, avro(V1)), 1);
  entity('getIdFullResponse(users-value, v2) -> {subject, version 2, id 2, guid, schemaType, schema}',
    await call(() => fresh().getIdFullResponse(s, avro(V2))),
    { subject: s, version: 2, id: 2, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 });
  await eqAsync('getVersion(users-value, v2) -> 2', () => fresh().getVersion(s, avro(V2)), 2);
  await rejects('getId(users-value, unregistered schema) -> 404 / 40403 "Schema not found"',
    () => fresh().getId(s, avro(ADDRESS)), restError(404, 40403, 'Schema not found'));
  await rejects("getId(ghost-value, v1) -> 404 / 40401 \"Subject 'ghost-value' not found.\"",
    () => fresh().getId('ghost-value', avro(V1)), restError(404, 40401, "Subject 'ghost-value' not found."));

  // GET /subjects/{s}/versions/{v}
  entity('getLatestSchemaMetadata(users-value) -> v2 entity',
    await call(() => fresh().getLatestSchemaMetadata(s)),
    { subject: s, version: 2, id: 2, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 }, { stored: true });
  entity('getSchemaMetadata(users-value, 1) -> v1 entity',
    await call(() => fresh().getSchemaMetadata(s, 1)),
    { subject: s, version: 1, id: 1, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 }, { stored: true });
  await rejects('getSchemaMetadata(users-value, 7) -> 404 / 40402 "Version 7 not found."',
    () => fresh().getSchemaMetadata(s, 7), restError(404, 40402, 'Version 7 not found.'));
  await rejects("getLatestSchemaMetadata(ghost-value) -> 404 / 40401 \"Subject 'ghost-value' not found.\"",
    () => fresh().getLatestSchemaMetadata('ghost-value'), restError(404, 40401, "Subject 'ghost-value' not found."));
  await rejects('getAllVersions(ghost-value) -> 404 / 40401',
    () => fresh().getAllVersions('ghost-value'), restError(404, 40401));
  await rejects('register(users-value, record without fields) -> 422 / 42201',
    () => fresh().register(s, { schemaType: 'AVRO', schema: '{"type":"record","name":"X"}' }),
    restError(422, 42201));
}

async function compatibilityAndConfig(t) {
  const { c, fresh } = t;
  const s = 'users-value';
  await eqAsync('testSubjectCompatibility(users-value, v3 adds a defaulted field) -> true',
    () => c.testSubjectCompatibility(s, avro(V3)), true);
  await eqAsync('testSubjectCompatibility(users-value, id long->string) -> false',
    () => c.testSubjectCompatibility(s, avro(BAD)), false);
  await eqAsync('testSubjectCompatibility(ghost-value, v1) -> true (nothing to break)',
    () => c.testSubjectCompatibility('ghost-value', avro(V1)), true);
  await eqAsync('testCompatibility(users-value, 1, v2) -> true', () => c.testCompatibility(s, 1, avro(V2)), true);
  await eqAsync('testCompatibility(users-value, 2, id long->string) -> false',
    () => c.testCompatibility(s, 2, avro(BAD)), false);
  await rejects('testCompatibility(users-value, 9, v2) -> 404 / 40402',
    () => c.testCompatibility(s, 9, avro(V2)), restError(404, 40402, 'Version 9 not found.'));
  await rejects('register(users-value, incompatible) -> 409 / 409 "Schema being registered is incompatible ..."',
    () => fresh().register(s, avro(BAD)),
    (e) => e instanceof RestError && e.status === 409 && e.errorCode === 409 && e.message.startsWith(
      'Schema being registered is incompatible with an earlier schema for subject "users-value"'));

  // Global compatibility and config.
  await eqAsync('getDefaultCompatibility() -> BACKWARD', () => c.getDefaultCompatibility(), 'BACKWARD');
  await eqAsync('updateDefaultCompatibility(FULL) -> FULL (the PUT echo)', () => c.updateDefaultCompatibility('FULL'), 'FULL');
  await eqAsync('getDefaultCompatibility() -> FULL', () => c.getDefaultCompatibility(), 'FULL');
  await eqAsync('getDefaultConfig() -> {compatibilityLevel: FULL}', () => c.getDefaultConfig(), { compatibilityLevel: 'FULL' });
  await eqAsync('updateDefaultConfig({compatibility: BACKWARD, normalize: false}) -> the echo',
    () => c.updateDefaultConfig({ compatibility: 'BACKWARD', normalize: false }),
    { compatibility: 'BACKWARD', normalize: false });
  await eqAsync('getDefaultConfig() -> {compatibilityLevel: BACKWARD, normalize: false}',
    () => c.getDefaultConfig(), { compatibilityLevel: 'BACKWARD', normalize: false });
  await rejects('updateDefaultCompatibility(SIDEWAYS) -> 422 / 42203', () => c.updateDefaultCompatibility('SIDEWAYS'),
    restError(422, 42203));

  // Subject compatibility and config.
  await rejects("getCompatibility(users-value) with no subject-level setting -> 404 / 40408",
    () => c.getCompatibility(s),
    restError(404, 40408, "Subject 'users-value' does not have subject-level compatibility configured"));
  await eqAsync('updateCompatibility(users-value, BACKWARD_TRANSITIVE) -> BACKWARD_TRANSITIVE',
    () => c.updateCompatibility(s, 'BACKWARD_TRANSITIVE'), 'BACKWARD_TRANSITIVE');
  await eqAsync('getCompatibility(users-value) -> BACKWARD_TRANSITIVE', () => c.getCompatibility(s), 'BACKWARD_TRANSITIVE');
  await eqAsync('getConfig(users-value) -> {compatibilityLevel: BACKWARD_TRANSITIVE}',
    () => c.getConfig(s), { compatibilityLevel: 'BACKWARD_TRANSITIVE' });
  await rejects('updateCompatibility(users-value, SIDEWAYS) -> 422 / 42203',
    () => c.updateCompatibility(s, 'SIDEWAYS'), restError(422, 42203));
  await eqAsync('updateConfig(cfg-value with no schemas, {compatibility: FULL, normalize: true}) -> the echo',
    () => c.updateConfig('cfg-value', { compatibility: 'FULL', normalize: true }), { compatibility: 'FULL', normalize: true });
  await eqAsync('getConfig(cfg-value) -> {compatibilityLevel: FULL, normalize: true}',
    () => c.getConfig('cfg-value'), { compatibilityLevel: 'FULL', normalize: true });
  await eqAsync('getAllSubjects() does not list a subject that only has a config',
    () => c.getAllSubjects(), ['users-value']);

  // alias: a subject-level alias makes a subject answer for another.
  await eqAsync('updateConfig(alias-value, {alias: users-value}) -> the echo',
    () => c.updateConfig('alias-value', { alias: 'users-value' }), { alias: 'users-value' });
  entity('getLatestSchemaMetadata(alias-value) -> users-value v2 through the alias',
    await call(() => fresh().getLatestSchemaMetadata('alias-value')),
    { subject: s, version: 2, id: 2, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 }, { stored: true });
}

async function dataContracts(t) {
  const { c, fresh } = t;
  // Metadata config: default < request (or the previous version's) < override.
  const dc = 'dc-value';
  const dcConfig = {
    compatibility: 'BACKWARD',
    compatibilityGroup: 'major',
    validateFields: false,
    defaultMetadata: { properties: { owner: 'team-a' } },
    overrideMetadata: { properties: { tier: 'gold' } },
  };
  await eqAsync('updateConfig(dc-value, {compatibilityGroup, validateFields, defaultMetadata, overrideMetadata}) -> the echo',
    () => c.updateConfig(dc, dcConfig), dcConfig);
  const { compatibility, ...dcRest } = dcConfig;
  await eqAsync('getConfig(dc-value) -> all of them, compatibilityLevel for compatibility',
    () => c.getConfig(dc), { compatibilityLevel: compatibility, ...dcRest });

  const md1 = { properties: { owner: 'team-a', tier: 'gold' } };
  const r1 = await call(() => c.registerFullResponse(dc, avro(V1)));
  entity('registerFullResponse(dc-value, v1 without metadata) -> defaultMetadata + overrideMetadata merged in',
    r1, { id: r1?.id, version: 1, guid: confluentGuid(CANON_V1, { metadata: md1 }), schemaType: 'AVRO',
      metadata: md1, schema: CANON_V1 });
  ok('the merged metadata makes dc-value v1 a schema of its own (id is not users-value v1\'s 1)',
    Number.isInteger(r1?.id) && r1.id > 2, `id ${show(r1?.id)}`);

  const md2 = { properties: { major: '2', owner: 'team-b', tier: 'gold' } };
  entity('registerFullResponse(dc-value, v2 with {owner: team-b, major: 2}) -> request wins over default, override wins over request',
    await call(() => c.registerFullResponse(dc,
      avro(V2, { metadata: { properties: { owner: 'team-b', major: '2', tier: 'silver' } } }))),
    { id: (r1?.id ?? 0) + 1, version: 2, guid: confluentGuid(CANON_V2, { metadata: md2 }), schemaType: 'AVRO',
      metadata: md2, schema: CANON_V2 });

  // compatibilityGroup "major": only versions with the same major are checked.
  const md3 = { properties: { major: '3', owner: 'team-a', tier: 'gold' } };
  entity('registerFullResponse(dc-value, incompatible schema in a new major group) -> accepted as v3',
    await call(() => c.registerFullResponse(dc,
      avro(BAD, { metadata: { properties: { major: '3' } } }))),
    { id: (r1?.id ?? 0) + 2, version: 3, guid: confluentGuid(CANON_BAD, { metadata: md3 }), schemaType: 'AVRO',
      metadata: md3, schema: CANON_BAD });
  entity('registerFullResponse(dc-value, compatible schema without metadata) -> inherits v3\'s metadata as v4',
    await call(() => c.registerFullResponse(dc, avro(BAD2))),
    { id: (r1?.id ?? 0) + 3, version: 4, guid: confluentGuid(CANON_BAD2, { metadata: md3 }), schemaType: 'AVRO',
      metadata: md3, schema: CANON_BAD2 });
  await rejects('register(dc-value, v1 without metadata) -> inherits major 3, so checked against v4 -> 409',
    () => fresh().register(dc, avro(V1)), restError(409, 409));
  entity('registerFullResponse(dc-value, metadata only, no schema) -> copies v4\'s schema as v5',
    await call(() => c.registerFullResponse(dc,
      { metadata: { properties: { major: '3', owner: 'team-c' } } })),
    { id: (r1?.id ?? 0) + 4, version: 5, schemaType: 'AVRO', schema: CANON_BAD2,
      metadata: { properties: { major: '3', owner: 'team-c', tier: 'gold' } },
      guid: confluentGuid(CANON_BAD2, { metadata: { properties: { major: '3', owner: 'team-c', tier: 'gold' } } }) });

  // RuleSet config: default rules, then the request's, then the override's.
  const rule = (name, expr) => ({ name, kind: 'CONDITION', mode: 'WRITE', type: 'CEL', expr });
  const stored = (r) => ({ ...r, disabled: false });
  const rc = 'dc2-value';
  const rcConfig = {
    defaultRuleSet: { domainRules: [rule('hasName', "message.name != ''")] },
    overrideRuleSet: { domainRules: [rule('positiveId', 'message.id > 0')] },
  };
  await attempt('updateConfig(dc2-value, {defaultRuleSet, overrideRuleSet})', () => c.updateConfig(rc, rcConfig));
  await eqAsync('getConfig(dc2-value) -> the rule sets as stored (disabled: false spelled out), no compatibilityLevel',
    () => c.getConfig(rc), {
      defaultRuleSet: { domainRules: [stored(rule('hasName', "message.name != ''"))] },
      overrideRuleSet: { domainRules: [stored(rule('positiveId', 'message.id > 0'))] },
    });
  const rr = await call(() => c.registerFullResponse(rc,
    avro(V1, { ruleSet: { domainRules: [rule('shortName', 'size(message.name) < 50')] } })));
  eq('registerFullResponse(dc2-value, v1 with a rule) -> default, request and override rules, in that order',
    rr instanceof Thrown ? rr : rr && rr.ruleSet, { domainRules: [stored(rule('hasName', "message.name != ''")),
      stored(rule('shortName', 'size(message.name) < 50')), stored(rule('positiveId', 'message.id > 0'))] });
  await rejects("register(rules with a name starting with a digit) -> 422 / 42210 \"Illegal initial character in rule name: 1bad\"",
    () => fresh().register('dc3-value', avro(V1, { ruleSet: { domainRules: [{ name: '1bad', type: 'CEL', mode: 'WRITE' }] } })),
    restError(422, 42210, 'Illegal initial character in rule name: 1bad'));
  await rejects("register(a migration rule with mode WRITE) -> 422 / 42210",
    () => fresh().register('dc3-value', avro(V1, { ruleSet: { migrationRules: [{ name: 'm', type: 'JSONATA', mode: 'WRITE' }] } })),
    restError(422, 42210, 'Migration rules can only be UPGRADE, DOWNGRADE, UPDOWN'));
}

async function latestWithMetadata(t) {
  const { c, fresh } = t;
  const s = 'md-value';
  const m1 = { properties: { app: 'orders', major: '1' } };
  const m2 = { properties: { app: 'orders', major: '2' } };
  const r1 = await call(() => c.registerFullResponse(s, avro(V1, { metadata: m1 })));
  entity('registerFullResponse(md-value, v1 with metadata) -> metadata echoed, guid covers it',
    r1, { id: r1?.id, version: 1, guid: confluentGuid(CANON_V1, { metadata: m1 }), schemaType: 'AVRO',
      metadata: m1, schema: CANON_V1 });
  const r2 = await call(() => c.registerFullResponse(s, avro(V2, { metadata: m2 })));
  t.md = { v1: r1?.id, v2: r2?.id };
  const want1 = { subject: s, version: 1, id: r1?.id, guid: confluentGuid(CANON_V1, { metadata: m1 }),
    schemaType: 'AVRO', metadata: m1, schema: CANON_V1 };
  const want2 = { subject: s, version: 2, id: r2?.id, guid: confluentGuid(CANON_V2, { metadata: m2 }),
    schemaType: 'AVRO', metadata: m2, schema: CANON_V2 };
  entity('getLatestWithMetadata(md-value, {major: 1}) -> v1',
    await call(() => fresh().getLatestWithMetadata(s, { major: '1' })),
    want1, { stored: true });
  entity('getLatestWithMetadata(md-value, {app: orders}) -> the newest match, v2',
    await call(() => fresh().getLatestWithMetadata(s, { app: 'orders' })),
    want2, { stored: true });
  entity('getLatestWithMetadata(md-value, {app: orders, major: 1}) -> every pair must match -> v1',
    await call(() => fresh().getLatestWithMetadata(s, { app: 'orders', major: '1' })),
    want1, { stored: true });
  await rejects('getLatestWithMetadata(md-value, {major: 9}) -> 404 / 40403 "Schema not found"',
    () => fresh().getLatestWithMetadata(s, { major: '9' }), restError(404, 40403, 'Schema not found'));
  await rejects("getLatestWithMetadata(ghost-value, {major: 1}) -> 404 / 40401",
    () => fresh().getLatestWithMetadata('ghost-value', { major: '1' }),
    restError(404, 40401, "Subject 'ghost-value' not found."));
  await rejects('getLatestWithMetadata(users-value without metadata, {}) -> 404 / 40403',
    () => fresh().getLatestWithMetadata('users-value', {}), restError(404, 40403, 'Schema not found'));
}

async function deletes(t) {
  const { c, fresh } = t;
  const s = 'del-value';
  await eqAsync('register(del-value, v1) -> 1 (same schema as users-value v1, same id)', () => c.register(s, avro(V1)), 1);
  await eqAsync('register(del-value, v2) -> 2', () => c.register(s, avro(V2)), 2);
  await eqAsync('deleteSubjectVersion(del-value, 2) soft -> 2', () => c.deleteSubjectVersion(s, 2), 2);
  await eqAsync('getAllVersions(del-value) -> [1] after the soft delete', () => fresh().getAllVersions(s), [1]);
  await rejects('getSchemaMetadata(del-value, 2) -> 404 / 40402 once soft-deleted',
    () => fresh().getSchemaMetadata(s, 2), restError(404, 40402, 'Version 2 not found.'));
  entity('getSchemaMetadata(del-value, 2, deleted=true) -> v2, deleted: true',
    await call(() => fresh().getSchemaMetadata(s, 2, true)),
    { subject: s, version: 2, id: 2, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 },
    { stored: true, deleted: true });
  await rejects('getVersion(del-value, v2) -> 404 / 40403 once soft-deleted',
    () => fresh().getVersion(s, avro(V2)), restError(404, 40403, 'Schema not found'));
  await eqAsync('getVersion(del-value, v2, normalize=false, deleted=true) -> 2',
    () => fresh().getVersion(s, avro(V2), false, true), 2);
  // A soft delete keeps the id resolvable, under the deleted subject-version.
  entity('getBySubjectAndId(del-value, 2) still resolves the soft-deleted del-value v2',
    await call(() => fresh().getBySubjectAndId(s, 2)),
    { subject: s, version: 2, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 }, { stored: true, deleted: true });
  await rejects("deleteSubjectVersion(del-value, 2) soft again -> 404 / 40406",
    () => fresh().deleteSubjectVersion(s, 2),
    restError(404, 40406, "Subject 'del-value' Version 2 was soft deleted.Set permanent=true to delete permanently"));
  await rejects("deleteSubjectVersion(del-value, 1, permanent) before a soft delete -> 404 / 40407",
    () => fresh().deleteSubjectVersion(s, 1, true),
    restError(404, 40407, "Subject 'del-value' Version 1 was not deleted first before being permanently deleted"));
  await eqAsync('deleteSubjectVersion(del-value, 2, permanent) -> 2', () => c.deleteSubjectVersion(s, 2, true), 2);
  await rejects('getSchemaMetadata(del-value, 2, deleted=true) -> 404 / 40402 after the hard delete',
    () => fresh().getSchemaMetadata(s, 2, true), restError(404, 40402, 'Version 2 not found.'));
  await rejects('deleteSubjectVersion(del-value, 2, permanent) again -> 404 / 40402',
    () => fresh().deleteSubjectVersion(s, 2, true), restError(404, 40402));
  await rejects("deleteSubject(del-value, permanent) with live versions -> 404 / 40405",
    () => fresh().deleteSubject(s, true),
    restError(404, 40405, "Subject 'del-value' was not deleted first before being permanently deleted"));
  await eqAsync('deleteSubject(del-value) soft -> [1]', () => c.deleteSubject(s), [1]);
  await eqAsync('getAllSubjects() no longer lists del-value', async () => (await fresh().getAllSubjects()).includes(s), false);
  await rejects("getLatestSchemaMetadata(del-value) -> 404 / 40401 when every version is soft-deleted",
    () => fresh().getLatestSchemaMetadata(s), restError(404, 40401, "Subject 'del-value' not found."));
  await rejects("deleteSubject(del-value) soft again -> 404 / 40404",
    () => fresh().deleteSubject(s),
    restError(404, 40404, "Subject 'del-value' was soft deleted.Set permanent=true to delete permanently"));
  await eqAsync('deleteSubject(del-value, permanent) -> [1]', () => c.deleteSubject(s, true), [1]);
  await rejects("deleteSubject(del-value, permanent) again -> 404 / 40401",
    () => fresh().deleteSubject(s, true), restError(404, 40401, "Subject 'del-value' not found."));
  await rejects('getSchemaMetadata(del-value, 1, deleted=true) -> 404 / 40401 after the hard delete',
    () => fresh().getSchemaMetadata(s, 1, true), restError(404, 40401));
  await eqAsync('getBySubjectAndId(users-value, 1) unaffected: users-value still holds id 1',
    async () => (await fresh().getBySubjectAndId('users-value', 1)).schema, CANON_V1);
}

async function references(t) {
  const { c, fresh } = t;
  const addr = await attempt('register(address-value, Address)', () => c.register('address-value', avro(ADDRESS)));
  const refs = [{ name: 'com.example.Address', subject: 'address-value', version: 1 }];
  const r = await call(() => c.registerFullResponse('people-value', avro(PERSON, { references: refs })));
  t.people = r?.id;
  entity('registerFullResponse(people-value, Person with a reference) -> references echoed, guid covers them',
    r, { id: r?.id, version: 1, guid: confluentGuid(CANON_PERSON, { references: refs }), schemaType: 'AVRO',
      references: refs, schema: CANON_PERSON });
  ok('Person got an id of its own', Number.isInteger(r?.id) && r.id !== addr, `person ${show(r?.id)}, address ${show(addr)}`);
  entity('getBySubjectAndId(people-value, id) -> the reference list',
    await call(() => fresh().getBySubjectAndId('people-value', r?.id)),
    { subject: 'people-value', version: 1, guid: confluentGuid(CANON_PERSON, { references: refs }),
      schemaType: 'AVRO', references: refs, schema: CANON_PERSON }, { stored: true });
  entity('getLatestSchemaMetadata(people-value) -> the reference list',
    await call(() => fresh().getLatestSchemaMetadata('people-value')),
    { subject: 'people-value', version: 1, id: r?.id, guid: confluentGuid(CANON_PERSON, { references: refs }),
      schemaType: 'AVRO', references: refs, schema: CANON_PERSON }, { stored: true });
  await eqAsync('getId(people-value, Person with the reference) -> its id',
    () => fresh().getId('people-value', avro(PERSON, { references: refs })), r?.id);
  await rejects('register(Person without the reference) -> 422 / 42201 (com.example.Address is unknown)',
    () => fresh().register('people2-value', avro(PERSON)), restError(422, 42201));
  await rejects('register(Person referencing address-value v9) -> 422 / 42201',
    () => fresh().register('people2-value', avro(PERSON,
      { references: [{ name: 'com.example.Address', subject: 'address-value', version: 9 }] })),
    restError(422, 42201));
  await rejects('deleteSubjectVersion(address-value, 1) while Person uses it -> 422 / 42206',
    () => fresh().deleteSubjectVersion('address-value', 1), restError(422, 42206));
}

async function normalize(t) {
  const { c, fresh } = t;
  const za = { schemaType: 'AVRO', schema: PROPS_ZA };
  const az = { schemaType: 'AVRO', schema: PROPS_AZ };
  // Without normalize the two spellings are two schemas; alpha,zeta is
  // already in normal form, so its id is the id every normalized form gets.
  const rawZa = await call(() => c.register('raw-value', za));
  const normId = await call(() => c.register('raw-value', az));
  ok('without normalize, zeta,alpha and alpha,zeta get different ids',
    Number.isInteger(rawZa) && Number.isInteger(normId) && rawZa !== normId, `${show(rawZa)} vs ${show(normId)}`);
  await eqAsync('getAllVersions(raw-value) -> [1, 2]', () => fresh().getAllVersions('raw-value'), [1, 2]);

  const n = await call(() => c.registerFullResponse('norm-value', za, true));
  eq('registerFullResponse(norm-value, props zeta,alpha, normalize=true) -> the id of the normal form',
    n && n.id, normId);
  const text = (n && n.schema) || '';
  ok('the normalized schema text orders the custom properties (alpha before zeta)',
    text.includes('"alpha"') && text.indexOf('"alpha"') < text.indexOf('"zeta"'), show(text));
  await eqAsync('register(norm-value, props alpha,zeta, normalize=true) -> the same id',
    () => fresh().register('norm-value', az, true), normId);
  await eqAsync('getId(norm-value, props zeta,alpha, normalize=true) -> the same id',
    () => fresh().getId('norm-value', za, true), normId);
  await eqAsync('getVersion(norm-value, props alpha,zeta, normalize=true) -> 1',
    () => fresh().getVersion('norm-value', az, true), 1);
  await eqAsync('getAllVersions(norm-value) -> [1]', () => fresh().getAllVersions('norm-value'), [1]);
  await eqAsync('updateConfig(normcfg-value, {normalize: true}) without a compatibility -> the echo',
    () => c.updateConfig('normcfg-value', { normalize: true }), { normalize: true });
  await eqAsync('register(normcfg-value, props zeta,alpha) with ?normalize=false -> the subject\'s normalize config applies',
    () => c.register('normcfg-value', za), normId);
}

async function contexts(t) {
  const { c, fresh, host, port } = t;
  // Ids are allocated per context: the first schema in .ctx gets id 1.
  entity("registerFullResponse(':.ctx:orders-value', Address) -> id 1 in context .ctx",
    await call(() => c.registerFullResponse(':.ctx:orders-value', avro(ADDRESS))),
    { id: 1, version: 1, guid: confluentGuid(CANON_ADDRESS), schemaType: 'AVRO', schema: CANON_ADDRESS });
  entity("registerFullResponse(':.ctx:users-value', v1) -> id 2 in .ctx, the same guid as in the default context",
    await call(() => c.registerFullResponse(':.ctx:users-value', avro(V1))),
    { id: 2, version: 1, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 });
  entity("getBySubjectAndId(':.ctx:orders-value', 1) -> Address (id 1 of .ctx, not the default context's)",
    await call(() => fresh().getBySubjectAndId(':.ctx:orders-value', 1)),
    { subject: ':.ctx:orders-value', version: 1, guid: confluentGuid(CANON_ADDRESS), schemaType: 'AVRO',
      schema: CANON_ADDRESS }, { stored: true });
  entity("getBySubjectAndId(':.ctx:users-value', 2) -> v1",
    await call(() => fresh().getBySubjectAndId(':.ctx:users-value', 2)),
    { subject: ':.ctx:users-value', version: 1, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 }, { stored: true });
  entity("getLatestSchemaMetadata(':.ctx:users-value') -> qualified subject, context id 2",
    await call(() => fresh().getLatestSchemaMetadata(':.ctx:users-value')),
    { subject: ':.ctx:users-value', version: 1, id: 2, guid: GUID_V1, schemaType: 'AVRO', schema: CANON_V1 },
    { stored: true });
  await eqAsync("getAllVersions(':.ctx:users-value') (path not encoded by the client) -> [1]",
    () => fresh().getAllVersions(':.ctx:users-value'), [1]);
  await eqAsync("getId(':.ctx:users-value', v1) -> 2", () => fresh().getId(':.ctx:users-value', avro(V1)), 2);
  await eqAsync('getId(users-value, v1) in the default context is still 1', () => fresh().getId('users-value', avro(V1)), 1);
  let r = await request(port, 'GET', '/contexts');
  eq('GET /contexts -> [".", ".ctx"]', [r.status, r.json], [200, ['.', '.ctx']]);

  // A client whose base URL is /contexts/.ctx works inside that context.
  const ctx = new t.SchemaRegistryClient({ baseURLs: [`${host}/contexts/.ctx`], maxRetries: 0 });
  await eqAsync('context client: getAllSubjects() -> the qualified subjects of .ctx',
    () => ctx.getAllSubjects(), [':.ctx:orders-value', ':.ctx:users-value']);
  await eqAsync('context client: register(users-value, v1) -> 2', () => ctx.register('users-value', avro(V1)), 2);
  entity('context client: registerFullResponse(payments-value, v2) -> id 3 of .ctx',
    await call(() => ctx.registerFullResponse('payments-value', avro(V2))),
    { id: 3, version: 1, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 });
  entity("context client: getLatestSchemaMetadata(payments-value) -> subject ':.ctx:payments-value'",
    await call(() => ctx.getLatestSchemaMetadata('payments-value')),
    { subject: ':.ctx:payments-value', version: 1, id: 3, guid: GUID_V2, schemaType: 'AVRO', schema: CANON_V2 },
    { stored: true });
  entity('context client: getBySubjectAndId(orders-value, 1) -> Address',
    await call(() => ctx.getBySubjectAndId('orders-value', 1)),
    { subject: ':.ctx:orders-value', version: 1, guid: confluentGuid(CANON_ADDRESS), schemaType: 'AVRO',
      schema: CANON_ADDRESS }, { stored: true });
  await eqAsync('context client: getAllVersions(payments-value) -> [1]', () => ctx.getAllVersions('payments-value'), [1]);
  await rejects('context client: getDefaultCompatibility() with no context-level config -> 404 / 40408',
    () => ctx.getDefaultCompatibility(), restError(404, 40408));
  await eqAsync('context client: updateDefaultCompatibility(NONE) sets the context level -> NONE',
    () => ctx.updateDefaultCompatibility('NONE'), 'NONE');
  await eqAsync('context client: getDefaultCompatibility() -> NONE', () => ctx.getDefaultCompatibility(), 'NONE');
  await eqAsync("getConfig(':.ctx:') -> {compatibilityLevel: NONE}", () => c.getConfig(':.ctx:'), { compatibilityLevel: 'NONE' });
  await eqAsync('getDefaultCompatibility() of the default context is still BACKWARD',
    () => c.getDefaultCompatibility(), 'BACKWARD');
  await eqAsync('context client: register(payments-value, incompatible) -> accepted under the context\'s NONE, id 4',
    () => ctx.register('payments-value', avro(BAD)), 4);
  await eqAsync('context client: deleteSubject(payments-value) -> [1, 2]', () => ctx.deleteSubject('payments-value'), [1, 2]);
  await eqAsync('context client: deleteSubject(payments-value, permanent) -> [1, 2]',
    () => ctx.deleteSubject('payments-value', true), [1, 2]);
  await rejects("getLatestSchemaMetadata(':.ctx:payments-value') -> 404 / 40401 after the hard delete",
    () => fresh().getLatestSchemaMetadata(':.ctx:payments-value'),
    restError(404, 40401, "Subject ':.ctx:payments-value' not found."));
  r = await request(port, 'GET', '/contexts/.other/subjects');
  eq('GET /contexts/.other/subjects (an empty context) -> []', [r.status, r.json], [200, []]);
}

// Serializer and deserializer round trips. The Avro body of {id, name[, email]}:
// zigzag long, length-prefixed string, union branch index.
async function serde(t) {
  const { lib, c } = t;
  const { AvroSerializer, AvroDeserializer, SerdeType, HeaderSchemaIdSerializer, CelExecutor } = lib;
  const V = SerdeType.VALUE;
  const ser = (conf) => new AvroSerializer(t.fresh(), V, conf);
  const de = (conf = {}) => new AvroDeserializer(t.fresh(), V, conf);
  const ada = { id: 42, name: 'ada' };
  const adaBody = Buffer.concat([Buffer.from([0x54]), str('ada')]);
  const bo = { id: 7, name: 'bo', email: 'b@x' };
  const boBody = Buffer.concat([Buffer.from([0x0e]), str('bo'), Buffer.from([0x02]), str('b@x')]);

  // useLatestVersion: the latest of users-value (v2, id 2).
  const b1 = await call(() => ser({ useLatestVersion: true }).serialize('users', bo));
  eq('useLatestVersion: 0x00, id 2, then the Avro body', b1, Buffer.concat([prefix(2), boBody]));
  await eqAsync('deserialize -> the record (writer schema by id through GET /schemas/ids/2?subject=users-value)',
    async () => plain(await de().deserialize('users', b1)), bo);

  // useSchemaId: GET /schemas/ids/1?subject=, then POST /subjects/users-value with
  // that body (subject, version, guid, ts... included) for the id.
  const b2 = await call(() => ser({ useSchemaId: 1 }).serialize('users', ada));
  eq('useSchemaId 1: 0x00, id 1, then the Avro body', b2, Buffer.concat([prefix(1), adaBody]));
  await eqAsync('deserialize with no reader schema -> the v1 record',
    async () => plain(await de().deserialize('users', b2)), ada);
  await eqAsync('deserialize with useLatestVersion: reader v2 fills email with its default',
    async () => plain(await de({ useLatestVersion: true }).deserialize('users', b2)), { ...ada, email: null });

  // autoRegisterSchemas: the schema is derived from the message (Record1).
  const derived = JSON.parse(JSON.stringify(AvroSerializer.messageToSchema(ada)));
  const b3 = await call(() => ser({ autoRegisterSchemas: true }).serialize('auto', ada));
  const auto = await call(() => t.fresh().getLatestSchemaMetadata('auto-value'));
  ok('autoRegisterSchemas registered the derived schema as auto-value v1',
    auto && auto.version === 1 && isDeepStrictEqual(JSON.parse(auto.schema), derived),
    `latest ${show(auto)}\nderived ${JSON.stringify(derived)}`);
  eq('autoRegisterSchemas: 0x00 and the registered id', Buffer.isBuffer(b3) ? b3.subarray(0, 5) : b3,
    auto && Number.isInteger(auto.id) ? prefix(auto.id) : auto);
  await eqAsync('deserialize the auto-registered message -> the record',
    async () => plain(await de().deserialize('auto', b3)), ada);
  await eqAsync('serialize again with autoRegisterSchemas, fresh client -> the same bytes',
    () => ser({ autoRegisterSchemas: true }).serialize('auto', ada), b3);
  await eqAsync('getAllVersions(auto-value) -> [1]: registering again added no version',
    () => t.fresh().getAllVersions('auto-value'), [1]);
  await eqAsync('autoRegisterSchemas off: the derived schema is looked up (POST /subjects/auto-value) -> the same bytes',
    () => ser({ autoRegisterSchemas: false }).serialize('auto', ada), b3);
  await rejects('autoRegisterSchemas off, unknown subject -> 404 / 40401',
    () => ser({}).serialize('nowhere', ada), restError(404, 40401, "Subject 'nowhere-value' not found."));
  await rejects('autoRegisterSchemas off, derived schema not in users-value -> 404 / 40403',
    () => ser({}).serialize('users', ada), restError(404, 40403, 'Schema not found'));
  await rejects('useLatestVersion with autoRegisterSchemas off, unknown subject -> 404 / 40401',
    () => ser({ autoRegisterSchemas: false, useLatestVersion: true }).serialize('nowhere', ada), restError(404, 40401));
  await rejects('autoRegisterSchemas into users-value (record User) with a derived Record1 -> 409',
    () => ser({ autoRegisterSchemas: true }).serialize('users', ada), restError(409, 409));

  // useLatestWithMetadata (md-value: v1 major 1, v2 major 2).
  const cid = { id: 3, name: 'c' };
  const cBody = Buffer.concat([Buffer.from([0x06]), str('c')]);
  const b4 = await call(() => ser({ useLatestWithMetadata: { major: '1' } }).serialize('md', cid));
  eq('useLatestWithMetadata {major: 1}: the id of md-value v1', b4, t.md?.v1 && Buffer.concat([prefix(t.md.v1), cBody]));
  await eqAsync('deserialize with useLatestWithMetadata {major: 2}: reader v2 -> email default added',
    async () => plain(await de({ useLatestWithMetadata: { major: '2' } }).deserialize('md', b4)), { ...cid, email: null });
  await eqAsync('deserialize with useLatestWithMetadata {major: 1}: reader = writer -> the record',
    async () => plain(await de({ useLatestWithMetadata: { major: '1' } }).deserialize('md', b4)), cid);
  await rejects('useLatestWithMetadata {major: 9} -> 404 / 40403',
    () => ser({ useLatestWithMetadata: { major: '9' } }).serialize('md', cid), restError(404, 40403));

  // The GUID in a header instead of the id in the payload (8.x).
  const headers = {};
  const b5 = await call(() => ser({ useLatestVersion: true, schemaIdSerializer: HeaderSchemaIdSerializer }).serialize('users', bo, headers));
  eq('HeaderSchemaIdSerializer: the payload is the bare Avro body', b5, boBody);
  eq('HeaderSchemaIdSerializer: __value_schema_id = 0x01 + the 16 GUID bytes of v2',
    headers.__value_schema_id, Buffer.concat([Buffer.from([1]), guidBytes(GUID_V2)]));
  await eqAsync('deserialize with the header -> the record (GET /schemas/guids/{guid})',
    async () => plain(await de().deserialize('users', b5, headers)), bo);

  // A schema with a reference: the client resolves it through
  // GET /subjects/address-value/versions/1?deleted=true.
  const person = { name: 'ada', home: { city: 'London' } };
  const b6 = await call(() => ser({ useLatestVersion: true }).serialize('people', person));
  eq('Person with a referenced Address: its id, then the Avro body', b6,
    t.people && Buffer.concat([prefix(t.people), str('ada'), str('London')]));
  await eqAsync('deserialize the Person message -> the record', async () => plain(await de().deserialize('people', b6)), person);

  // Contexts: topic ':.ctx:users' maps to subject ':.ctx:users-value', where v1 is id 2.
  const b7 = await call(() => ser({ useLatestVersion: true }).serialize(':.ctx:users', ada));
  eq("context subject: id 2 of .ctx (v1), not the default context's v2", b7, Buffer.concat([prefix(2), adaBody]));
  await eqAsync('deserialize in the context -> the v1 record, no email',
    async () => plain(await de().deserialize(':.ctx:users', b7)), ada);

  // Rules stored on the server run in the client.
  CelExecutor.register();
  const rules = { domainRules: [{ name: 'positiveId', kind: 'CONDITION', mode: 'WRITE', type: 'CEL', expr: 'message.id > 0' }] };
  await attempt('register(rules-value, v1 with a CEL condition)', () => c.register('rules-value', avro(V1, { ruleSet: rules })));
  const b8 = await call(() => ser({ useLatestVersion: true }).serialize('rules', ada));
  ok('a record that passes the stored CEL rule serializes', Buffer.isBuffer(b8) && b8.subarray(5).equals(adaBody), show(b8));
  await rejects('a record that breaks the stored CEL rule (id > 0) is refused by the client',
    () => ser({ useLatestVersion: true }).serialize('rules', { id: -1, name: 'neg' }),
    (e) => e instanceof lib.SerializationError || e instanceof lib.RuleConditionError || /positiveId/.test(String(e && e.message)));
}

async function modes(t) {
  const { port, fresh } = t;
  let r = await request(port, 'PUT', '/mode/users-value', { mode: 'READONLY' });
  eq('PUT /mode/users-value READONLY', [r.status, r.json], [200, { mode: 'READONLY' }]);
  await rejects('register(users-value, v3) in READONLY -> 422 / 42205', () => fresh().register('users-value', avro(V3)),
    restError(422, 42205));
  await rejects('deleteSubjectVersion(users-value, 2) in READONLY -> 422 / 42205',
    () => fresh().deleteSubjectVersion('users-value', 2), restError(422, 42205));
  await eqAsync('getLatestSchemaMetadata(users-value) in READONLY still reads -> version 2',
    async () => (await fresh().getLatestSchemaMetadata('users-value')).version, 2);
  r = await request(port, 'DELETE', '/mode/users-value');
  eq('DELETE /mode/users-value -> the old mode', [r.status, r.json], [200, { mode: 'READONLY' }]);
  await eqAsync('testSubjectCompatibility(users-value, v3) after READWRITE is back -> true',
    () => fresh().testSubjectCompatibility('users-value', avro(V3)), true);
}

// /associations is Confluent 8.2+ and out of the registry's scope. A server
// without it answers 404, which the serde's default ASSOCIATED subject-name
// strategy needs in order to fall back to TopicNameStrategy.
async function associations(t) {
  const { c } = t;
  await rejects('getAssociationsByResourceName(users, -, topic, [value]) -> 404, so the serde falls back to topic names',
    () => c.getAssociationsByResourceName('users', '-', 'topic', ['value'], null, 0, -1),
    (e) => e instanceof RestError && e.status === 404 && e.errorCode === 404);
  await rejects('createAssociation(...) -> 404 (no associations API)',
    () => c.createAssociation({ resourceName: 'users', resourceNamespace: '-', resourceId: 'u1', resourceType: 'topic',
      associations: [{ subject: 'users-value', associationType: 'value' }] }),
    (e) => e instanceof RestError && e.status === 404 && e.errorCode === 404);
  await rejects('deleteAssociations(u1, topic, [value], false) -> 404 (no associations API)',
    () => c.deleteAssociations('u1', 'topic', ['value'], false),
    (e) => e instanceof RestError && e.status === 404 && e.errorCode === 404);
}

async function closing(t) {
  const { c } = t;
  const want = ['address-value', 'auto-value', 'dc-value', 'dc2-value', 'md-value', 'norm-value', 'normcfg-value',
    'people-value', 'raw-value', 'rules-value', 'users-value', ':.ctx:orders-value', ':.ctx:users-value'].sort();
  await eqAsync('getAllSubjects() -> every live subject of every context, sorted', () => t.fresh().getAllSubjects(), want);
  c.clearLatestCaches();
  c.clearCaches();
  await eqAsync('clearCaches() then getLatestSchemaMetadata(users-value) asks the server again -> version 2',
    async () => (await c.getLatestSchemaMetadata('users-value')).version, 2);
  await c.close();
  ok('close() resolves', true);
}

async function main() {
  if (!ensureDeps()) return;
  const require = createRequire(import.meta.url);
  const lib = require(PKG);
  RestError = lib.RestError;
  let server;
  try {
    server = await startServer();
  } catch (err) {
    ok('server starts', false, err.stack || String(err));
    return;
  }
  const host = `http://127.0.0.1:${server.port}`;
  const config = { baseURLs: [host], maxRetries: 0, createAxiosDefaults: { timeout: 10_000 } };
  const t = {
    lib, host, port: server.port, SchemaRegistryClient: lib.SchemaRegistryClient,
    c: new lib.SchemaRegistryClient(config),
    fresh: () => new lib.SchemaRegistryClient(config),
  };
  try {
    for (const section of [registerAndLookup, compatibilityAndConfig, dataContracts, latestWithMetadata, deletes,
      references, normalize, contexts, serde, modes, associations, closing]) {
      try {
        await section(t);
      } catch (err) {
        ok(`section ${section.name} ran to the end`, false, err.stack || String(err));
      }
    }
  } finally {
    await stopServer(server);
  }
}

await main();
process.exitCode = failures ? 1 : 0;
